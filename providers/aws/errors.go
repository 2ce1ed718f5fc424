package aws

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/neogenesys/console/providers"
)

// Error codes of EC2 and STS, by the sentinel they mean.
var codeSentinels = map[string]error{
	"AuthFailure":                 providers.ErrAuth,
	"UnauthorizedOperation":       providers.ErrAuth,
	"InvalidClientTokenId":        providers.ErrAuth,
	"SignatureDoesNotMatch":       providers.ErrAuth,
	"MissingAuthenticationToken":  providers.ErrAuth,
	"ExpiredToken":                providers.ErrAuth,
	"AccessDenied":                providers.ErrAuth, // STS AssumeRole refused
	"RequestLimitExceeded":        providers.ErrThrottled,
	"Throttling":                  providers.ErrThrottled,
	"ThrottlingException":         providers.ErrThrottled,
	"InvalidInstanceID.NotFound":  providers.ErrNotFound,
	"InvalidInstanceID.Malformed": providers.ErrNotFound,
	"IncorrectInstanceState":      providers.ErrInvalidState,
}

// wrapped is an error that says where it happened and what it means, and
// unwraps to both the sentinel and the SDK's error.
type wrapped struct {
	msg  string
	errs []error
}

func (e *wrapped) Error() string   { return e.msg }
func (e *wrapped) Unwrap() []error { return e.errs }

// classify turns an SDK error into one the console understands, prefixed
// with where (a region, or "sts"). The SDK has already retried what it
// retries, so a throttling code here means the budget ran out.
func classify(ctx context.Context, where string, err error) error {
	if err == nil {
		return nil
	}
	prefix := "aws " + where + ": "
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// The SDK may report an aborted request as a send failure; what
		// the caller needs to see is the cancellation.
		return &wrapped{prefix + ctx.Err().Error(), []error{ctx.Err(), err}}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("aws %s: %w", where, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		detail := api.ErrorCode() + ": " + api.ErrorMessage()
		if s, ok := codeSentinels[api.ErrorCode()]; ok {
			return &wrapped{prefix + s.Error() + ": " + detail, []error{s, err}}
		}
		return &wrapped{prefix + detail, []error{err}}
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return &wrapped{prefix + providers.ErrUnreachable.Error() + ": " + send.Err.Error(), []error{providers.ErrUnreachable, err}}
	}
	var creds *credentialsError
	if errors.As(err, &creds) {
		return &wrapped{prefix + providers.ErrAuth.Error() + ": no usable credentials: " + creds.err.Error(),
			[]error{providers.ErrAuth, err}}
	}
	return fmt.Errorf("aws %s: %w", where, err)
}
