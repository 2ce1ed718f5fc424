// Command cloudsim serves the AWS, GCP, Azure and Proxmox VE simulators on
// loopback with generated fleets, prints where they are, and can connect
// them to a running console as cloud accounts.
//
//	cloudsim --vms 500 --latency 20ms
//	cloudsim --register http://127.0.0.1:8080 --token nct_… (or NEOCONSOLE_TOKEN)
//	cloudsim --accounts accounts.json
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/neogenesys/console/providers/sim/simrun"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cloudsim:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cloudsim", flag.ContinueOnError)
	var o simrun.Options
	fs.StringVar(&o.Host, "listen", "127.0.0.1", "loopback address to listen on (a free port per simulator)")
	fs.IntVar(&o.VMs, "vms", 100, "VMs per simulated account")
	fs.DurationVar(&o.Latency, "latency", 0, "latency added to every request")
	fs.DurationVar(&o.Transition, "transition", 2*time.Second, "how long start and stop take")
	fs.IntVar(&o.PageSize, "page-size", 0, "list page size (0: each API's default)")
	fs.Uint64Var(&o.Seed, "seed", 1, "fleet seed (same seed, same fleet)")
	only := fs.String("only", "", "comma-separated kinds to run: "+strings.Join(simrun.Kinds(), ","))
	accounts := fs.String("accounts", "", "write the accounts (name, kind, config) as JSON to this file")
	register := fs.String("register", "", "console URL: connect each simulator as a cloud account (token from --token or NEOCONSOLE_TOKEN)")
	token := fs.String("token", os.Getenv("NEOCONSOLE_TOKEN"), "console API token (admin) for --register")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	running, err := simrun.Start(o, log)
	if err != nil {
		return err
	}
	defer simrun.Stop(running)

	type account struct {
		Name   string         `json:"name"`
		Kind   string         `json:"kind"`
		Config map[string]any `json:"config"`
	}
	var all []account
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tURL\tVMS")
	for _, r := range running {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", r.Kind, r.URL, r.Fleet.Len())
		all = append(all, account{Name: "sim-" + r.Kind, Kind: r.Kind, Config: r.Account})
	}
	tw.Flush()
	if *accounts != "" {
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(*accounts, b, 0o600); err != nil {
			return err
		}
		fmt.Printf("accounts written to %s\n", *accounts)
	}
	if *register != "" {
		for _, a := range all {
			if err := registerAccount(*register, *token, a); err != nil {
				return fmt.Errorf("register %s: %w", a.Name, err)
			}
			fmt.Printf("connected %s to %s\n", a.Name, *register)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Println("serving; Ctrl-C stops")
	<-ctx.Done()
	return nil
}

// registerAccount creates the account through the console's API; an account
// of that name left by an earlier run is replaced.
func registerAccount(console, token string, a any) error {
	body, _ := json.Marshal(a)
	do := func(method, path string, body []byte) (int, []byte, error) {
		req, err := http.NewRequest(method, strings.TrimSuffix(console, "/")+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return resp.StatusCode, b, nil
	}
	status, out, err := do("POST", "/api/v1/clouds", body)
	if err != nil {
		return err
	}
	if status == http.StatusConflict {
		var list struct {
			Clouds []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"clouds"`
		}
		_, lb, err := do("GET", "/api/v1/clouds", nil)
		if err != nil {
			return err
		}
		_ = json.Unmarshal(lb, &list)
		var name struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(body, &name)
		for _, c := range list.Clouds {
			if c.Name == name.Name {
				if _, _, err := do("DELETE", fmt.Sprintf("/api/v1/clouds/%d", c.ID), nil); err != nil {
					return err
				}
			}
		}
		status, out, err = do("POST", "/api/v1/clouds", body)
		if err != nil {
			return err
		}
	}
	if status != http.StatusCreated {
		return fmt.Errorf("console answered %d: %s", status, bytes.TrimSpace(out))
	}
	return nil
}
