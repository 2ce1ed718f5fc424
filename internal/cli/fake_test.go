package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of every test: canned answers are dated around it.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	timeNow = func() time.Time { return testNow }
	os.Exit(m.Run())
}

// wantReq is the request a command must send.
type wantReq struct {
	method, path string
	query        string // URL-encoded; "" for none
	body         string // JSON, compared by value; "" for no body
}

// apiCase is one command run against the fake console.
type apiCase struct {
	name   string
	args   []string
	req    *wantReq // nil: the command must not call the console
	status int      // of the canned answer; 0 is 200
	answer string   // canned answer: JSON, or a problem document when status >= 400
	code   int      // exit status
	out    string   // exact stdout, when not ""
	outHas []string // substrings of stdout
	errHas []string // substrings of stderr
}

// seen is what the fake console received.
type seen struct {
	method, path, auth, accept, contentType string
	query                                   url.Values
	body                                    []byte
}

// fakeConsole answers every request with status and answer and records it.
func fakeConsole(t *testing.T, status int, answer string) (*httptest.Server, *[]seen) {
	t.Helper()
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Accept"),
			r.Header.Get("Content-Type"), r.URL.Query(), body})
		ct := "application/json"
		if status >= 400 {
			ct = "application/problem+json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

// run calls Main with the fake console's address and a token in the environment.
func run(srvURL string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(Env{Args: args, Stdout: &out, Stderr: &errb,
		Environ: []string{"NEOCONSOLE_SERVER=" + srvURL, "NEOCONSOLE_TOKEN=nct_test"}})
	return code, out.String(), errb.String()
}

func runAPICases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status := c.status
			if status == 0 {
				status = http.StatusOK
			}
			srv, got := fakeConsole(t, status, c.answer)
			code, stdout, stderr := run(srv.URL, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout, stderr)
			}
			checkRequest(t, c.req, *got)
			if c.out != "" && stdout != c.out {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, c.out)
			}
			for _, s := range c.outHas {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range c.errHas {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			if code != 0 && stdout != "" {
				t.Errorf("failed command wrote to stdout: %s", stdout)
			}
			if code == 0 && stderr != "" && c.errHas == nil {
				t.Errorf("unexpected stderr: %s", stderr)
			}
			if code == 0 && slices.Contains(c.args, "json") {
				checkJSONOut(t, stdout, c.answer)
			}
		})
	}
}

func checkRequest(t *testing.T, want *wantReq, got []seen) {
	t.Helper()
	if want == nil {
		if len(got) > 0 {
			t.Fatalf("command called the console: %s %s", got[0].method, got[0].path)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("command made %d requests, want 1", len(got))
	}
	r := got[0]
	if r.method != want.method || r.path != want.path {
		t.Errorf("request %s %s, want %s %s", r.method, r.path, want.method, want.path)
	}
	if r.auth != "Bearer nct_test" {
		t.Errorf("Authorization %q, want the bearer token", r.auth)
	}
	if r.accept != "application/json" {
		t.Errorf("Accept %q", r.accept)
	}
	wq, _ := url.ParseQuery(want.query)
	if len(wq) == 0 {
		wq = nil
	}
	if len(r.query) == 0 {
		r.query = nil
	}
	if !reflect.DeepEqual(r.query, wq) {
		t.Errorf("query %v, want %v", r.query, wq)
	}
	if want.body == "" {
		if len(r.body) > 0 {
			t.Errorf("unexpected body %s", r.body)
		}
		return
	}
	if r.contentType != "application/json" {
		t.Errorf("Content-Type %q", r.contentType)
	}
	var gb, wb any
	if err := json.Unmarshal(r.body, &gb); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if err := json.Unmarshal([]byte(want.body), &wb); err != nil {
		t.Fatalf("bad wanted body %s: %v", want.body, err)
	}
	if !reflect.DeepEqual(gb, wb) {
		t.Errorf("body %s, want %s", r.body, want.body)
	}
}

// checkJSONOut checks that -o json printed the API's answer, indented.
func checkJSONOut(t *testing.T, stdout, answer string) {
	t.Helper()
	if !json.Valid([]byte(stdout)) {
		t.Fatalf("-o json printed invalid JSON:\n%s", stdout)
	}
	var got, want any
	_ = json.Unmarshal([]byte(stdout), &got)
	_ = json.Unmarshal([]byte(answer), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("-o json printed\n%s\nwant the answer\n%s", stdout, answer)
	}
	if !strings.Contains(stdout, "\n  ") {
		t.Errorf("-o json output is not indented:\n%s", stdout)
	}
}

// Canned answers, shaped as the console's handlers write them.
const (
	nodeWeb = `{"id":5,"name":"web-1","hostname":"web-1","user":"alice","userId":1,
		"ipAddresses":["100.64.0.5","fd7a:115c:a1e0::5"],"online":true,"lastSeen":"2026-03-01T11:59:58Z",
		"expiry":"2026-03-31T12:00:00Z","createdAt":"2026-01-10T08:00:00Z","tags":[],
		"approvedRoutes":["10.0.0.0/24"],"availableRoutes":["0.0.0.0/0","10.0.0.0/24","::/0"],"subnetRoutes":["10.0.0.0/24"],
		"registerMethod":"authkey","machineKey":"mkey:01","nodeKey":"nodekey:01",
		"expired":false,"exitNode":false,"os":"unknown"}`
	nodeDB = `{"id":12,"name":"db","hostname":"db-host","user":"tagged-devices","userId":0,
		"ipAddresses":["100.64.0.12"],"online":false,"lastSeen":"2026-03-01T09:00:00Z",
		"expiry":"0001-01-01T00:00:00Z","createdAt":"2026-02-01T08:00:00Z","tags":["tag:db","tag:prod"],
		"approvedRoutes":[],"availableRoutes":[],"subnetRoutes":[],"preAuthKeyId":3,
		"registerMethod":"authkey","machineKey":"mkey:02","nodeKey":"nodekey:02",
		"expired":false,"exitNode":false,"os":"unknown"}`
	nodesAnswer    = `{"nodes":[` + nodeWeb + `,` + nodeDB + `],"total":2,"fetchedAt":"2026-03-01T11:59:59Z"}`
	nodeAnswerJSON = `{"node":` + nodeWeb + `}`
	successAnswer  = `{"success":true}`
)

// problemJSON is a problem document as the console writes it.
func problemJSON(status int, code, detail, hint string) string {
	p := map[string]any{"type": "urn:neoconsole:problem:" + code, "title": http.StatusText(status),
		"status": status, "code": code, "detail": detail}
	if hint != "" {
		p["recoveryHint"] = hint
	}
	b, _ := json.Marshal(p)
	return string(b)
}
