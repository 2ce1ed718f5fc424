package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/neogenesys/console/providers"
)

// classify turns an SDK error into one that wraps the providers sentinel
// it stands for, with a one-line message saying where ("subscription …",
// "vm rg/name") and what the service said. since is when the call began,
// to tell a token request that could not be sent from one that was refused.
func (p *Provider) classify(ctx context.Context, where string, err error, since time.Time) error {
	if err == nil {
		return nil
	}
	// First: azidentity reports a cancelled token request as an
	// authentication failure.
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("azure %s: %w", where, ctxErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("azure %s: %w", where, err)
	}

	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) {
		if authErr.RawResponse == nil {
			if netErr := p.tp.netErrSince(since); netErr != nil {
				return fmt.Errorf("azure %s: %w: login host: %v", where, providers.ErrUnreachable, netErr)
			}
			return fmt.Errorf("azure %s: %w: %s", where, providers.ErrAuth, firstLine(authErr.Error()))
		}
		return fmt.Errorf("azure %s: %w: %s", where, providers.ErrAuth, entraDetail(authErr.RawResponse))
	}

	var respErr *azcore.ResponseError
	if errors.As(err, &respErr) {
		detail := armDetail(respErr)
		switch respErr.StatusCode {
		case http.StatusUnauthorized:
			return fmt.Errorf("azure %s: %w: %s", where, providers.ErrAuth, detail)
		case http.StatusForbidden:
			return fmt.Errorf("azure %s: %w (they lack a permission): %s", where, providers.ErrAuth, detail)
		case http.StatusNotFound:
			return fmt.Errorf("azure %s: %w: %s", where, providers.ErrNotFound, detail)
		case http.StatusConflict:
			return fmt.Errorf("azure %s: %w: %s", where, providers.ErrInvalidState, detail)
		case http.StatusTooManyRequests:
			return fmt.Errorf("azure %s: %w (retries exhausted): %s", where, providers.ErrThrottled, detail)
		}
		return fmt.Errorf("azure %s: HTTP %d: %s", where, respErr.StatusCode, detail)
	}

	if isNetErr(err) {
		return fmt.Errorf("azure %s: %w: %v", where, providers.ErrUnreachable, err)
	}
	// Whatever else the credential refuses with (no managed identity
	// endpoint, no az login, no workload identity token file) is marked
	// non-retriable by the bearer token policy.
	var nr interface{ NonRetriable() }
	if errors.As(err, &nr) {
		return fmt.Errorf("azure %s: %w: no usable credentials: %s", where, providers.ErrAuth, firstLine(err.Error()))
	}
	return fmt.Errorf("azure %s: %w", where, err)
}

// armDetail is "Code: message" from ARM's error body, or the status line.
func armDetail(e *azcore.ResponseError) string {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if e.RawResponse != nil {
		if b, err := runtime.Payload(e.RawResponse); err == nil {
			_ = json.Unmarshal(b, &body)
		}
	}
	code, msg := body.Error.Code, body.Error.Message
	if code == "" {
		code = e.ErrorCode
	}
	if code == "" && e.RawResponse != nil {
		code = e.RawResponse.Status
	}
	if msg == "" {
		return code
	}
	return code + ": " + firstLine(msg)
}

// entraDetail is "error: description" from an Entra ID token error, without
// the trace and correlation lines Entra appends.
func entraDetail(resp *http.Response) string {
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if b, err := runtime.Payload(resp); err == nil {
		_ = json.Unmarshal(b, &body)
	}
	if body.Error == "" {
		return fmt.Sprintf("token request answered %s", resp.Status)
	}
	return body.Error + ": " + firstLine(body.Description)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}
