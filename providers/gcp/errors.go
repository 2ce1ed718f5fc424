package gcp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"syscall"
	"time"

	"cloud.google.com/go/auth"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/api/googleapi"

	"github.com/neogenesys/console/providers"
)

// Reasons Compute Engine gives for throttling: the per-project API rate
// quota (403 or 429), per-user rate limits.
var throttleReasons = []string{"rateLimitExceeded", "userRateLimitExceeded"}

// reason is the first reason in a Google API error, "" when there is none.
func reason(e *googleapi.Error) string {
	for _, it := range e.Errors {
		if it.Reason != "" {
			return it.Reason
		}
	}
	return ""
}

func isThrottle(e *googleapi.Error) bool {
	return e.Code == http.StatusTooManyRequests ||
		(e.Code == http.StatusForbidden && slices.Contains(throttleReasons, reason(e)))
}

// scope says what a failed call was about, for the message and for what a
// 404 means.
type scope struct {
	where string // "acme-prod", "acme-prod/us-central1-a/web-1"
	vm    bool   // a 404 is the VM's absence (Power) rather than a project's
}

// mapErr turns a client error into one that wraps the providers sentinel
// for its cause and says where it happened.
func mapErr(sc scope, err error) error {
	if err == nil {
		return nil
	}
	prefix := "gcp " + sc.where
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	// The token endpoint's answer (invalid_grant for a key it does not know,
	// a disabled or deleted service account, …).
	var ae *auth.Error
	if errors.As(err, &ae) && ae.Response != nil {
		te := &tokenError{err: err, status: ae.Response.StatusCode}
		_ = json.Unmarshal(ae.Body, te)
		switch c := te.status; {
		case c == http.StatusTooManyRequests:
			return fmt.Errorf("%s: %w: %w", prefix, providers.ErrThrottled, te)
		case c >= 400 && c < 500:
			return fmt.Errorf("%s: %w: %w", prefix, providers.ErrAuth, te)
		}
		return fmt.Errorf("%s: %w", prefix, te)
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch {
		case isThrottle(ge):
			return fmt.Errorf("%s: %w: %w", prefix, providers.ErrThrottled, err)
		case ge.Code == http.StatusUnauthorized, ge.Code == http.StatusForbidden:
			// forbidden, insufficientPermissions, accessNotConfigured (the
			// Compute API is off in the project): the credentials cannot do it.
			return fmt.Errorf("%s: %w: %w", prefix, providers.ErrAuth, err)
		case ge.Code == http.StatusNotFound && sc.vm:
			return fmt.Errorf("%s: %w: %w", prefix, providers.ErrNotFound, err)
		case ge.Code == http.StatusNotFound:
			return fmt.Errorf("%s: project or zone not found: %w", prefix, err)
		case ge.Code == http.StatusBadRequest && reason(ge) == "resourceNotReady",
			ge.Code == http.StatusConflict:
			return fmt.Errorf("%s: %w: %w", prefix, providers.ErrInvalidState, err)
		}
		return fmt.Errorf("%s: %w", prefix, err)
	}
	if unreachable(err) {
		return fmt.Errorf("%s: %w: %w", prefix, providers.ErrUnreachable, err)
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// tokenError is a token endpoint's refusal in one line: the auth library's
// own message spans lines and embeds the raw body.
type tokenError struct {
	err         error
	status      int
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *tokenError) Error() string {
	msg := fmt.Sprintf("token endpoint answered %d", e.status)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

func (e *tokenError) Unwrap() error { return e.err }

// unreachable reports connection failures: refused or reset connections,
// DNS failures, timeouts dialling, TLS handshakes that fail.
func unreachable(err error) bool {
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		certErr *tls.CertificateVerificationError
		uaErr   x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
	)
	return errors.As(err, &dnsErr) || errors.As(err, &opErr) || errors.As(err, &certErr) ||
		errors.As(err, &uaErr) || errors.As(err, &hostErr) || errors.As(err, &invErr) ||
		errors.As(err, &recErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// Retry budget: up to maxAttempts tries of one call, full-jitter
// exponential backoff from backoffBase capped at backoffCap, a Retry-After
// honoured up to retryAfterCap.
const (
	maxAttempts   = 5
	backoffBase   = 250 * time.Millisecond
	backoffCap    = 4 * time.Second
	retryAfterCap = 10 * time.Second
)

// retryer retries throttling (429, 403 rateLimitExceeded) on every call and
// server errors (500, 502, 503, 504) on reads only: a POST that failed with
// a 5xx may have been carried out. It is a gax.Retryer, so the SDK's own
// call loop runs it, sleeping with the call's context.
type retryer struct {
	idempotent bool
	attempt    int
}

func retry(idempotent bool) gax.CallOption {
	return gax.WithRetry(func() gax.Retryer { return &retryer{idempotent: idempotent} })
}

func (r *retryer) Retry(err error) (time.Duration, bool) {
	r.attempt++
	if r.attempt >= maxAttempts {
		return 0, false
	}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return 0, false
	}
	switch {
	case isThrottle(ge):
	case r.idempotent && slices.Contains([]int{500, 502, 503, 504}, ge.Code):
	default:
		return 0, false
	}
	return pause(r.attempt, ge.Header), true
}

// pause is the wait before retry n (1-based): full jitter over an
// exponentially growing window, at least what Retry-After asks.
func pause(n int, h http.Header) time.Duration {
	window := min(backoffBase<<(n-1), backoffCap)
	d := time.Duration(rand.Int64N(int64(window))) + time.Millisecond
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		d = max(d, min(time.Duration(s)*time.Second, retryAfterCap))
	}
	return d
}
