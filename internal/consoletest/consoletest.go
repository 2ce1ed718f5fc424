// Package consoletest runs the real neoconsole binary for whole-system tests
// and benchmarks: built once per test process from this module, started with
// its own data directory and free loopback ports, with a first admin and an
// admin API token ready.
package consoletest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/headscale/headscaletest"
)

// Console is a running neoconsole serve.
type Console struct {
	URL         string // http://127.0.0.1:PORT
	LoginServer string // what machines pass to --login-server (managed mode)
	AdminToken  string
	DataDir     string
	Bin         string
	env         []string
	cmd         *exec.Cmd
	exited      chan struct{}
	logPath     string
	HTTP        *http.Client
}

type options struct {
	env     []string
	managed bool
	dataDir string
	noWait  bool
	noAdmin bool
}

// NoAdmin starts a console with no account at all (first-run setup).
func NoAdmin() Option {
	return func(o *options) { o.noAdmin = true }
}

// Option changes how Start runs the console.
type Option func(*options)

// WithEnv adds NEOCONSOLE_* variables (e.g. an external Headscale or PostgreSQL).
func WithEnv(kv ...string) Option {
	return func(o *options) { o.env = append(o.env, kv...) }
}

// External runs the console against an existing Headscale instead of a managed one.
func External(address, apiKey, loginServer string) Option {
	return func(o *options) {
		o.managed = false
		o.env = append(o.env, "NEOCONSOLE_HEADSCALE_MODE=external",
			"NEOCONSOLE_HEADSCALE_EXTERNAL_ADDRESS="+address,
			"NEOCONSOLE_HEADSCALE_EXTERNAL_API_KEY="+apiKey,
			"NEOCONSOLE_HEADSCALE_EXTERNAL_SERVER_URL="+loginServer,
			"NEOCONSOLE_HEADSCALE_EXTERNAL_TLS_INSECURE=true")
	}
}

// NoWait returns once the console serves HTTP, without waiting for /readyz
// (for consoles that are meant not to be ready).
func NoWait() Option {
	return func(o *options) { o.noWait = true }
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Binary builds ./cmd/neoconsole once per test process and returns its path.
func Binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		root := headscaletest.ModuleRoot(tb)
		buildPath = filepath.Join(root, "bin", "neoconsole-test")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/neoconsole")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/neoconsole: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildPath
}

// Start runs a console for the test and stops it at cleanup.
func Start(tb testing.TB, opts ...Option) *Console {
	tb.Helper()
	o := options{managed: true}
	for _, opt := range opts {
		opt(&o)
	}
	dir := headscaletest.ShortTempDir(tb)
	if o.dataDir != "" {
		dir = o.dataDir
	}
	listen := headscaletest.FreeAddr(tb)
	c := &Console{URL: "http://" + listen, DataDir: dir, Bin: Binary(tb), HTTP: &http.Client{Timeout: 30 * time.Second},
		logPath: filepath.Join(dir, "console.log")}
	c.env = append(consoleEnviron(), "NEOCONSOLE_DATA_DIR="+dir, "NEOCONSOLE_HTTP_LISTEN="+listen, "NEOCONSOLE_LOG_LEVEL=debug")
	if o.managed {
		hsListen := headscaletest.FreeAddr(tb)
		c.LoginServer = "http://" + hsListen
		c.env = append(c.env,
			"NEOCONSOLE_HEADSCALE_MANAGED_BINARY="+headscaletest.HeadscaleBinary(tb),
			"NEOCONSOLE_HEADSCALE_MANAGED_LISTEN_ADDR="+hsListen,
			"NEOCONSOLE_HEADSCALE_MANAGED_SERVER_URL="+c.LoginServer,
			"NEOCONSOLE_HEADSCALE_MANAGED_METRICS_ADDR="+headscaletest.FreeAddr(tb),
			"NEOCONSOLE_HEADSCALE_MANAGED_STUN_ADDR="+headscaletest.FreeUDPAddr(tb),
			"NEOCONSOLE_HEADSCALE_MANAGED_BASE_DOMAIN=tailnet.test",
			"NEOCONSOLE_HEADSCALE_MANAGED_LOG_LEVEL=warn")
	}
	c.env = append(c.env, o.env...)

	if !o.noAdmin {
		if out, err := c.Run("admin", "create", "--username", "admin"); err != nil {
			tb.Fatalf("admin create: %v\n%s", err, out)
		}
		tok, err := c.Run("tokens", "create", "--user", "admin", "--name", "test-admin")
		if err != nil {
			tb.Fatalf("tokens create: %v\n%s", err, tok)
		}
		c.AdminToken = strings.TrimSpace(tok)
	}
	c.start(tb)
	tb.Cleanup(c.Stop)
	if o.noWait {
		c.waitServing(tb, 60*time.Second)
	} else {
		c.WaitReady(tb, 90*time.Second)
	}
	return c
}

func (c *Console) start(tb testing.TB) {
	tb.Helper()
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	c.exited = make(chan struct{})
	c.cmd = exec.Command(c.Bin, "serve")
	c.cmd.Env = c.env
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	if err := c.cmd.Start(); err != nil {
		tb.Fatalf("start neoconsole: %v", err)
	}
	exited := c.exited
	go func() { _ = c.cmd.Wait(); logf.Close(); close(exited) }()
}

// Restart stops the console and starts it again on the same data directory.
func (c *Console) Restart(tb testing.TB) {
	tb.Helper()
	c.Stop()
	c.start(tb)
	c.WaitReady(tb, 90*time.Second)
}

// consoleEnviron is this process's environment without the NEOCONSOLE_*
// variables the console does not know (the harnesses' own, such as
// NEOCONSOLE_HEADSCALE_BIN): the console refuses unknown ones as typos.
func consoleEnviron() []string {
	known := map[string]bool{}
	for _, v := range config.EnvVars() {
		known[v] = true
	}
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "NEOCONSOLE_") && !known[name] && !config.IsReservedEnv(name) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Run runs a neoconsole subcommand with the console's environment.
func (c *Console) Run(args ...string) (string, error) {
	return c.RunIn(nil, args...)
}

// RunIn runs a subcommand with stdin.
func (c *Console) RunIn(stdin io.Reader, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Bin, args...)
	cmd.Env = append(c.env, "NEOCONSOLE_SERVER="+c.URL)
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// WaitReady waits until /readyz answers 200.
func (c *Console) WaitReady(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			tb.Fatalf("neoconsole exited; log:\n%s", c.Log())
		default:
		}
		if resp, err := c.HTTP.Get(c.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("neoconsole not ready after %s; log:\n%s", timeout, c.Log())
}

// waitServing waits until /healthz answers.
func (c *Console) waitServing(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := c.HTTP.Get(c.URL + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("neoconsole not serving after %s; log:\n%s", timeout, c.Log())
}

// Log is the console's output so far (its end).
func (c *Console) Log() string {
	b, _ := os.ReadFile(c.logPath)
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// Stop sends SIGTERM and waits for a clean exit.
func (c *Console) Stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// Response is an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v or fails the test.
func (r Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends a request with a bearer token (none when token is "") and a JSON
// body (none when body is nil; a string is sent as is).
func (c *Console) Do(tb testing.TB, method, path, token string, body any, hdr ...string) Response {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Account creates a console account with role and returns an API token for it.
func (c *Console) Account(tb testing.TB, username, role string) string {
	tb.Helper()
	r := c.Do(tb, "POST", "/api/v1/accounts", c.AdminToken, map[string]any{"username": username, "role": role})
	if r.Status != http.StatusCreated {
		tb.Fatalf("create account %s: %d %s", username, r.Status, r.Body)
	}
	r = c.Do(tb, "POST", "/api/v1/tokens", c.AdminToken, map[string]any{"username": username, "name": "test"})
	if r.Status != http.StatusCreated {
		tb.Fatalf("create token for %s: %d %s", username, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.JSON(tb, &out)
	return out.Token
}
