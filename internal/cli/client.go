package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// globalFlags are the flags of every command that talks to a console.
type globalFlags struct {
	server, tok, output *string
	env                 Env
}

func addGlobalFlags(fs *flag.FlagSet, e Env) *globalFlags {
	return &globalFlags{
		server: fs.String("server", "", "console URL (or NEOCONSOLE_SERVER; default http://127.0.0.1:8080)"),
		tok:    fs.String("token", "", "API token (or NEOCONSOLE_TOKEN)"),
		output: fs.String("o", "table", "output format: table or json"),
		env:    e,
	}
}

func (g *globalFlags) token() string {
	if *g.tok != "" {
		return *g.tok
	}
	return g.env.Getenv("NEOCONSOLE_TOKEN")
}

func (g *globalFlags) serverURL() string {
	s := *g.server
	if s == "" {
		s = g.env.Getenv("NEOCONSOLE_SERVER")
	}
	if s == "" {
		s = "http://127.0.0.1:8080"
	}
	return strings.TrimRight(s, "/")
}

func (g *globalFlags) json() (bool, error) {
	switch *g.output {
	case "json":
		return true, nil
	case "table", "":
		return false, nil
	}
	return false, usageErr("-o must be table or json, not %q", *g.output)
}

// apiClient calls the console's JSON API.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func (g *globalFlags) client(e Env) *apiClient {
	return &apiClient{base: g.serverURL(), token: g.token(), http: &http.Client{Timeout: 60 * time.Second}}
}

// problem is the console's error document.
type problem struct {
	Status       int    `json:"status"`
	Code         string `json:"code"`
	Detail       string `json:"detail"`
	RecoveryHint string `json:"recoveryHint"`
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *apiClient) do(method, path string, query url.Values, body, out any) error {
	if c.token == "" {
		return usageErr("no API token: pass --token or set NEOCONSOLE_TOKEN (create one with `neoconsole tokens create --user U --name cli` on the console's machine)")
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return fmt.Errorf("bad server URL %q: %w", c.base, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("cannot reach the console at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 400 {
		var p problem
		if json.Unmarshal(data, &p) == nil && p.Code != "" {
			msg := fmt.Sprintf("%s (%d %s)", p.Detail, resp.StatusCode, p.Code)
			if p.RecoveryHint != "" {
				msg += "\nhint: " + p.RecoveryHint
			}
			return errors.New(msg)
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, strings.TrimSpace(string(data[:min(len(data), 300)])))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("unexpected answer from %s: %w", c.base, err)
	}
	return nil
}
