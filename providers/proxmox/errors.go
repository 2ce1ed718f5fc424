package proxmox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	pve "github.com/luthermonson/go-proxmox"

	"github.com/neogenesys/console/providers"
)

// PVE's words for a guest that is not where it was asked for, and for a
// state that forbids the action. They come in 500 answers and in the exit
// status of failed tasks.
var (
	notFoundWords     = []string{"does not exist", "no such vm", "no such ct", "no such guest"}
	invalidStateWords = []string{"already running", "not running", "can't lock file", "is locked",
		"if it's a template", "is a template"}
)

func has(text string, words []string) bool {
	text = strings.ToLower(text)
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// classify wraps err with where it happened and the providers sentinel
// that says what kind of failure it is. Context errors stay as they are
// underneath, so errors.Is(err, context.Canceled) holds.
func classify(where string, err error) error {
	if err == nil {
		return nil
	}
	where = "proxmox " + where
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", where, err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.Code == 401 || apiErr.Code == 403:
			return fmt.Errorf("%s: %w: %w", where, providers.ErrAuth, err)
		case apiErr.throttled():
			return fmt.Errorf("%s: %w (retries used up): %w", where, providers.ErrThrottled, err)
		case apiErr.Code == 595 || apiErr.Code == 502 || apiErr.Code == 504:
			// 595: pveproxy could not reach the node that holds the guest.
			return fmt.Errorf("%s: %w: %w", where, providers.ErrUnreachable, err)
		case apiErr.Code == 500 && has(apiErr.Message, notFoundWords):
			return fmt.Errorf("%s: %w: %w", where, providers.ErrNotFound, err)
		case apiErr.Code == 500 && has(apiErr.Message, invalidStateWords):
			return fmt.Errorf("%s: %w: %w", where, providers.ErrInvalidState, err)
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	if errors.Is(err, pve.ErrNotAuthorized) {
		return fmt.Errorf("%s: %w: %w", where, providers.ErrAuth, err)
	}
	var (
		pinErr      *PinError
		verifyErr   *tls.CertificateVerificationError
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		netErr      net.Error
		urlErr      *url.Error
		recordError tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &pinErr):
		return fmt.Errorf("%s: %w: TLS: %w", where, providers.ErrUnreachable, err)
	case errors.As(err, &verifyErr), errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &recordError):
		return fmt.Errorf("%s: %w: TLS: %w", where, providers.ErrUnreachable, err)
	case errors.As(err, &netErr), errors.As(err, &urlErr):
		// Anything the HTTP transport itself failed at: refused, DNS, reset.
		return fmt.Errorf("%s: %w: %w", where, providers.ErrUnreachable, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// taskError is the failure of a worker task, its exit status saying why.
func taskError(where, upid, exit string) error {
	err := fmt.Errorf("task %s failed: %s", upid, exit)
	switch {
	case has(exit, notFoundWords):
		return fmt.Errorf("proxmox %s: %w: %w", where, providers.ErrNotFound, err)
	case has(exit, invalidStateWords):
		return fmt.Errorf("proxmox %s: %w: %w", where, providers.ErrInvalidState, err)
	}
	return fmt.Errorf("proxmox %s: %w", where, err)
}
