package armsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// armError is ARM's error envelope.
type armError struct {
	Error armErrorBody `json:"error"`
}

type armErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-request-id", newID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, armError{armErrorBody{Code: code, Message: message}})
}

// throttled is ARM's answer when a subscription's read budget is spent.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", "0")
	writeError(w, http.StatusTooManyRequests, "TooManyRequests",
		"The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. "+
			"For more information, see - https://aka.ms/armthrottling")
}

func (s *Server) failed(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusInternalServerError, "InternalServerError", fmt.Sprintf(
		"Encountered internal server error. Diagnostic information: timestamp '%s', tracking id '%s'.",
		time.Now().UTC().Format("20060102T150405Z"), newID()))
}

// authenticated checks the bearer token the way ARM does: missing, unknown,
// expired and wrong-audience tokens each get their own 401.
func (s *Server) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			writeError(w, http.StatusUnauthorized, "AuthenticationFailed",
				"Authentication failed. The 'Authorization' header is missing.")
			return
		}
		s.mu.Lock()
		t, known := s.tokens[raw]
		now := s.now()
		s.mu.Unlock()
		switch {
		case !known:
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken",
				"The access token is invalid.")
		case !now.Before(t.expires):
			writeError(w, http.StatusUnauthorized, "ExpiredAuthenticationToken", fmt.Sprintf(
				"The access token expiry UTC time '%s' is earlier than current UTC time '%s'.",
				t.expires.UTC().Format("1/2/2006 3:04:05 PM"), now.UTC().Format("1/2/2006 3:04:05 PM")))
		case strings.TrimSuffix(t.audience, "/") != baseURL(r):
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationTokenAudience",
				fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. "+
					"It should exactly match with one of the allowed audiences '%s'.", t.audience, baseURL(r)))
		default:
			next.ServeHTTP(w, r)
		}
	})
}

var apiVersionRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview)?$`)

// withAPIVersion refuses requests without a well-formed api-version, as ARM does.
func (s *Server) withAPIVersion(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query().Get("api-version")
		switch {
		case v == "":
			writeError(w, http.StatusBadRequest, "MissingApiVersionParameter",
				"The api-version query parameter (?api-version=) is required for all requests.")
		case !apiVersionRE.MatchString(v):
			writeError(w, http.StatusBadRequest, "InvalidApiVersionParameter",
				fmt.Sprintf("The api-version '%s' is invalid. The supported versions are '2025-04-01'.", v))
		default:
			next.ServeHTTP(w, r)
		}
	})
}
