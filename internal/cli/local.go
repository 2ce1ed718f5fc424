package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/store"
)

// withLocalStore opens the store named by the configuration, for commands
// that run on the console's own machine (bootstrap: the first admin, the
// first token).
func withLocalStore(e Env, cfgFile string, f func(ctx context.Context, st store.Store, tr *audit.Trail) error) error {
	cfg, err := config.Load(configPath(e, cfgFile), e.Environ)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	return f(ctx, st, audit.New(st, slog.New(slog.NewTextHandler(e.Stderr, nil))))
}

// cliActor is the audit actor of local commands.
var cliActor = audit.Actor{Username: "cli", SourceIP: "local"}

func runAdminCreate(e Env, args []string) error {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	username := fs.String("username", "", "account name (required)")
	role := fs.String("role", "admin", "admin, operator or viewer")
	cfgFile := fs.String("config", "", "configuration file; default none, or NEOCONSOLE_CONFIG")
	ifMissing := fs.Bool("if-no-admin", false, "do nothing when an admin account already exists (for scripts)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("admin create takes no arguments, got %q", pos)
	}
	if *username == "" {
		return usageErr("--username is required")
	}
	password, err := readPassword(e)
	if err != nil {
		return err
	}
	return withLocalStore(e, *cfgFile, func(ctx context.Context, st store.Store, tr *audit.Trail) error {
		if *ifMissing {
			n, err := st.CountUsers(ctx, store.RoleAdmin)
			if err != nil {
				return err
			}
			if n > 0 {
				fmt.Fprintln(e.Stdout, "an admin account already exists; nothing to do")
				return nil
			}
		}
		svc := auth.NewService(st, time.Hour)
		u, generated, err := svc.CreateUser(ctx, *username, password, store.Role(*role))
		tr.Record(ctx, cliActor, "account.create", "account:"+*username, err, map[string]any{"role": *role})
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("account %q already exists", *username)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "created %s account %q (id %d)\n", u.Role, u.Username, u.ID)
		if generated != "" {
			fmt.Fprintf(e.Stdout, "password (shown once): %s\n", generated)
		}
		return nil
	})
}

// readPassword takes a password from piped stdin; from a terminal, or with
// nothing piped, it returns "" and a password is generated.
func readPassword(e Env) (string, error) {
	if e.Stdin == nil || stdinIsTerminal(e.Stdin) {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(e.Stdin, 2048)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw != "" {
		if err := auth.ValidatePassword(pw); err != nil {
			return "", err
		}
	}
	return pw, nil
}

func runTokensCreate(e Env, args []string) error {
	fs := flag.NewFlagSet("tokens create", flag.ContinueOnError)
	user := fs.String("user", "", "console account the token acts as (required)")
	name := fs.String("name", "", "what the token is for (required)")
	expires := fs.Duration("expires", 0, "lifetime, e.g. 720h; 0 never expires")
	cfgFile := fs.String("config", "", "configuration file, for the local store")
	g := addGlobalFlags(fs, e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("tokens create takes no arguments, got %q", pos)
	}
	if *name == "" {
		return usageErr("--name is required")
	}
	if g.token() != "" {
		// Through the API: the caller's token decides what is allowed.
		body := map[string]any{"name": *name, "username": *user}
		if *expires > 0 {
			body["expiresIn"] = expires.String()
		}
		var resp struct {
			Token string         `json:"token"`
			Info  map[string]any `json:"info"`
		}
		if err := g.client(e).do("POST", "/api/v1/tokens", nil, body, &resp); err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, resp.Token)
		return nil
	}
	if *user == "" {
		return usageErr("--user is required")
	}
	return withLocalStore(e, *cfgFile, func(ctx context.Context, st store.Store, tr *audit.Trail) error {
		u, err := st.GetUserByName(ctx, *user)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no console account %q: create it with `neoconsole admin create --username %s`", *user, *user)
		}
		if err != nil {
			return err
		}
		plain, _, err := auth.NewService(st, time.Hour).CreateToken(ctx, u.ID, *name, *expires)
		tr.Record(ctx, cliActor, "token.create", "account:"+u.Username, err, map[string]any{"name": *name})
		if err != nil {
			return err
		}
		fmt.Fprintln(e.Stdout, plain)
		return nil
	})
}
