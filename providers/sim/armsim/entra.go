package armsim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// token is what an issued access token grants.
type token struct {
	audience string // the scope without "/.default"
	expires  time.Time
}

// entraError is the OAuth 2.0 error body Entra ID answers token requests with.
type entraError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
}

func writeEntraError(w http.ResponseWriter, status int, code string, aadsts int, description string) {
	now := time.Now().UTC()
	trace, corr := newID(), newID()
	writeJSON(w, status, entraError{
		Error: code,
		// Entra appends the trace, correlation and time lines to every description.
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			aadsts, description, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		ErrorCodes:    []int{aadsts},
		Timestamp:     now.Format("2006-01-02 15:04:05Z"),
		TraceID:       trace,
		CorrelationID: corr,
	})
}

// openIDConfiguration is the tenant discovery document MSAL reads to find
// the token endpoint when instance discovery is off (private clouds, tests).
// MSAL checks that the issuer's scheme and host match the authority.
func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !s.knownTenant(tenant) {
		writeEntraError(w, http.StatusBadRequest, "invalid_tenant", 90002,
			fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return
	}
	base := baseURL(r) + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              baseURL(r) + "/" + tenant + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     baseURL(r) + "/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
	})
}

func (s *Server) knownTenant(t string) bool {
	return strings.EqualFold(t, s.opts.TenantID) || strings.EqualFold(t, "organizations")
}

// issueToken answers the client-credentials grant MSAL's confidential client
// sends: a form with grant_type, client_id, client_secret and scope
// ("<audience>/.default").
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store, no-cache")
	if err := r.ParseForm(); err != nil {
		writeEntraError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	tenant := r.PathValue("tenant")
	f := r.PostForm
	// MSAL sends "<audience>/.default openid offline_access profile";
	// Entra ignores the OpenID scopes in a client-credentials grant.
	var resources []string
	for _, sc := range strings.Fields(f.Get("scope")) {
		switch sc {
		case "openid", "offline_access", "profile", "email":
		default:
			resources = append(resources, sc)
		}
	}
	switch {
	case !s.knownTenant(tenant):
		writeEntraError(w, http.StatusBadRequest, "invalid_tenant", 90002,
			fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
	case f.Get("grant_type") != "client_credentials":
		writeEntraError(w, http.StatusBadRequest, "unsupported_grant_type", 70003,
			"The app requested an unsupported grant type '"+f.Get("grant_type")+"'.")
	case f.Get("scope") == "":
		writeEntraError(w, http.StatusBadRequest, "invalid_request", 900144,
			"The request body must contain the following parameter: 'scope'.")
	case len(resources) != 1 || !strings.HasSuffix(resources[0], "/.default"):
		writeEntraError(w, http.StatusBadRequest, "invalid_scope", 1002012,
			"The provided value for scope "+f.Get("scope")+" is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
	case !strings.EqualFold(f.Get("client_id"), s.opts.ClientID):
		writeEntraError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
			f.Get("client_id"), tenant))
	case f.Get("client_secret") == "":
		writeEntraError(w, http.StatusUnauthorized, "invalid_client", 7000216,
			"'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
	case subtle.ConstantTimeCompare([]byte(f.Get("client_secret")), []byte(s.opts.ClientSecret)) != 1:
		writeEntraError(w, http.StatusUnauthorized, "invalid_client", 7000215,
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+s.opts.ClientID+"'.")
	default:
		access := s.grant(strings.TrimSuffix(resources[0], "/.default"))
		secs := int(s.opts.TokenLifetime/time.Second) - 1
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type":     "Bearer",
			"expires_in":     secs,
			"ext_expires_in": secs,
			"access_token":   access,
		})
	}
}

// grant issues an opaque access token; expired ones are forgotten on the way.
func (s *Server) grant(audience string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	access := "eyJ0eXAiOiJKV1QifQ." + base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, t := range s.tokens {
		if now.After(t.expires.Add(time.Hour)) {
			delete(s.tokens, k)
		}
	}
	s.tokens[access] = token{audience: audience, expires: now.Add(s.opts.TokenLifetime)}
	return access
}

// newID is a random GUID, the shape of every ARM and Entra id.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
