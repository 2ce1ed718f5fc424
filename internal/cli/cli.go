// Package cli implements the neoconsole command line: `serve` runs the
// console; `admin create` and, without a token, `tokens create` work on the
// local store; every other command talks to a running console through its
// JSON API with a bearer token.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Version is set at build time with -ldflags "-X github.com/neogenesys/console/internal/cli.Version=…".
var Version = "dev"

// Env is the process environment and standard streams of one invocation.
type Env struct {
	Args    []string // without the program name
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string
}

// Getenv looks a variable up in e.Environ.
func (e Env) Getenv(key string) string {
	for i := len(e.Environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(e.Environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// command is one leaf of the command tree.
type command struct {
	usage string // arguments and flags, for help
	help  string
	run   func(e Env, args []string) error
}

// errUsage marks a mistake in how the command was called (exit status 2).
var errUsage = errors.New("usage")

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

func commands() map[string]command {
	return map[string]command{
		"serve":          {"[--config FILE] [--listen ADDR]", "Run the console (and, in managed mode, Headscale)", runServe},
		"version":        {"", "Print the version", runVersion},
		"admin create":   {"--username U [--role admin|operator|viewer] [--config FILE]", "Create a console account on the local store; password from stdin or generated and printed once", runAdminCreate},
		"tokens create":  {"--user U --name N [--expires 720h]", "Create an API token (printed once); local store without --token, else through the API", runTokensCreate},
		"tokens list":    {"[--all]", "List API tokens", runTokensList},
		"tokens revoke":  {"ID", "Revoke an API token", runTokensRevoke},
		"nodes list":     {"[--user U] [--tag T] [--online] [--offline] [-q TEXT]", "List tailnet nodes", runNodesList},
		"nodes get":      {"ID", "Show one node", runNodesGet},
		"nodes revoke":   {"ID", "Delete a node from the tailnet", runNodesRevoke},
		"nodes expire":   {"ID", "Expire a node's key (logs the machine out)", runNodesExpire},
		"nodes rename":   {"ID NAME", "Rename a node", runNodesRename},
		"nodes tags":     {"ID tag:a,tag:b", "Replace a node's tags (\"\" removes them)", runNodesTags},
		"nodes routes":   {"ID [--approve CIDR,…]", "Show a node's routes, or replace its approved routes", runNodesRoutes},
		"logins approve": {"AUTH_ID (--user U | --tags tag:a,…)", "Register a machine waiting after `tailscale up`", runLoginsApprove},
		"logins reject":  {"AUTH_ID", "Reject a waiting machine", runLoginsReject},
		"keys create":    {"(--user U | --tags tag:a,tag:b) [--reusable] [--ephemeral] [--expiration 24h]", "Mint a pre-auth key", runKeysCreate},
		"keys list":      {"", "List pre-auth keys (masked)", runKeysList},
		"keys expire":    {"ID", "Expire a pre-auth key", runKeysExpire},
		"keys delete":    {"ID", "Delete a pre-auth key", runKeysDelete},
		"users list":     {"", "List tailnet users", runUsersList},
		"users create":   {"NAME [--display-name D] [--email E]", "Create a tailnet user", runUsersCreate},
		"vms list":       {"[-q TEXT] [--provider P] [--cloud ID] [--region R] [--state S] [--tag k=v] [--enrollment E] [--sort S] [--limit N] [--cursor C] [--all]", "Query the VM inventory", runVMsList},
		"vms get":        {"KEY", "Show one VM", runVMsGet},
		"vms start":      {"KEY", "Start a VM", runVMsStart},
		"vms stop":       {"KEY", "Stop a VM", runVMsStop},
		"vms reboot":     {"KEY", "Reboot a VM", runVMsReboot},
		"clouds list":    {"", "List connected cloud accounts (secrets are never shown)", runCloudsList},
		"clouds add":     {"NAME --kind aws|gcp|azure|lxd|proxmox [--config FILE|-] [--set key=value]… [--check]", "Connect a cloud account", runCloudsAdd},
		"clouds check":   {"ID", "Test a cloud account's connection: identity and region count", runCloudsCheck},
		"clouds remove":  {"ID", "Disconnect a cloud account", runCloudsRemove},
		"audit list":     {"[--user U] [--action A] [--target T] [--since RFC3339] [--limit N]", "Show the audit trail, newest first", runAuditList},
	}
}

// Main runs one invocation and returns the exit status.
func Main(e Env) int {
	err := dispatch(e)
	if err == nil {
		return 0
	}
	fmt.Fprintln(e.Stderr, "neoconsole:", strings.TrimPrefix(err.Error(), "usage: "))
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

func dispatch(e Env) error {
	args := e.Args
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.Stdout, cmds)
		return nil
	}
	if c, ok := cmds[args[0]]; ok {
		return c.run(e, args[1:])
	}
	if len(args) >= 2 {
		if c, ok := cmds[args[0]+" "+args[1]]; ok {
			return c.run(e, args[2:])
		}
	}
	var subs []string
	for name := range cmds {
		if strings.HasPrefix(name, args[0]+" ") {
			subs = append(subs, strings.TrimPrefix(name, args[0]+" "))
		}
	}
	if len(subs) > 0 {
		sort.Strings(subs)
		return usageErr("%s needs a subcommand: %s", args[0], strings.Join(subs, ", "))
	}
	return usageErr("unknown command %q; run `neoconsole help`", args[0])
}

func printHelp(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "neoconsole — a console for Headscale and your cloud VMs")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n      %s\n", n, cmds[n].help, "neoconsole "+n+" "+cmds[n].usage)
	}
	fmt.Fprintln(w, `
Commands that talk to a running console take --server URL (or NEOCONSOLE_SERVER,
default http://127.0.0.1:8080), --token TOKEN (or NEOCONSOLE_TOKEN) and -o table|json.`)
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usageErr("%s", flagUsage(fs))
			}
			return nil, usageErr("%v\n%s", err, flagUsage(fs))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func flagUsage(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString("flags:")
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(&b, "\n  --%s  %s", f.Name, f.Usage)
	})
	return b.String()
}

func runVersion(e Env, args []string) error {
	if len(args) > 0 {
		return usageErr("version takes no arguments")
	}
	fmt.Fprintln(e.Stdout, "neoconsole", Version)
	return nil
}

// configPath is --config, else NEOCONSOLE_CONFIG, else none.
func configPath(e Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return e.Getenv("NEOCONSOLE_CONFIG")
}

// stdinIsTerminal reports whether r is an interactive terminal.
func stdinIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
