package server

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/neogenesys/console/internal/events"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	checks := s.ready(r.Context())
	status := http.StatusOK
	for _, v := range checks {
		if v != "ok" {
			status = http.StatusServiceUnavailable
		}
	}
	body := map[string]any{"status": "ready", "checks": checks}
	if status != http.StatusOK {
		body["status"] = "not ready"
	}
	writeJSON(w, status, body)
	return nil
}

func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, err := w.Write(openAPIDocument)
	return err
}

func (s *Server) headscaleStatus(w http.ResponseWriter, r *http.Request) error {
	info := s.HeadscaleInfo()
	health := "ok"
	if err := s.Headscale.Health(r.Context()); err != nil {
		health = err.Error()
	}
	writeJSON(w, http.StatusOK, map[string]any{"connection": info, "health": health})
	return nil
}

// events streams changes as Server-Sent Events until the client leaves.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	// A reconnecting EventSource sends the last id it saw; ?lastEventId=
	// does the same for clients that cannot set headers.
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("lastEventId")
	}
	var missed []events.Event
	var ch <-chan events.Event
	var stop func()
	if id, err := strconv.ParseUint(last, 10, 64); err == nil && last != "" {
		missed, ch, stop = s.Events.SubscribeSince(id)
	} else {
		ch, stop = s.Events.Subscribe()
	}
	defer stop()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n: connected\n\n")
	for _, e := range missed {
		data, _ := json.Marshal(e)
		fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, data)
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-heartbeat.C:
			fmt.Fprint(w, ": heartbeat\n\n")
		case e := <-ch:
			data, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.ID, e.Type, data)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// ui serves the web app, or a minimal page when the binary has none.
func (s *Server) ui(w http.ResponseWriter, r *http.Request) error {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return fmt.Errorf("%w: no API route %s", errNotFound, r.URL.Path)
	}
	if s.UI != nil {
		s.UI.ServeHTTP(w, r)
		return nil
	}
	if r.URL.Path != "/" {
		return fmt.Errorf("%w: %s", errNotFound, r.URL.Path)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return fallbackPage.Execute(w, map[string]string{"Version": s.Version})
}

var fallbackPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Neogenesys Console</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Neogenesys Console</h1>
<p>This build of <code>neoconsole</code> ({{.Version}}) has no web app embedded.
Build it with <code>make build</code> (it runs <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>).</p>
<p>The JSON API works: see <a href="/api/openapi.json">/api/openapi.json</a>, and the CLI:
<code>neoconsole --help</code>.</p>
</body></html>
`))
