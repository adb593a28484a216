package inifile

import "errors"

// ErrShlex is returned by [ShellSplit] for an unclosed quote or a
// trailing backslash, where Python's shlex.split raises ValueError.
var ErrShlex = errors.New("unbalanced quotes or trailing backslash")

// ShellSplit splits s as Python's shlex.split(s) does (POSIX mode, no
// comments): botocore uses it for "[profile NAME]" headers. Words are
// separated by space, tab, CR and LF; single quotes keep everything;
// inside double quotes a backslash escapes only '"' and '\'; outside
// quotes a backslash escapes any character.
func ShellSplit(s string) ([]string, error) {
	const (
		stSpace = iota
		stWord
		stSingle
		stDouble
		stEscape
	)
	var (
		words   []string
		tok     []rune
		quoted  bool
		state   = stSpace
		escFrom int // the state an escape returns to
	)
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }
	for _, r := range s {
		switch state {
		case stSpace, stWord:
			switch {
			case isSpace(r):
				if state == stWord {
					words = append(words, string(tok))
					tok, quoted, state = nil, false, stSpace
				}
			case r == '\\':
				escFrom, state = stWord, stEscape
			case r == '\'':
				quoted, state = true, stSingle
			case r == '"':
				quoted, state = true, stDouble
			default:
				tok = append(tok, r)
				state = stWord
			}
		case stSingle:
			if r == '\'' {
				state = stWord
			} else {
				tok = append(tok, r)
			}
		case stDouble:
			switch r {
			case '"':
				state = stWord
			case '\\':
				escFrom, state = stDouble, stEscape
			default:
				tok = append(tok, r)
			}
		case stEscape:
			if escFrom == stDouble && r != '"' && r != '\\' {
				tok = append(tok, '\\')
			}
			tok = append(tok, r)
			state = escFrom
		}
	}
	switch state {
	case stSingle, stDouble, stEscape:
		return nil, ErrShlex
	case stWord:
		if len(tok) > 0 || quoted {
			words = append(words, string(tok))
		}
	}
	return words, nil
}
