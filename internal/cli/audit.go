package cli

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// auditJSON is one audit entry as the API shows it.
type auditJSON struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	User     string    `json:"user"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	Outcome  string    `json:"outcome"`
	SourceIP string    `json:"sourceIp"`
	Detail   string    `json:"detail"`
}

// parseWhen reads an RFC 3339 time, or a duration meaning that long ago.
func parseWhen(flagName, v string) (string, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC().Format(time.RFC3339), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return timeNow().Add(-d).UTC().Format(time.RFC3339), nil
	}
	return "", usageErr("--%s must be an RFC 3339 time like 2026-01-02T15:04:05Z or a duration like 24h, not %q", flagName, v)
}

func runAuditList(e Env, args []string) error {
	fs, g := newFlags("audit list", e)
	user := fs.String("user", "", "only entries by this console account")
	action := fs.String("action", "", "only this action, e.g. node.delete")
	target := fs.String("target", "", "only this target, e.g. node:5")
	since := fs.String("since", "", "only entries at or after this time (RFC 3339, or a duration like 24h)")
	until := fs.String("until", "", "only entries before this time (RFC 3339, or a duration like 1h)")
	before := fs.Int64("before", 0, "only entries older than this entry id (the next page)")
	limit := fs.Int("limit", 0, "at most this many entries, 1-1000 (default 100)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("audit list", pos); err != nil {
		return err
	}
	query := url.Values{}
	for k, v := range map[string]string{"user": *user, "action": *action, "target": *target} {
		if v != "" {
			query.Set(k, v)
		}
	}
	for k, v := range map[string]string{"since": *since, "until": *until} {
		if v != "" {
			t, err := parseWhen(k, v)
			if err != nil {
				return err
			}
			query.Set(k, t)
		}
	}
	if *before < 0 {
		return usageErr("--before must be a positive entry id")
	}
	if *before > 0 {
		query.Set("before", strconv.FormatInt(*before, 10))
	}
	if *limit < 0 || *limit > 1000 {
		return usageErr("--limit must be between 1 and 1000")
	}
	if *limit > 0 {
		query.Set("limit", strconv.Itoa(*limit))
	}
	var resp struct {
		Entries    []auditJSON `json:"entries"`
		NextBefore int64       `json:"nextBefore"`
	}
	if printed, err := call(e, g, "GET", "/api/v1/audit", query, nil, &resp); err != nil || printed {
		return err
	}
	t := newTable(e.Stdout, "TIME", "USER", "ACTION", "TARGET", "OUTCOME", "SOURCE")
	for _, a := range resp.Entries {
		t.row(stamp(a.Time), a.User, a.Action, a.Target, a.Outcome, a.SourceIP)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if resp.NextBefore > 0 {
		fmt.Fprintf(e.Stderr, "more entries: add --before %d\n", resp.NextBefore)
	}
	return nil
}
