package gcesim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// writeJSON answers 200 with v.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

// statusWords are the canonical status names Google APIs put beside the
// HTTP code.
var statusWords = map[int]string{
	http.StatusBadRequest:          "INVALID_ARGUMENT",
	http.StatusUnauthorized:        "UNAUTHENTICATED",
	http.StatusForbidden:           "PERMISSION_DENIED",
	http.StatusNotFound:            "NOT_FOUND",
	http.StatusTooManyRequests:     "RESOURCE_EXHAUSTED",
	http.StatusInternalServerError: "INTERNAL",
	http.StatusServiceUnavailable:  "UNAVAILABLE",
}

// writeError answers in the shape of every Google JSON API error:
// {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.
func writeError(w http.ResponseWriter, code int, reason, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	domain := "global"
	if reason == "rateLimitExceeded" && code == http.StatusForbidden {
		domain = "usageLimits"
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/"`)
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(apiError{Error: apiErrorBody{
		Code:    code,
		Message: msg,
		Errors:  []apiErrorItem{{Message: msg, Domain: domain, Reason: reason}},
		Status:  statusWords[code],
	}})
}

func notFound(w http.ResponseWriter, resource string) {
	writeError(w, http.StatusNotFound, "notFound", "The resource '%s' was not found", resource)
}

// throttled is what Compute Engine answers when a project's API rate quota
// is spent: 429 (or 403 on older paths) with reason rateLimitExceeded.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request) {
	if s.opts.ThrottleStatus == http.StatusForbidden {
		writeError(w, http.StatusForbidden, "rateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	writeError(w, http.StatusTooManyRequests, "rateLimitExceeded",
		"Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service 'compute.googleapis.com' for consumer 'project_number:%d'.", projectNumber)
}

func (s *Server) failed(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusServiceUnavailable, "backendError", "Internal error. Please try again or contact Google Support.")
}
