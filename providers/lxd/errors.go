package lxd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/canonical/lxd/shared/api"

	"github.com/neogenesys/console/providers"
)

// wrap says where err happened and adds the providers sentinel it stands
// for. op names the call ("list", "power default/web1"...).
func (p *Provider) wrap(op string, err error) error {
	where := fmt.Sprintf("lxd %s %s", p.ep, op)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", where, err)
	}
	if sentinel := classify(err); sentinel != nil && !errors.Is(err, sentinel) {
		err = fmt.Errorf("%w: %w", sentinel, err)
	}
	if errors.Is(err, providers.ErrAuth) {
		return fmt.Errorf("%s: %w%s", where, err, p.authHint())
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return fmt.Errorf("%s: %w (LXD certificates are self-signed: set serverCert to the server's)", where, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

func (p *Provider) authHint() string {
	if p.ep.https() {
		return " (trust the client certificate with `lxc config trust add`, or set trustToken)"
	}
	return " (the console's user needs access to the socket: root or the lxd group)"
}

// classify maps an LXD client error to a providers sentinel, or nil.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if code, ok := api.StatusErrorMatch(err); ok {
		switch {
		case code == http.StatusForbidden || code == http.StatusUnauthorized:
			return providers.ErrAuth
		case code == http.StatusNotFound:
			return providers.ErrNotFound
		case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
			return providers.ErrThrottled
		case isStateRefusal(err.Error()):
			return providers.ErrInvalidState
		}
		return nil
	}
	if isThrottleText(err) {
		return providers.ErrThrottled
	}
	// A unix socket the console's user may not open is a credentials
	// problem, not an outage.
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return providers.ErrAuth
	}
	var (
		netErr  net.Error
		opErr   *net.OpError
		dnsErr  *net.DNSError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		alert   tls.AlertError
		recHdr  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &opErr), errors.As(err, &dnsErr), errors.As(err, &unknown), errors.As(err, &host),
		errors.As(err, &invalid), errors.As(err, &verify), errors.As(err, &alert), errors.As(err, &recHdr),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
		return providers.ErrUnreachable
	case errors.As(err, &netErr) && netErr.Timeout():
		return providers.ErrUnreachable
	}
	return nil
}

// isStateRefusal recognises LXD's answers to an action that does not fit
// the instance's state, e.g. "The instance is already running" or
// "Instance is not running".
func isStateRefusal(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "already running") || strings.Contains(m, "already stopped") ||
		strings.Contains(m, "is not running") || strings.Contains(m, "isn't running") ||
		strings.Contains(m, "already frozen") || strings.Contains(m, "not frozen")
}

// isThrottleText catches 429 and 503 answers without an LXD JSON body (a
// proxy in front of LXD), which the client reports as plain text.
func isThrottleText(err error) bool {
	m := err.Error()
	return strings.Contains(m, ": 429 Too Many Requests") || strings.Contains(m, ": 503 Service Unavailable")
}

// backoff is the retry budget for 429/503 answers. LXD itself never
// throttles; a proxy or a cluster member that is restarting might.
type backoff struct {
	attempts    int
	first, most time.Duration
}

func defaultBackoff() backoff {
	return backoff{attempts: 5, first: 200 * time.Millisecond, most: 3 * time.Second}
}

// retry calls fn until it succeeds, fails with something other than
// throttling, the budget is spent or ctx ends.
func retry[T any](ctx context.Context, b backoff, fn func() (T, error)) (T, error) {
	delay := b.first
	for attempt := 1; ; attempt++ {
		v, err := fn()
		if err == nil || classify(err) != providers.ErrThrottled || attempt >= b.attempts {
			return v, err
		}
		// Jittered: between half and one and a half of the current step.
		wait := delay/2 + time.Duration(rand.Int64N(int64(delay)))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, b.most)
	}
}
