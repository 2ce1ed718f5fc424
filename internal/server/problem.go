package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/auth"
	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/enroll"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// Problem is an RFC 9457 problem document, with a stable machine-readable
// code and, where one helps, a hint on what to do next.
type Problem struct {
	Type         string `json:"type"`
	Title        string `json:"title"`
	Status       int    `json:"status"`
	Detail       string `json:"detail,omitempty"`
	Code         string `json:"code"`
	RecoveryHint string `json:"recoveryHint,omitempty"`
	// Errors lists invalid fields, for forms.
	Errors []headscale.FieldError `json:"errors,omitempty"`
}

// Errors raised by the HTTP layer itself.
var (
	errNotFound         = errors.New("not found")
	errForbidden        = errors.New("forbidden")
	errBadRequest       = errors.New("bad request")
	errBodyTooLarge     = errors.New("request body too large")
	errUnsupportedMedia = errors.New("unsupported media type")
	errCrossOrigin      = errors.New("cross-origin request refused")
	errConflict         = errors.New("conflict")
	errInvalidPolicy    = errors.New("invalid policy")
)

// rateLimitedError carries how long to wait.
type rateLimitedError struct{ retryAfter time.Duration }

func (e rateLimitedError) Error() string {
	return fmt.Sprintf("too many requests; retry after %s", e.retryAfter.Round(time.Second))
}

// badRequest wraps errBadRequest with a message for the client.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, args...))
}

// problemFor is the one place errors become HTTP statuses.
func problemFor(err error) Problem {
	var rl rateLimitedError
	var he *headscale.Error
	var fe fieldErrors
	switch {
	case errors.As(err, &fe):
		return Problem{Status: http.StatusBadRequest, Code: "invalid_request", Detail: err.Error(), Errors: fe}
	case errors.Is(err, errInvalidSetupToken):
		return Problem{Status: http.StatusUnauthorized, Code: "invalid_setup_token", Detail: "the setup token is not valid",
			RecoveryHint: "Copy the setup token from the console's log (it is printed at start while no admin exists), or run `neoconsole admin create`."}
	case errors.As(err, &rl):
		return Problem{Status: http.StatusTooManyRequests, Code: "rate_limited", Detail: err.Error(),
			RecoveryHint: "Wait for the time in the Retry-After header, then try again."}
	case errors.Is(err, auth.ErrInvalidCredentials):
		return Problem{Status: http.StatusUnauthorized, Code: "invalid_credentials", Detail: "invalid username or password"}
	case errors.Is(err, auth.ErrUnauthenticated):
		return Problem{Status: http.StatusUnauthorized, Code: "unauthenticated", Detail: "sign in, or send an API token as 'Authorization: Bearer nct_…'",
			RecoveryHint: "Your session may have expired: sign in again."}
	case errors.Is(err, errForbidden):
		return Problem{Status: http.StatusForbidden, Code: "forbidden", Detail: err.Error()}
	case errors.Is(err, errCrossOrigin):
		return Problem{Status: http.StatusForbidden, Code: "cross_origin", Detail: "cross-origin request refused",
			RecoveryHint: "Use the console from its own address, or call the API with a bearer token."}
	case errors.Is(err, errBodyTooLarge):
		return Problem{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Detail: err.Error()}
	case errors.Is(err, errUnsupportedMedia):
		return Problem{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Detail: err.Error()}
	case errors.Is(err, errBadRequest), errors.Is(err, auth.ErrInvalidInput), errors.Is(err, auth.ErrWeakPassword),
		errors.Is(err, enroll.ErrInvalid), errors.Is(err, clouds.ErrInvalid):
		return Problem{Status: http.StatusBadRequest, Code: "invalid_request", Detail: err.Error()}
	case errors.Is(err, errInvalidPolicy):
		return Problem{Status: http.StatusBadRequest, Code: "invalid_policy", Detail: err.Error(),
			RecoveryHint: "Fix the policy where Headscale points, then check it again."}
	case errors.Is(err, errNotFound), errors.Is(err, store.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Code: "not_found", Detail: err.Error()}
	case errors.Is(err, errConflict), errors.Is(err, store.ErrConflict):
		return Problem{Status: http.StatusConflict, Code: "conflict", Detail: err.Error()}
	case errors.Is(err, headscale.ErrUnavailable):
		return Problem{Status: http.StatusServiceUnavailable, Code: "headscale_unavailable",
			Detail: "Headscale is not answering: " + err.Error(), RecoveryHint: "Check the Headscale health in Settings; the console retries by itself."}
	case errors.As(err, &he):
		return headscaleProblem(he)
	case errors.Is(err, providers.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Code: "not_found", Detail: err.Error()}
	case errors.Is(err, providers.ErrInvalidState):
		return Problem{Status: http.StatusConflict, Code: "invalid_state", Detail: err.Error(),
			RecoveryHint: "Wait for the VM to finish its current transition, then try again."}
	case errors.Is(err, providers.ErrAuth):
		return Problem{Status: http.StatusBadGateway, Code: "cloud_auth_failed", Detail: err.Error(),
			RecoveryHint: "Update the cloud account's credentials, then test the connection."}
	case errors.Is(err, providers.ErrThrottled):
		return Problem{Status: http.StatusServiceUnavailable, Code: "cloud_throttled", Detail: err.Error(),
			RecoveryHint: "The provider is rate-limiting the console; try again in a minute."}
	case errors.Is(err, providers.ErrUnreachable):
		return Problem{Status: http.StatusBadGateway, Code: "cloud_unreachable", Detail: err.Error()}
	case errors.Is(err, secrets.ErrDecrypt):
		return Problem{Status: http.StatusInternalServerError, Code: "secrets_unreadable", Detail: err.Error(),
			RecoveryHint: "The master key (NEOCONSOLE_SECRET_KEY or data_dir/secret.key) is not the one the credentials were sealed with."}
	}
	return Problem{Status: http.StatusInternalServerError, Code: "internal", Detail: "internal error; see the console's log"}
}

func headscaleProblem(he *headscale.Error) Problem {
	switch {
	case errors.Is(he, headscale.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Code: "not_found", Detail: he.Message}
	case errors.Is(he, headscale.ErrInvalidArgument):
		return Problem{Status: http.StatusBadRequest, Code: "invalid_request", Detail: "Headscale refused it: " + he.Message}
	case errors.Is(he, headscale.ErrConflict):
		return Problem{Status: http.StatusConflict, Code: "conflict", Detail: he.Message}
	case errors.Is(he, headscale.ErrUnauthenticated):
		return Problem{Status: http.StatusBadGateway, Code: "headscale_auth_failed", Detail: "Headscale rejected the console's API key",
			RecoveryHint: "Set a valid headscale.external.api_key (headscale apikeys create --expiration 90d)."}
	}
	return Problem{Status: http.StatusBadGateway, Code: "headscale_error", Detail: "Headscale failed: " + he.Message}
}

// writeError sends err as a problem document. Server faults are logged.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var rl rateLimitedError
	if errors.As(err, &rl) {
		writeRateLimited(w, rl.retryAfter)
		return
	}
	p := problemFor(err)
	if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The client went away (a closed tab, an aborted fetch): nobody
		// reads the answer and nothing failed on our side.
		log.Debug("request canceled by the client", "method", r.Method, "path", r.URL.Path)
		return
	}
	if p.Status >= 500 && p.Code != "headscale_unavailable" {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	p.Type = "urn:neoconsole:problem:" + p.Code
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeRateLimited answers 429 with Retry-After.
func writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	secs := int(wait.Seconds() + 0.999)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeProblem(w, problemFor(rateLimitedError{retryAfter: time.Duration(secs) * time.Second}))
}

// writeJSON sends v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
