package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/config"
	"github.com/neogenesys/console/internal/audit"
	"github.com/neogenesys/console/internal/store"
)

type auditPage struct {
	Entries    []auditJSON `json:"entries"`
	NextBefore *int64      `json:"nextBefore"`
}

func TestAuditAPI(t *testing.T) {
	e := newEnv(t)
	viewer, operator, admin := e.callers()
	start := time.Now().UTC().Add(-time.Second)
	// Five node changes by otto (one fails), one user change by ada.
	for _, n := range []string{"web-11", "web-12", "web-13", "web-14"} {
		e.do("POST", "/api/v1/nodes/101/rename", `{"name":"`+n+`"}`, bearer(operator.tok)).expect(t, http.StatusOK)
	}
	e.do("POST", "/api/v1/nodes/404/expire", nil, bearer(operator.tok)).problem(t, 404, "not_found")
	e.do("POST", "/api/v1/users", `{"name":"carol"}`, bearer(admin.tok)).expect(t, http.StatusCreated)

	get := func(q string) auditPage {
		t.Helper()
		var p auditPage
		e.do("GET", "/api/v1/audit?"+q, nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &p)
		return p
	}
	actions := func(p auditPage) []string {
		var out []string
		for _, a := range p.Entries {
			out = append(out, a.Action)
		}
		return out
	}

	all := get("")
	if len(all.Entries) != 6 || all.NextBefore != nil {
		t.Fatalf("audit = %v (nextBefore %v), want 6 entries and no next page", actions(all), all.NextBefore)
	}
	for i := 1; i < len(all.Entries); i++ {
		if all.Entries[i-1].ID <= all.Entries[i].ID {
			t.Fatalf("entries not newest first: %d then %d", all.Entries[i-1].ID, all.Entries[i].ID)
		}
	}
	if a := all.Entries[0]; a.Action != "user.create" || a.Username != "ada" || a.Role != store.RoleAdmin || a.Target != "user:carol" ||
		a.Outcome != audit.Success || a.SourceIP != "127.0.0.1" || a.Time.Before(start) {
		t.Errorf("newest entry = %+v", a)
	}
	failed := get("target=node:404")
	if len(failed.Entries) != 1 || failed.Entries[0].Outcome != audit.Failure || failed.Entries[0].Action != "node.expire" ||
		!strings.Contains(failed.Entries[0].Detail, "not found") {
		t.Errorf("failed change = %+v", failed.Entries)
	}
	for q, want := range map[string][]string{
		"user=ada":           {"user.create"},
		"user=nobody":        nil,
		"action=node.rename": {"node.rename", "node.rename", "node.rename", "node.rename"},
		"action=node.*":      {"node.expire", "node.rename", "node.rename", "node.rename", "node.rename"},
		"action=node.":       nil,
		"user=otto&limit=1":  {"node.expire"},
		"since=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)): nil,
		"until=" + url.QueryEscape(start.Format(time.RFC3339)):                     nil,
		"since=" + url.QueryEscape(start.Format(time.RFC3339)) + "&action=user.*":  {"user.create"},
	} {
		if got := actions(get(q)); !slices.Equal(got, want) {
			t.Errorf("?%s: %v, want %v", q, got, want)
		}
	}

	// Paging: two at a time, following nextBefore, sees every entry once.
	var seen []int64
	q := "limit=2"
	for range 10 {
		p := get(q)
		for _, a := range p.Entries {
			seen = append(seen, a.ID)
		}
		if p.NextBefore == nil {
			break
		}
		if len(p.Entries) != 2 || *p.NextBefore != p.Entries[1].ID {
			t.Fatalf("page %v: nextBefore %d, want the last entry's id", p.Entries, *p.NextBefore)
		}
		q = fmt.Sprintf("limit=2&before=%d", *p.NextBefore)
	}
	var want []int64
	for _, a := range all.Entries {
		want = append(want, a.ID)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("paging saw %v, want %v", seen, want)
	}

	for _, q := range []string{"since=yesterday", "until=2026-01-02", "before=0", "before=-3", "before=x",
		"limit=0", "limit=1001", "limit=ten"} {
		e.do("GET", "/api/v1/audit?"+q, nil, bearer(viewer.tok)).problem(t, 400, "invalid_request")
	}
}

func TestTrustedProxies(t *testing.T) {
	forwarded := func(e *env, xff string) string {
		t.Helper()
		_, operator, _ := e.callers()
		e.do("POST", "/api/v1/nodes/101/expire", nil, bearer(operator.tok), hdr("X-Forwarded-For", xff)).expect(t, http.StatusOK)
		got := e.auditEntries(store.AuditFilter{Action: "node.expire"})
		return got[0].SourceIP
	}

	t.Run("trusted", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) { c.HTTP.TrustedProxies = []string{"127.0.0.1/32", "10.0.0.0/8"} })
		_, operator, _ := e.callers()
		for xff, want := range map[string]string{
			"203.0.113.9":                         "203.0.113.9",
			"198.51.100.1, 203.0.113.9":           "203.0.113.9", // the left one is the client's claim
			"198.51.100.1, 203.0.113.9, 10.1.2.3": "203.0.113.9", // a trusted inner proxy is skipped
			"10.1.2.3":                            "127.0.0.1",   // only trusted hops: the peer
			"not-an-ip":                           "127.0.0.1",
			"":                                    "127.0.0.1",
		} {
			e.do("POST", "/api/v1/nodes/101/expire", nil, bearer(operator.tok), hdr("X-Forwarded-For", xff)).expect(t, http.StatusOK)
			if got := e.auditEntries(store.AuditFilter{Action: "node.expire"})[0].SourceIP; got != want {
				t.Errorf("X-Forwarded-For %q: source %q, want %q", xff, got, want)
			}
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		e := newEnv(t)
		if got := forwarded(e, "203.0.113.9"); got != "127.0.0.1" {
			t.Errorf("X-Forwarded-For from an untrusted peer was believed: source %q", got)
		}
	})

	t.Run("login limit per client", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) {
			c.Auth.LoginRate = 1
			c.HTTP.TrustedProxies = []string{"127.0.0.1/32"}
		})
		e.do("POST", "/api/v1/auth/login", `{}`, hdr("X-Forwarded-For", "203.0.113.1")).problem(t, 400, "invalid_request")
		e.do("POST", "/api/v1/auth/login", `{}`, hdr("X-Forwarded-For", "203.0.113.1")).problem(t, 429, "rate_limited")
		e.do("POST", "/api/v1/auth/login", `{}`, hdr("X-Forwarded-For", "203.0.113.2")).problem(t, 400, "invalid_request")
	})

	t.Run("spoofed header does not reset the login limit", func(t *testing.T) {
		e := newEnv(t, func(c *config.Config) { c.Auth.LoginRate = 1 })
		e.do("POST", "/api/v1/auth/login", `{}`, hdr("X-Forwarded-For", "203.0.113.1")).problem(t, 400, "invalid_request")
		e.do("POST", "/api/v1/auth/login", `{}`, hdr("X-Forwarded-For", "203.0.113.2")).problem(t, 429, "rate_limited")
	})
}
