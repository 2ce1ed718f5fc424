package azure

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// transport is the HTTP client every SDK call of an account goes through,
// ARM and Entra ID alike. It remembers the last network failure because
// azidentity turns a failed token request into an AuthenticationFailedError
// that keeps only the text of the cause: without this, an unreachable login
// host would read as rejected credentials.
type transport struct {
	http    *http.Client
	rt      *http.Transport
	lastNet atomic.Pointer[netFailure]
}

type netFailure struct {
	at  time.Time
	err error
}

// newTransport trusts the system roots plus caPEM (when set).
func newTransport(caPEM string) (*transport, error) {
	rt := http.DefaultTransport.(*http.Transport).Clone()
	rt.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caPEM != "" {
		pool, err := certPool(caPEM)
		if err != nil {
			return nil, err
		}
		rt.TLSClientConfig.RootCAs = pool
	}
	// Subscriptions are listed in parallel against one host, each with two
	// listings and a size list in flight: keep those connections instead of
	// re-handshaking TLS for every page.
	rt.MaxIdleConnsPerHost = 3 * maxWorkers
	return &transport{http: &http.Client{Transport: rt}, rt: rt}, nil
}

// Do implements policy.Transporter.
func (t *transport) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.http.Do(req)
	if err != nil && isNetErr(err) {
		t.lastNet.Store(&netFailure{at: time.Now(), err: err})
	}
	return resp, err
}

// netErrSince returns a network failure seen at or after t, if any.
func (t *transport) netErrSince(since time.Time) error {
	if f := t.lastNet.Load(); f != nil && !f.at.Before(since) {
		return f.err
	}
	return nil
}

func (t *transport) close() { t.rt.CloseIdleConnections() }

// retryOptions: throttling (429, honouring Retry-After up to the cap) and
// transient failures are retried with jittered exponential backoff; a
// Retry-After beyond MaxRetryDelay gives up at once, so the caller sees
// ErrThrottled instead of a stalled sync.
func retryOptions() policy.RetryOptions {
	return policy.RetryOptions{
		MaxRetries:    4,
		RetryDelay:    500 * time.Millisecond,
		MaxRetryDelay: 5 * time.Second,
		ShouldRetry: func(resp *http.Response, err error) bool {
			if err != nil {
				return !permanentNetErr(err)
			}
			switch resp.StatusCode {
			case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
				http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
				return true
			}
			return false
		},
	}
}

// isNetErr reports failures to reach the server at all: dial, DNS, TLS.
func isNetErr(err error) bool {
	var (
		opErr   *net.OpError
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
	)
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.As(err, &certErr) ||
		errors.As(err, &authErr) || errors.As(err, &hostErr) || errors.As(err, &invErr) || errors.As(err, &recErr)
}

// permanentNetErr are network failures retrying will not fix soon: a name
// that does not resolve, a refused connection (wrong endpoint), a
// certificate that is not trusted.
func permanentNetErr(err error) bool {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		authErr x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
	)
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.As(err, &certErr) || errors.As(err, &authErr) || errors.As(err, &hostErr) || errors.As(err, &recErr)
}
