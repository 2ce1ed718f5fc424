package proxmox

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	pve "github.com/luthermonson/go-proxmox"

	"github.com/neogenesys/console/providers"
)

func TestClassify(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Get", URL: "https://pve:8006/api2/json/x", Err: err} }
	for _, tc := range []struct {
		err  error
		want error // nil: none of the sentinels
	}{
		{urlErr(&APIError{Code: 401, Message: "authentication failure"}), providers.ErrAuth},
		{urlErr(&APIError{Code: 403, Message: "Permission check failed (/vms/100, VM.PowerMgmt)"}), providers.ErrAuth},
		{pve.ErrNotAuthorized, providers.ErrAuth},
		{urlErr(&APIError{Code: 503, Message: "Service Unavailable"}), providers.ErrThrottled},
		{urlErr(&APIError{Code: 429, Message: "Too Many Requests"}), providers.ErrThrottled},
		{urlErr(&APIError{Code: 595, Message: "No route to host"}), providers.ErrUnreachable},
		{urlErr(&APIError{Code: 500, Message: "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist"}), providers.ErrNotFound},
		{urlErr(&APIError{Code: 500, Message: "VM 100 already running"}), providers.ErrInvalidState},
		{urlErr(&APIError{Code: 500, Message: "CT 101 not running"}), providers.ErrInvalidState},
		{urlErr(&APIError{Code: 500, Message: "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout"}), providers.ErrInvalidState},
		{urlErr(&APIError{Code: 500, Message: "QEMU guest agent is not running"}), providers.ErrInvalidState},
		{urlErr(&APIError{Code: 400, Message: "Parameter verification failed."}), nil},
		{urlErr(errors.New("dial tcp 127.0.0.1:1: connect: connection refused")), providers.ErrUnreachable},
		{urlErr(&PinError{Got: "AA", Want: "BB"}), providers.ErrUnreachable},
		{urlErr(context.Canceled), context.Canceled},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), context.DeadlineExceeded},
		{errors.New("unexpected end of JSON input"), nil},
	} {
		got := classify("test", tc.err)
		if !strings.HasPrefix(got.Error(), "proxmox test: ") {
			t.Errorf("classify(%v) = %q, want it to say where", tc.err, got)
		}
		sentinels := []error{providers.ErrAuth, providers.ErrThrottled, providers.ErrUnreachable,
			providers.ErrNotFound, providers.ErrInvalidState, context.Canceled, context.DeadlineExceeded}
		for _, s := range sentinels {
			if errors.Is(got, s) != (s == tc.want) {
				t.Errorf("classify(%v) = %v: errors.Is(%v) = %v", tc.err, got, s, errors.Is(got, s))
			}
		}
		if tc.want == providers.ErrAuth && !strings.Contains(got.Error(), "credentials") {
			t.Errorf("auth error %q does not mention the credentials", got)
		}
	}
	if classify("x", nil) != nil {
		t.Error("classify(nil) is not nil")
	}
}

func TestTaskError(t *testing.T) {
	for exit, want := range map[string]error{
		"VM 100 already running": providers.ErrInvalidState,
		"Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist": providers.ErrNotFound,
		"start failed: QEMU exited with code 1":                               nil,
	} {
		err := taskError("start qemu/100", "UPID:pve1:1:2:3:qmstart:100:root@pam:", exit)
		if want != nil && !errors.Is(err, want) || want == nil && (errors.Is(err, providers.ErrNotFound) || errors.Is(err, providers.ErrInvalidState)) {
			t.Errorf("taskError(%q) = %v, want %v", exit, err, want)
		}
		if !strings.Contains(err.Error(), exit) {
			t.Errorf("taskError(%q) = %q does not carry the exit status", exit, err)
		}
	}
	for exit, ok := range map[string]bool{"OK": true, "WARNINGS: 2": true, "": false, "interrupted by signal": false} {
		if taskOK(exit) != ok {
			t.Errorf("taskOK(%q) = %v", exit, !ok)
		}
	}
}
