package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/stslib/stslib-proc/internal/stsemu"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "stsemu: error: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stsemu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	config := fs.String("config", "", "YAML or JSON config file (default: the built-in BobSmith fixture)")
	latency := fs.Duration("latency", 0, "delay added to every STS action")
	offset := fs.Duration("clock-offset", 0, "shift of the server clock")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg := stsemu.DefaultConfig()
	if *config != "" {
		var err error
		if cfg, err = stsemu.LoadConfig(*config); err != nil {
			return err
		}
	}
	if *latency != 0 {
		cfg.Latency = *latency
	}
	if *offset != 0 {
		cfg.ClockOffset = *offset
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	s, err := stsemu.Listen(cfg, *listen)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	fmt.Fprintln(w, s.URL())
	if err := w.Flush(); err != nil {
		s.Close()
		return err
	}
	<-sigs
	return s.Close()
}
