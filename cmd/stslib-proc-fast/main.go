package main

import (
	"os"

	"github.com/stslib/stslib-proc/serve/warm"
)

func main() { os.Exit(warm.Main(os.Args[1:])) }
