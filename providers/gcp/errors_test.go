package gcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"cloud.google.com/go/auth"
	"google.golang.org/api/googleapi"

	"github.com/neogenesys/console/providers"
)

func gerr(code int, reason string) error {
	e := &googleapi.Error{Code: code, Message: "m", Header: http.Header{}}
	if reason != "" {
		e.Errors = []googleapi.ErrorItem{{Reason: reason}}
	}
	return fmt.Errorf("wrapped: %w", e)
}

func TestMapErr(t *testing.T) {
	vm, project := scope{where: "p/z/n", vm: true}, scope{where: "p"}
	tokenErr := &auth.Error{Response: &http.Response{StatusCode: 400}, Body: []byte(`{"error":"invalid_grant"}`)}
	for _, tc := range []struct {
		name string
		sc   scope
		err  error
		want error // sentinel, nil: none of them
	}{
		{"401", project, gerr(401, "authError"), providers.ErrAuth},
		{"403 forbidden", project, gerr(403, "forbidden"), providers.ErrAuth},
		{"403 insufficientPermissions", project, gerr(403, "insufficientPermissions"), providers.ErrAuth},
		{"403 API disabled", project, gerr(403, "accessNotConfigured"), providers.ErrAuth},
		{"403 rate limit", project, gerr(403, "rateLimitExceeded"), providers.ErrThrottled},
		{"403 user rate limit", project, gerr(403, "userRateLimitExceeded"), providers.ErrThrottled},
		{"429", project, gerr(429, "rateLimitExceeded"), providers.ErrThrottled},
		{"404 vm", vm, gerr(404, "notFound"), providers.ErrNotFound},
		{"404 project", project, gerr(404, "notFound"), nil},
		{"400 not ready", vm, gerr(400, "resourceNotReady"), providers.ErrInvalidState},
		{"400 other", vm, gerr(400, "invalid"), nil},
		{"503", project, gerr(503, "backendError"), nil},
		{"token invalid_grant", project, fmt.Errorf("Get x: %w", tokenErr), providers.ErrAuth},
		{"token 429", project, &auth.Error{Response: &http.Response{StatusCode: 429}}, providers.ErrThrottled},
		{"refused", project, &url.Error{Op: "Get", URL: "x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, providers.ErrUnreachable},
		{"dns", project, &url.Error{Op: "Get", URL: "x", Err: &net.DNSError{Err: "no such host", Name: "compute.invalid"}}, providers.ErrUnreachable},
		{"canceled", project, &url.Error{Op: "Get", URL: "x", Err: context.Canceled}, context.Canceled},
		{"other", project, errors.New("boom"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mapErr(tc.sc, tc.err)
			if !errors.Is(got, tc.err) {
				t.Errorf("mapErr lost the cause: %v", got)
			}
			if !strings.HasPrefix(got.Error(), "gcp "+tc.sc.where+": ") {
				t.Errorf("mapErr = %q, want it to say where", got)
			}
			sentinels := []error{providers.ErrAuth, providers.ErrThrottled, providers.ErrNotFound,
				providers.ErrInvalidState, providers.ErrUnreachable}
			for _, s := range sentinels {
				if errors.Is(got, s) != (s == tc.want) {
					t.Errorf("mapErr = %v: errors.Is(%v) = %v", got, s, !(s == tc.want))
				}
			}
			if tc.want != nil && !errors.Is(got, tc.want) {
				t.Errorf("mapErr = %v, want %v", got, tc.want)
			}
			if errors.Is(got, providers.ErrAuth) && !strings.Contains(got.Error(), "credentials") {
				t.Errorf("auth error %q does not mention the credentials", got)
			}
		})
	}
}

func TestRetryer(t *testing.T) {
	for _, tc := range []struct {
		name       string
		idempotent bool
		err        error
		want       bool
	}{
		{"429 read", true, gerr(429, "rateLimitExceeded"), true},
		{"429 write", false, gerr(429, "rateLimitExceeded"), true},
		{"403 rate limit write", false, gerr(403, "rateLimitExceeded"), true},
		{"403 forbidden", true, gerr(403, "forbidden"), false},
		{"503 read", true, gerr(503, "backendError"), true},
		{"503 write", false, gerr(503, "backendError"), false},
		{"404", true, gerr(404, "notFound"), false},
		{"not an API error", true, errors.New("x"), false},
	} {
		r := &retryer{idempotent: tc.idempotent}
		d, ok := r.Retry(tc.err)
		if ok != tc.want {
			t.Errorf("%s: Retry = %v, want %v", tc.name, ok, tc.want)
		}
		if ok && (d <= 0 || d > backoffCap) {
			t.Errorf("%s: pause %v outside (0, %v]", tc.name, d, backoffCap)
		}
	}
	// The budget: maxAttempts tries in all, so maxAttempts-1 retries.
	r, n := &retryer{idempotent: true}, 0
	for ; n < 100; n++ {
		if _, ok := r.Retry(gerr(429, "")); !ok {
			break
		}
	}
	if n != maxAttempts-1 {
		t.Errorf("retried %d times, want %d", n, maxAttempts-1)
	}
}

func TestPauseHonoursRetryAfter(t *testing.T) {
	h := http.Header{"Retry-After": {"3"}}
	if d := pause(1, h); d < 3*time.Second {
		t.Errorf("pause with Retry-After 3 = %v", d)
	}
	h.Set("Retry-After", "3600")
	if d := pause(1, h); d > retryAfterCap {
		t.Errorf("pause with Retry-After 3600 = %v, want at most %v", d, retryAfterCap)
	}
	for n := 1; n < 10; n++ {
		if d := pause(n, nil); d <= 0 || d > backoffCap+time.Millisecond {
			t.Errorf("pause(%d) = %v", n, d)
		}
	}
}

func TestTokenErrorMessage(t *testing.T) {
	err := mapErr(scope{where: "acme-prod"}, fmt.Errorf("Get x: %w", &auth.Error{
		Response: &http.Response{StatusCode: 400},
		Body:     []byte(`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`),
	}))
	want := "gcp acme-prod: provider rejected the credentials: token endpoint answered 400: invalid_grant: Invalid JWT Signature."
	if err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}
