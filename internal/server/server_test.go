package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/headscale/headscalefake"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/events"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/internal/tailnet"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testPassword is every test account's password; its argon2id hash is
// computed once per test binary (hashing costs ~50 ms).
const testPassword = "correct horse battery"

var (
	hashOnce sync.Once
	hashed   string
)

func testPasswordHash(t *testing.T) string {
	t.Helper()
	hashOnce.Do(func() {
		var err error
		if hashed, err = auth.HashPassword(testPassword); err != nil {
			panic(err)
		}
	})
	return hashed
}

const loginServer = "https://hs.example.com"

// env is a whole Server over a fake Headscale and a real SQLite store,
// served over HTTP.
type env struct {
	t      *testing.T
	srv    *Server
	fake   *headscalefake.Fake
	store  *store.DB
	dbPath string
	hub    *events.Hub
	view   *tailnet.View
	http   *httptest.Server
	client *http.Client
	log    *syncBuffer
}

// Seeded tailnet: users alice and bob; nodes 1 (web-01, alice, online,
// tag:web), 2 (db-01, bob, offline, tag:db, expired) and 3 (laptop, alice,
// offline, no expiry). No "default" user.
const seedWeb, seedDB, seedLaptop = 101, 102, 103

// newEnv builds the server. opts adjust the configuration (defaults: generous
// rate limits).
func newEnv(t *testing.T, opts ...func(*config.Config)) *env {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Auth.LoginRate = 1000
	cfg.Auth.KeyMintRate = 1000
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config is invalid: %v", err)
	}
	dbPath := filepath.Join(t.TempDir(), "console.db")
	st, err := store.OpenSQLite(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	fake := headscalefake.New()
	for _, name := range []string{"alice", "bob"} {
		if _, err := fake.CreateUser(ctx, name, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	fake.AddNode(headscale.Node{ID: seedWeb, Name: "web-01", User: "alice", Online: true, LastSeen: now,
		Expiry: now.Add(90 * 24 * time.Hour), Tags: []string{"tag:web"}, IPAddresses: []string{"100.64.0.1", "fd7a:115c:a1e0::1"},
		ApprovedRoutes: []string{"10.0.0.0/24"}, AvailableRoutes: []string{"10.0.0.0/24", "0.0.0.0/0", "::/0"}})
	fake.AddNode(headscale.Node{ID: seedDB, Name: "db-01", User: "bob", LastSeen: now.Add(-time.Hour),
		Expiry: now.Add(-time.Hour), Tags: []string{"tag:db"}, IPAddresses: []string{"100.64.0.2"}})
	fake.AddNode(headscale.Node{ID: seedLaptop, Name: "laptop", User: "alice", IPAddresses: []string{"100.64.0.3"}})

	logBuf := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hub := events.NewHub()
	view := tailnet.NewView(fake, hub, log, time.Second)
	if err := view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	box := testBox(t)
	cloudSvc := &clouds.Service{Store: st, Sealer: box}
	srv, err := New(Deps{
		Config: cfg, Log: log, Store: st, Headscale: fake, Nodes: view,
		Auth: auth.NewService(st, cfg.Auth.SessionTTL), Audit: audit.New(st, log), Events: hub,
		HeadscaleInfo: func() HeadscaleInfo {
			return HeadscaleInfo{Mode: "external", Address: "fake:50443", LoginServer: loginServer}
		},
		Version: "test",
		Clouds:  cloudSvc,
		Secrets: box,
		Inventory: inventory.New(cloudSvc, st, hub, func() ([]headscale.Node, error) {
			s, err := view.Snapshot()
			return s.Nodes, err
		}, log, nil, inventory.Options{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, srv: srv, fake: fake, store: st, dbPath: dbPath, hub: hub, view: view, http: hs, client: hs.Client(), log: logBuf}
}

// account creates a console account with testPassword.
func (e *env) account(name string, role store.Role) store.User {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), store.User{Username: name, PasswordHash: testPasswordHash(e.t), Role: role})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token mints an API token for u through auth.Service.
func (e *env) token(u store.User) string {
	e.t.Helper()
	plain, _, err := e.srv.Auth.CreateToken(context.Background(), u.ID, fmt.Sprintf("test-%d", tokenSeq.Add(1)), 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return plain
}

// caller is an account with a token.
var tokenSeq atomic.Int64

type caller struct {
	store.User
	tok string
}

// callers creates one account and token per role: viewer, operator, admin.
func (e *env) callers() (viewer, operator, admin caller) {
	e.t.Helper()
	mk := func(name string, role store.Role) caller {
		u := e.account(name, role)
		return caller{u, e.token(u)}
	}
	return mk("vera", store.RoleViewer), mk("otto", store.RoleOperator), mk("ada", store.RoleAdmin)
}

// session signs u in through auth.Service (one argon2 check) and returns
// the session cookie.
func (e *env) session(u store.User) *http.Cookie {
	e.t.Helper()
	secret, _, _, err := e.srv.Auth.Login(context.Background(), u.Username, testPassword, "127.0.0.1", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: secret}
}

type reqOpt func(*http.Request)

func bearer(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func cookie(c *http.Cookie) reqOpt { return func(r *http.Request) { r.AddCookie(c) } }

func hdr(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

type response struct {
	status int
	header http.Header
	body   []byte
	resp   *http.Response
}

// do sends a request. body is nil (none), a string or []byte (sent as is)
// or a value sent as JSON; a body gets Content-Type application/json unless
// an option sets another. Event streams are not read.
func (e *env) do(method, path string, body any, opts ...reqOpt) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The served console refreshes its view every second in the background;
	// the tests do it here, so a slow run does not read a stale view.
	if snap, err := e.view.Snapshot(); err != nil || time.Since(snap.FetchedAt) > time.Second {
		_ = e.view.Refresh(ctx)
	}
	resp, err := e.client.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	r := &response{status: resp.StatusCode, header: resp.Header, resp: resp}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		if r.body, err = io.ReadAll(resp.Body); err != nil {
			e.t.Fatalf("%s %s: reading body: %v", method, path, err)
		}
	}
	return r
}

func (r *response) String() string { return fmt.Sprintf("%d %s", r.status, bytes.TrimSpace(r.body)) }

// json decodes the body into v.
func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json (response %s)", ct, r)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r, err)
	}
}

// obj decodes the body as a JSON object.
func (r *response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// expect fails unless the status is want.
func (r *response) expect(t *testing.T, want int) *response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, bytes.TrimSpace(r.body))
	}
	return r
}

// problem checks that the response is a well-formed problem document with
// status and code, and returns it.
func (r *response) problem(t *testing.T, status int, code string) Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d (%s); body %s", r.status, status, code, bytes.TrimSpace(r.body))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.body)
	}
	var raw map[string]any
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatalf("problem body %q: %v", r.body, err)
	}
	for _, k := range []string{"type", "title", "status", "code"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("problem %s lacks %q", r.body, k)
		}
	}
	var p Problem
	_ = json.Unmarshal(r.body, &p)
	if p.Code != code || p.Status != status || p.Type != "urn:neoconsole:problem:"+code || p.Title != http.StatusText(status) {
		t.Errorf("problem = %+v, want status %d, code %q, type urn:neoconsole:problem:%s, title %q",
			p, status, code, code, http.StatusText(status))
	}
	return p
}

// auditEntries lists the audit trail, newest first.
func (e *env) auditEntries(f store.AuditFilter) []store.AuditEntry {
	e.t.Helper()
	f.Limit = 1000
	entries, err := e.store.ListAudit(context.Background(), f)
	if err != nil {
		e.t.Fatal(err)
	}
	return entries
}

// rawTable returns every row of a table of the SQLite file as text, read
// with a connection of its own.
func (e *env) rawTable(table string) string {
	e.t.Helper()
	db, err := sql.Open("sqlite", "file:"+e.dbPath+"?mode=ro")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var sb strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			e.t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(&sb, "%s\t", v)
		}
		sb.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return sb.String()
}

// metric returns the value of the sample of name whose labels contain
// every one of labels (`k="v"` strings), or 0 when there is none.
func (e *env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	r := e.do("GET", "/metrics", nil).expect(e.t, http.StatusOK)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{.*\})? (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(string(r.body), -1) {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[1], l)
		}
		if ok {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				e.t.Fatalf("metric %s: %v", m[0], err)
			}
			return v
		}
	}
	return 0
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
