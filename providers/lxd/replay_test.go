package lxd

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/lxd/lxdtest"
)

// replay is an HTTPS server answering as LXD 5.0.2 does, from recorded
// instance records: GET /1.0, /1.0/projects and
// /1.0/instances?recursion=2 (all projects, or one). It serves the unit
// tests of List and the benchmark; power transitions are tested against
// the real daemon.
type replay struct {
	url        string
	serverCert string
	server     []byte            // GET /1.0
	projects   []byte            // GET /1.0/projects
	all        []byte            // every project
	byProject  map[string][]byte // one project
	latency    atomic.Int64      // per request, ns
	throttle   atomic.Int32      // the next n requests answer 503
	plain429   atomic.Bool       // throttle answers are a proxy's text 429
	forbid     atomic.Bool       // instances answer 403 (certificate not trusted)
	cut        atomic.Bool       // instances answers end in the middle of the array
	ui         bool              // GET /ui/ answers 200 (LXD 5.21+ with its UI on)
	members    []byte            // GET /1.0/cluster/members, when clustered
	requests   atomic.Int64
}

// newReplay serves records; without allProjects the server lacks the
// instance_all_projects extension; edit may change the server before it
// starts. Keep-alives are off unless tb is a
// benchmark: the conformance leak check would take idle connections for
// leaks.
func newReplay(tb testing.TB, records []json.RawMessage, allProjects bool, edit ...func(*replay)) *replay {
	tb.Helper()
	r := &replay{byProject: map[string][]byte{}}
	r.server = envelope(tb, serverRecord(tb, allProjects))
	for _, e := range edit {
		e(r)
	}
	grouped := map[string][]json.RawMessage{}
	var names []string
	for _, rec := range records {
		var w struct {
			Project string `json:"project"`
		}
		_ = json.Unmarshal(rec, &w)
		if w.Project == "" {
			w.Project = "default"
		}
		if _, ok := grouped[w.Project]; !ok {
			names = append(names, w.Project)
		}
		grouped[w.Project] = append(grouped[w.Project], rec)
	}
	if !slices.Contains(names, "default") {
		names = append(names, "default")
	}
	slices.Sort(names)
	urls := make([]string, len(names))
	for i, n := range names {
		urls[i] = "/1.0/projects/" + n
		r.byProject[n] = envelope(tb, jsonArray(grouped[n]))
	}
	r.projects = envelope(tb, mustJSON(tb, urls))
	r.all = envelope(tb, jsonArray(records))

	hs := httptest.NewUnstartedServer(r)
	hs.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	if _, bench := tb.(*testing.B); !bench {
		hs.Config.SetKeepAlivesEnabled(false)
	}
	hs.StartTLS()
	tb.Cleanup(hs.Close)
	r.url = hs.URL
	r.serverCert = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}))
	return r
}

// config points the adapter at the replay server with a fresh client
// certificate (the server asks for one and trusts any).
func (r *replay) config(tb testing.TB) *Config {
	cert, key := lxdtest.NewClientCert(tb, "replay-client")
	return &Config{Endpoint: r.url, ClientCert: cert, ClientKey: key, ServerCert: r.serverCert}
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	if d := time.Duration(r.latency.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-req.Context().Done():
			t.Stop()
			return
		}
	}
	if r.throttle.Add(-1) >= 0 {
		if r.plain429.Load() {
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		lxdError(w, http.StatusServiceUnavailable, "Service unavailable")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case req.Method != http.MethodGet:
		lxdError(w, http.StatusMethodNotAllowed, "method not allowed")
	case req.URL.Path == "/1.0":
		_, _ = w.Write(r.server)
	case req.URL.Path == "/1.0/projects":
		_, _ = w.Write(r.projects)
	case req.URL.Path == "/1.0/cluster/members" && r.members != nil:
		_, _ = w.Write(r.members)
	case req.URL.Path == "/ui/" && r.ui:
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>LXD UI</title>"))
	case req.URL.Path == "/1.0/instances" && r.forbid.Load():
		lxdError(w, http.StatusForbidden, "not authorized")
	case req.URL.Path == "/1.0/instances" && r.cut.Load():
		_, _ = w.Write(r.all[:len(r.all)*2/3])
	case req.URL.Path == "/1.0/instances" && req.URL.Query().Get("all-projects") == "true":
		_, _ = w.Write(r.all)
	case req.URL.Path == "/1.0/instances":
		p := req.URL.Query().Get("project")
		if p == "" {
			p = "default"
		}
		body, ok := r.byProject[p]
		if !ok {
			lxdError(w, http.StatusNotFound, "Project not found")
			return
		}
		_, _ = w.Write(body)
	default:
		lxdError(w, http.StatusNotFound, "not found")
	}
}

func lxdError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"type":"error","status":"","status_code":0,"operation":"","error_code":%d,"error":%q,"metadata":null}`, code, msg)
}

// envelope wraps metadata in LXD's sync response.
func envelope(tb testing.TB, metadata []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	b.WriteString(`{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":`)
	b.Write(metadata)
	b.WriteString("}\n")
	return b.Bytes()
}

func jsonArray(recs []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, r := range recs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// serverRecord is the recorded GET /1.0, optionally without the
// instance_all_projects extension (an older LXD).
func serverRecord(tb testing.TB, allProjects bool) []byte {
	tb.Helper()
	raw, err := os.ReadFile(recordedServer)
	if err != nil {
		tb.Fatal(err)
	}
	var srv map[string]any
	if err := json.Unmarshal(raw, &srv); err != nil {
		tb.Fatal(err)
	}
	if !allProjects {
		exts, _ := srv["api_extensions"].([]any)
		srv["api_extensions"] = slices.DeleteFunc(exts, func(e any) bool { return e == "instance_all_projects" })
	}
	return mustJSON(tb, srv)
}

// loadRecords reads a JSON array of instance records.
func loadRecords(tb testing.TB, path string) []json.RawMessage {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(raw, &recs); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return recs
}

// cloneRecords makes n records from template, named vm-00000… and spread
// over projects proj-0…proj-(projects-1).
func cloneRecords(tb testing.TB, template json.RawMessage, n, projects int) []json.RawMessage {
	tb.Helper()
	var rec map[string]any
	if err := json.Unmarshal(template, &rec); err != nil {
		tb.Fatal(err)
	}
	out := make([]json.RawMessage, n)
	for i := range n {
		rec["name"] = fmt.Sprintf("vm-%05d", i)
		rec["project"] = fmt.Sprintf("proj-%d", i%projects)
		out[i] = mustJSON(tb, rec)
	}
	return out
}

// clustered makes the replay a member "node1" of a three-member cluster.
func clustered(tb testing.TB) func(*replay) {
	return func(r *replay) {
		var srv map[string]any
		if err := json.Unmarshal(serverRecord(tb, true), &srv); err != nil {
			tb.Fatal(err)
		}
		env := srv["environment"].(map[string]any)
		env["server_clustered"], env["server_name"] = true, "node1"
		r.server = envelope(tb, mustJSON(tb, srv))
		var members []map[string]any
		for _, n := range []string{"node3", "node1", "node2"} {
			members = append(members, map[string]any{"server_name": n, "url": "https://" + n + ":8443",
				"database": true, "status": "Online", "message": "Fully operational", "architecture": "x86_64",
				"failure_domain": "default", "roles": []string{"database"}, "groups": []string{"default"}})
		}
		r.members = envelope(tb, mustJSON(tb, members))
	}
}
