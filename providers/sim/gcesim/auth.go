package gcesim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The sim is its own OAuth 2.0 server for service accounts, the way
// https://oauth2.googleapis.com/token works for a service-account key
// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest):
// the client signs a JWT with the key's private half (RS256, iss = the
// account's email, aud = the token URI, iat/exp at most an hour apart) and
// POSTs it as grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer; the
// server checks the signature with the public half and answers with a
// bearer token the API then accepts.

const (
	jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	tokenLifetime  = time.Hour
	clockSkew      = 5 * time.Minute
)

// tokens holds the service account's key and the access tokens issued.
type tokens struct {
	email string
	keyID string
	key   *rsa.PrivateKey

	mu     sync.Mutex
	issued map[string]time.Time // access token → expiry
}

func newTokens(email string, key *rsa.PrivateKey) (*tokens, error) {
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("gcesim: generate service account key: %w", err)
		}
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("gcesim: marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &tokens{email: email, keyID: hex.EncodeToString(sum[:20]), key: key, issued: map[string]time.Time{}}, nil
}

// KeyJSON returns a service-account key file, as the IAM console downloads
// it, for email and key with token_uri set to tokenURI.
func KeyJSON(tokenURI, email, keyID string, key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("gcesim: marshal private key: %w", err)
	}
	project := "sim"
	if _, domain, ok := strings.Cut(email, "@"); ok {
		project, _, _ = strings.Cut(domain, ".")
	}
	return json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  project,
		"private_key_id":              keyID,
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":                email,
		"client_id":                   "100000000000000000001",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_x509_cert_url":        "https://www.googleapis.com/robot/v1/metadata/x509/" + url.PathEscape(email),
		"universe_domain":             "googleapis.com",
	}, "", "  ")
}

// tokenError answers as Google's token endpoint does: 400 with an OAuth
// error code.
func tokenError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// serveToken is POST /token.
func (t *tokens) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", "Could not parse the request body.")
		return
	}
	if g := r.PostForm.Get("grant_type"); g != jwtBearerGrant {
		tokenError(w, "unsupported_grant_type", "Invalid grant_type: "+g)
		return
	}
	if err := t.verify(r.PostForm.Get("assertion"), time.Now()); err != nil {
		tokenError(w, "invalid_grant", err.Error())
		return
	}
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	tok := "ya29.sim-" + base64.RawURLEncoding.EncodeToString(buf)
	now := time.Now()
	t.mu.Lock()
	for k, exp := range t.issued { // bounded by the tokens issued in the last hour
		if now.After(exp) {
			delete(t.issued, k)
		}
	}
	t.issued[tok] = now.Add(tokenLifetime)
	t.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"expires_in":   int(tokenLifetime.Seconds()) - 1,
		"token_type":   "Bearer",
	})
}

// verify checks a JWT-bearer assertion: RS256 signed by our key, issued by
// our service account, for the token endpoint, short-lived and current.
// The messages are Google's.
func (t *tokens) verify(assertion string, now time.Time) error {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return errors.New("Invalid JWT: malformed assertion.")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss   string `json:"iss"`
		Aud   string `json:"aud"`
		Scope string `json:"scope"`
		Iat   int64  `json:"iat"`
		Exp   int64  `json:"exp"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil || hdr.Alg != "RS256" {
		return errors.New("Invalid JWT: unsupported or missing algorithm.")
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return errors.New("Invalid JWT: claims are not JSON.")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return errors.New("Invalid JWT Signature.")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&t.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return errors.New("Invalid JWT Signature.")
	}
	if claims.Iss != t.email {
		return errors.New("Invalid grant: account not found")
	}
	if u, err := url.Parse(claims.Aud); err != nil || u.Path != "/token" {
		return errors.New("Invalid JWT: Failed audience check.")
	}
	iat, exp := time.Unix(claims.Iat, 0), time.Unix(claims.Exp, 0)
	if exp.Sub(iat) > tokenLifetime || iat.After(now.Add(clockSkew)) || exp.Before(now.Add(-clockSkew)) {
		return errors.New("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	}
	if claims.Scope == "" {
		return errors.New("Invalid grant: missing scope")
	}
	return nil
}

func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// authorized reports whether r carries an access token we issued and that
// has not expired.
func (t *tokens) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	t.mu.Lock()
	exp, ok := t.issued[tok]
	t.mu.Unlock()
	return ok && time.Now().Before(exp)
}

// requireToken answers 401 the way Google APIs do for a missing or
// unknown bearer token.
func (t *tokens) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !t.authorized(r) {
			writeError(w, http.StatusUnauthorized, "authError",
				"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.")
			return
		}
		next.ServeHTTP(w, r)
	})
}
