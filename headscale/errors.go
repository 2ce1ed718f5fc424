package headscale

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed Headscale call: the operation, the sentinel it maps to
// (nil when none fits) and Headscale's own message.
type Error struct {
	Op      string // gRPC method, e.g. "RenameNode"
	Kind    error  // one of the sentinel errors, or nil
	Message string // Headscale's message, safe to show
	Err     error  // the underlying error
}

func (e *Error) Error() string {
	if e.Kind != nil {
		return fmt.Sprintf("headscale %s: %v: %s", e.Op, e.Kind, e.Message)
	}
	return fmt.Sprintf("headscale %s: %s", e.Op, e.Message)
}

// Unwrap lets errors.Is match both the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Err}
}

// mapError turns an error from a gRPC call into an *Error wrapping the
// sentinel that fits. It is the one place gRPC codes are interpreted.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Op: op, Err: err, Message: err.Error()}
	if errors.Is(err, context.DeadlineExceeded) {
		e.Kind, e.Message = ErrUnavailable, "call timed out"
		return e
	}
	if errors.Is(err, context.Canceled) {
		e.Message = "call canceled"
		return e
	}
	st, ok := status.FromError(err)
	if !ok {
		e.Kind = ErrUnavailable
		return e
	}
	e.Message = st.Message()
	msg := strings.ToLower(st.Message())
	switch st.Code() {
	case codes.NotFound:
		e.Kind = ErrNotFound
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		e.Kind = ErrInvalidArgument
	case codes.AlreadyExists:
		e.Kind = ErrConflict
	case codes.Unauthenticated, codes.PermissionDenied:
		e.Kind = ErrUnauthenticated
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted:
		e.Kind = ErrUnavailable
		if st.Code() == codes.DeadlineExceeded {
			e.Message = "call timed out"
		}
	case codes.Canceled:
		e.Message = "call canceled"
	case codes.Internal, codes.Unknown:
		// Headscale returns many plain Go errors (code Unknown) and reports a
		// malformed API key as Internal "validating token".
		e.Kind = kindFromMessage(msg)
	}
	return e
}

// kindFromMessage classifies the plain-error messages Headscale v0.29 sends
// with code Unknown or Internal.
func kindFromMessage(msg string) error {
	switch {
	case strings.Contains(msg, "validating token"), strings.Contains(msg, "invalid token"),
		strings.Contains(msg, "unauthorized"):
		return ErrUnauthenticated
	case strings.Contains(msg, "not found"), strings.Contains(msg, "no rows"):
		return ErrNotFound
	case strings.Contains(msg, "already exists"), strings.Contains(msg, "unique constraint"),
		strings.Contains(msg, "already in use"):
		return ErrConflict
	case strings.Contains(msg, "invalid"), strings.Contains(msg, "must "), strings.Contains(msg, "cannot"),
		strings.Contains(msg, "parsing"), strings.Contains(msg, "not allowed"), strings.Contains(msg, "requires"),
		strings.Contains(msg, "should be"), strings.Contains(msg, "too long"):
		return ErrInvalidArgument
	}
	return nil
}
