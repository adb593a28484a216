package main

import (
	"os"

	"github.com/stslib/stslib-proc/internal/fastpath"
)

func main() { os.Exit(fastpath.Main(os.Args[1:])) }
