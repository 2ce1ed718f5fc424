package proxmox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// APIError is an error answer of the PVE API. pveproxy puts the message in
// the status line's reason phrase ("500 VM 100 not running"); a 400 adds
// per-parameter errors in the body.
type APIError struct {
	Code    int
	Message string
	Errors  map[string]string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Code, e.Message)
	for _, k := range slices.Sorted(maps.Keys(e.Errors)) {
		s += fmt.Sprintf("; %s: %s", k, e.Errors[k])
	}
	return s
}

// throttled reports an answer worth retrying later: pveproxy answers 503
// when it is busy, a proxy in front of it may answer 429.
func (e *APIError) throttled() bool {
	return e.Code == http.StatusServiceUnavailable || e.Code == http.StatusTooManyRequests
}

// readAPIError turns an error answer into an *APIError, closing its body.
func readAPIError(res *http.Response) *APIError {
	defer res.Body.Close()
	e := &APIError{Code: res.StatusCode}
	e.Message = strings.TrimSpace(strings.TrimPrefix(res.Status, strconv.Itoa(res.StatusCode)))
	var body struct {
		Message string         `json:"message"`
		Errors  map[string]any `json:"errors"`
	}
	if b, err := io.ReadAll(io.LimitReader(res.Body, 64<<10)); err == nil && json.Unmarshal(b, &body) == nil {
		if m := strings.TrimSpace(body.Message); m != "" && (e.Message == "" || e.Message == http.StatusText(e.Code)) {
			e.Message = m
		}
		for k, v := range body.Errors {
			if e.Errors == nil {
				e.Errors = map[string]string{}
			}
			e.Errors[k] = strings.TrimSpace(fmt.Sprint(v))
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(e.Code)
	}
	return e
}

// retryPolicy bounds the retries of throttled requests.
type retryPolicy struct {
	attempts int           // including the first
	base     time.Duration // first backoff window, doubled per attempt
	max      time.Duration // cap of a window and of Retry-After
}

var defaultRetry = retryPolicy{attempts: 5, base: 250 * time.Millisecond, max: 3 * time.Second}

// delay is the wait before attempt+1: Retry-After when the server sent one
// (capped), else a full-jitter sample of the doubling window.
func (p retryPolicy) delay(attempt int, retryAfter string) time.Duration {
	if d, ok := parseRetryAfter(retryAfter, time.Now()); ok {
		return min(d, p.max)
	}
	window := p.base
	for i := 1; i < attempt && window < p.max; i++ {
		window *= 2
	}
	window = min(window, p.max)
	if window <= 0 {
		return 0
	}
	return rand.N(window)
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// apiTransport sits under go-proxmox's client. The client only checks for
// 400, 401, 403, 500 and 501 and decodes any other answer as success (a 503
// or 595 would read as empty data), so every error answer becomes an
// *APIError here; throttled ones are first retried within the policy.
// Connection errors are not retried: Go's transport already replays an
// idempotent request whose kept-alive connection died, and anything else
// is reported at once as unreachable.
type apiTransport struct {
	base  http.RoundTripper
	retry retryPolicy
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		res, err := t.base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			// Go's transport may hand back a response that raced the
			// cancellation (an empty one, from a server that saw the
			// connection close): the caller has gone, so it is moot.
			res.Body.Close()
			return nil, err
		}
		if res.StatusCode < 400 {
			return res, nil
		}
		apiErr := readAPIError(res)
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if !apiErr.throttled() || attempt >= t.retry.attempts || !replayable {
			return nil, apiErr
		}
		if err := sleep(ctx, t.retry.delay(attempt, res.Header.Get("Retry-After"))); err != nil {
			return nil, err
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
