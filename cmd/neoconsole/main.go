// Command neoconsole is the Neogenesys Console: a web console, JSON API and
// CLI for a Headscale tailnet and the cloud VMs around it.
package main

import (
	"os"

	"github.com/neogenesys/console/internal/cli"
)

func main() {
	os.Exit(cli.Main(cli.Env{
		Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Environ: os.Environ(),
	}))
}
