package tty

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/term"
)

// ErrNoTerminal means there is no controlling terminal to ask.
var ErrNoTerminal = errors.New("no terminal to ask")

// Available reports whether a controlling terminal can be opened.
func Available() bool {
	in, out, err := open()
	if err != nil {
		return false
	}
	in.Close()
	if out != in {
		out.Close()
	}
	return true
}

// ReadLine writes prompt to the terminal and reads one line, without echo
// when secret is set. It gives up when ctx ends.
func ReadLine(ctx context.Context, prompt string, secret bool) (string, error) {
	in, out, err := open()
	if err != nil {
		return "", ErrNoTerminal
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	fmt.Fprint(out, prompt)
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		if secret && term.IsTerminal(int(in.Fd())) {
			b, err := term.ReadPassword(int(in.Fd()))
			fmt.Fprintln(out)
			ch <- result{string(b), err}
			return
		}
		s, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && s == "" {
			ch <- result{"", err}
			return
		}
		ch <- result{s, nil}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		return strings.TrimSpace(r.s), r.err
	}
}
