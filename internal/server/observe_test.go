package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/events"
)

func TestEventsStream(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+viewer.tok)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("events: %d %v", resp.StatusCode, resp.Header)
	}
	lines := bufio.NewScanner(resp.Body)
	readUntil := func(prefix string) string {
		t.Helper()
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), prefix) {
				return lines.Text()
			}
		}
		t.Fatalf("stream ended before a line starting %q: %v", prefix, lines.Err())
		return ""
	}
	readUntil(": connected") // subscribed from here on

	e.fake.AddNode(headscale.Node{ID: 200, Name: "newcomer", User: "bob", Online: true})
	if err := e.view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readUntil("event: "); got != "event: node.added" {
		t.Fatalf("first event line %q, want event: node.added", got)
	}
	data := strings.TrimPrefix(readUntil("data: "), "data: ")
	var ev events.Event
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatalf("data %q: %v", data, err)
	}
	var n headscale.Node
	if err := json.Unmarshal(ev.Data, &n); err != nil || ev.Type != "node.added" || n.ID != 200 || n.Name != "newcomer" {
		t.Errorf("event %+v (node %+v, %v), want node.added of newcomer", ev, n, err)
	}

	// A change through the API reaches the stream too.
	if err := e.fake.DeleteNode(ctx, 200); err != nil {
		t.Fatal(err)
	}
	if err := e.view.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readUntil("event: "); got != "event: node.removed" {
		t.Errorf("next event line %q, want event: node.removed", got)
	}
	if e.hub.Subscribers() != 1 {
		t.Errorf("%d subscribers, want 1", e.hub.Subscribers())
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for e.hub.Subscribers() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.hub.Subscribers(); n != 0 {
		t.Errorf("%d subscribers after the client left, want 0", n)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	route := func(p string) string { return `route="` + p + `"` }
	before := e.metric("neoconsole_http_requests_total", route("GET /api/v1/nodes/{id}"), `code="404"`)
	for range 3 {
		e.do("GET", "/healthz", nil).expect(t, http.StatusOK)
	}
	e.do("GET", "/api/v1/nodes/999", nil, bearer(viewer.tok)).problem(t, 404, "not_found")
	e.do("GET", "/api/v1/nodes/101", nil).problem(t, 401, "unauthenticated")

	if got := e.metric("neoconsole_http_requests_total", route("GET /healthz"), `code="200"`); got != 3 {
		t.Errorf("healthz requests = %v, want 3", got)
	}
	if got := e.metric("neoconsole_http_requests_total", route("GET /api/v1/nodes/{id}"), `code="404"`); got != before+1 {
		t.Errorf("404s on GET /api/v1/nodes/{id} = %v, want %v", got, before+1)
	}
	if got := e.metric("neoconsole_http_requests_total", route("GET /api/v1/nodes/{id}"), `code="401"`); got != 1 {
		t.Errorf("401s on GET /api/v1/nodes/{id} = %v, want 1", got)
	}
	if got := e.metric("neoconsole_http_request_duration_seconds_count", route("GET /healthz")); got != 3 {
		t.Errorf("healthz latency observations = %v, want 3", got)
	}
	body := string(e.do("GET", "/metrics", nil).body)
	for _, name := range []string{"neoconsole_preauthkeys_minted_total 0", "go_goroutines", "process_"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %q", name)
		}
	}
	if strings.Contains(body, `route="/api/v1/nodes/999"`) {
		t.Error("metrics are labelled by raw path, not by route pattern")
	}
}

// A client that reconnects with Last-Event-ID gets what it missed first.
func TestEventsResumeWithLastEventID(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	e.hub.Publish("preauthkey.created", map[string]int{"id": 1})
	e.hub.Publish("preauthkey.expired", map[string]int{"id": 1})
	e.hub.Publish("preauthkey.deleted", map[string]int{"id": 1})
	read := func(hdr, query string) []string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", e.http.URL+"/api/v1/events"+query, nil)
		req.Header.Set("Authorization", "Bearer "+viewer.tok)
		if hdr != "" {
			req.Header.Set("Last-Event-ID", hdr)
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got []string
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() && len(got) < 3 {
			if ev, ok := strings.CutPrefix(lines.Text(), "event: "); ok {
				got = append(got, ev)
				if ev == "resync" || ev == "preauthkey.deleted" {
					break
				}
			}
		}
		return got
	}
	if got := strings.Join(read("1", ""), ","); got != "preauthkey.expired,preauthkey.deleted" {
		t.Errorf("resume after 1 = %s", got)
	}
	if got := strings.Join(read("", "?lastEventId=2"), ","); got != "preauthkey.deleted" {
		t.Errorf("resume after 2 by query = %s", got)
	}
	if got := strings.Join(read("99", ""), ","); got != "resync" {
		t.Errorf("resume from an unknown future id = %s, want resync", got)
	}
}
