package ec2sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The simulator checks Signature Version 4 the way AWS does: it rebuilds the
// canonical request from what it received (method, path, query, the headers
// the client listed as signed, the hash of the body), derives the signing key
// from the secret it holds for the access key, and compares signatures. A
// wrong secret, a changed body or a changed signed header all fail.

const sigV4Algorithm = "AWS4-HMAC-SHA256"

// scope is the credential scope of a signature: who signed, when, for which
// region and service.
type scope struct {
	AccessKey string
	Date      string // yyyymmdd
	Region    string
	Service   string // "ec2" or "sts"
}

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	Scope         scope
	SignedHeaders []string
	Signature     string
}

var errMalformedAuth = errors.New("malformed Authorization header")

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/20260101/
// us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=…".
func parseAuthorization(h string) (authorization, error) {
	var a authorization
	rest, ok := strings.CutPrefix(h, sigV4Algorithm+" ")
	if !ok {
		return a, errMalformedAuth
	}
	var cred, signed string
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, errMalformedAuth
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			a.Signature = v
		}
	}
	fields := strings.Split(cred, "/")
	if len(fields) != 5 || fields[4] != "aws4_request" || signed == "" || a.Signature == "" {
		return a, errMalformedAuth
	}
	for _, f := range fields[:4] {
		if f == "" {
			return a, errMalformedAuth
		}
	}
	a.Scope = scope{AccessKey: fields[0], Date: fields[1], Region: fields[2], Service: fields[3]}
	a.SignedHeaders = strings.Split(signed, ";")
	if !slices.Contains(a.SignedHeaders, "host") {
		return a, errMalformedAuth
	}
	return a, nil
}

// requestTime is the request's X-Amz-Date, which must match the scope's day.
func requestTime(r *http.Request, a authorization) (time.Time, error) {
	v := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", v)
	if err != nil || !strings.HasPrefix(v, a.Scope.Date) {
		return time.Time{}, errMalformedAuth
	}
	return t, nil
}

// signature computes the SigV4 signature of r (whose body is body) as a
// holder of secret would have.
func signature(r *http.Request, body []byte, a authorization, secret string) string {
	canonical := canonicalRequest(r, body, a.SignedHeaders)
	sum := sha256.Sum256([]byte(canonical))
	scopeStr := strings.Join([]string{a.Scope.Date, a.Scope.Region, a.Scope.Service, "aws4_request"}, "/")
	toSign := strings.Join([]string{sigV4Algorithm, r.Header.Get("X-Amz-Date"), scopeStr, hex.EncodeToString(sum[:])}, "\n")
	key := hmacSHA256([]byte("AWS4"+secret), a.Scope.Date)
	key = hmacSHA256(key, a.Scope.Region)
	key = hmacSHA256(key, a.Scope.Service)
	key = hmacSHA256(key, "aws4_request")
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

// validSignature compares in constant time.
func validSignature(r *http.Request, body []byte, a authorization, secret string) bool {
	want := signature(r, body, a, secret)
	return hmac.Equal([]byte(want), []byte(strings.ToLower(a.Signature)))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func canonicalRequest(r *http.Request, body []byte, signed []string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	// Services other than S3 escape the already escaped path once more.
	b.WriteString(uriEscape(path, false))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r))
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	sum := sha256.Sum256(body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// headerValue is a signed header's canonical value: Go's server keeps Host
// and Content-Length out of r.Header, so they come from the request itself.
func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(name)
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

func canonicalQuery(r *http.Request) string {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		for _, v := range vals {
			parts = append(parts, uriEscape(k, true)+"="+uriEscape(v, true))
		}
	}
	return strings.Join(parts, "&")
}

// uriEscape escapes everything but RFC 3986's unreserved characters (and '/'
// unless slash is set), with upper-case hex as SigV4 requires.
func uriEscape(s string, slash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || c == '/' && !slash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
