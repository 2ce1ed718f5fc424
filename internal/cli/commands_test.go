package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestGeneral(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "help", args: []string{"help"}, code: 0, outHas: []string{"Commands:", "nodes list", "keys create", "--token TOKEN"}},
		{name: "no arguments", args: nil, code: 0, outHas: []string{"Commands:"}},
		{name: "version", args: []string{"version"}, out: "neoconsole " + Version + "\n"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errHas: []string{`unknown command "frobnicate"; run ` + "`neoconsole help`"}},
		{name: "unknown subcommand", args: []string{"nodes", "frob"}, code: 2, errHas: []string{"nodes needs a subcommand"}},
		{name: "group without subcommand", args: []string{"nodes"}, code: 2,
			errHas: []string{"neoconsole: nodes needs a subcommand: expire, get, list, rename, revoke, routes, tags\n"}},
		{name: "unknown flag", args: []string{"nodes", "list", "--color"}, code: 2,
			errHas: []string{"flag provided but not defined: -color", "--online"}},
		{name: "flag help", args: []string{"keys", "list", "-h"}, code: 2, errHas: []string{"flags:", "--server"}},
		{name: "yaml output", args: []string{"nodes", "list", "-o", "yaml"}, code: 2, errHas: []string{`-o must be table or json, not "yaml"`}},
		{name: "yaml output on action", args: []string{"keys", "delete", "3", "-o", "yaml"}, code: 2, errHas: []string{"-o must be table or json"}},
		{name: "unauthenticated", args: []string{"users", "list"}, status: 401,
			req: &wantReq{method: "GET", path: "/api/v1/users"},
			answer: problemJSON(401, "unauthenticated", "sign in, or send an API token as 'Authorization: Bearer nct_…'",
				"Your session may have expired: sign in again."),
			code: 1, errHas: []string{"neoconsole: sign in, or send an API token", "(401 unauthenticated)\nhint: Your session may have expired"}},
		{name: "not a problem document", args: []string{"users", "list"}, status: 502,
			req: &wantReq{method: "GET", path: "/api/v1/users"}, answer: "<html>Bad Gateway</html>", code: 1,
			errHas: []string{"GET /api/v1/users: HTTP 502: <html>Bad Gateway</html>"}},
		{name: "not JSON", args: []string{"users", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/users"}, answer: "<html>console</html>", code: 1,
			errHas: []string{"unexpected answer from"}},
	})
}

func TestMissingToken(t *testing.T) {
	srv, got := fakeConsole(t, 200, `{"nodes":[]}`)
	var out, errb bytes.Buffer
	code := Main(Env{Args: []string{"nodes", "list"}, Stdout: &out, Stderr: &errb, Environ: []string{"NEOCONSOLE_SERVER=" + srv.URL}})
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "no API token: pass --token or set NEOCONSOLE_TOKEN") ||
		!strings.Contains(errb.String(), "neoconsole tokens create") {
		t.Errorf("stderr lacks the hint: %s", errb.String())
	}
	if len(*got) != 0 {
		t.Errorf("a request was sent without a token")
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{"users":[]}`))
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	code := Main(Env{Args: []string{"users", "list", "--server", srv.URL + "/", "--token", "nct_flag"}, Stdout: &out, Stderr: &errb,
		Environ: []string{"NEOCONSOLE_SERVER=http://127.0.0.1:1", "NEOCONSOLE_TOKEN=nct_env"}})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if auth != "Bearer nct_flag" {
		t.Errorf("Authorization %q, want the --token one", auth)
	}
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	code, stdout, stderr := run(url, "nodes", "list")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	if !strings.Contains(stderr, "neoconsole: cannot reach the console at "+url+": ") || stdout != "" {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
}

// TestUsageFlagsExist checks that every --flag a command's usage names is one
// it accepts.
func TestUsageFlagsExist(t *testing.T) {
	srv, _ := fakeConsole(t, 400, problemJSON(400, "invalid_request", "bad request: test", ""))
	flagRE := regexp.MustCompile(`--([a-z-]+)`)
	for name, c := range commands() {
		if name == "serve" || name == "admin create" || name == "tokens create" {
			continue // local commands, tested with the store
		}
		for _, m := range flagRE.FindAllStringSubmatch(c.usage, -1) {
			_, _, stderr := run(srv.URL, append(strings.Fields(name), "--"+m[1]+"=x")...)
			if strings.Contains(stderr, "flag provided but not defined") {
				t.Errorf("%s: usage names --%s but the command does not take it", name, m[1])
			}
		}
	}
}
