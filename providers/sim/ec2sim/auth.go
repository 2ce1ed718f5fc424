package ec2sim

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// principal is who made a call, as GetCallerIdentity reports it.
type principal struct {
	Account string
	ARN     string
	UserID  string
}

// tempCredential is a key issued by AssumeRole.
type tempCredential struct {
	Secret  string
	Token   string
	Expires time.Time
	Who     principal
}

// maxTempCredentials bounds the keys AssumeRole keeps; the oldest expiring
// go first when it is reached.
const maxTempCredentials = 1024

const ec2AuthFailure = "AWS was not able to validate the provided access credentials"

// authenticate checks the request's SigV4 signature and says who signed it.
// The error codes and messages are each service's own.
func (s *Server) authenticate(r *http.Request, body []byte, params url.Values) (call, *apiError) {
	h := r.Header.Get("Authorization")
	sts := serviceOf(r, params) == "sts"
	fail := func(ec2Status int, ec2Code, ec2Msg, stsCode, stsMsg string) (call, *apiError) {
		if sts {
			return call{}, &apiError{Status: http.StatusForbidden, Code: stsCode, Message: stsMsg}
		}
		return call{}, &apiError{Status: ec2Status, Code: ec2Code, Message: ec2Msg}
	}
	if h == "" {
		return fail(http.StatusUnauthorized, "MissingAuthenticationToken",
			"The request must contain either a valid (registered) AWS access key ID or X.509 certificate.",
			"MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	a, err := parseAuthorization(h)
	if err != nil {
		return fail(http.StatusBadRequest, "IncompleteSignature", "The request signature does not conform to AWS standards.",
			"IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature parameters.")
	}
	if a.Scope.Service != "ec2" && a.Scope.Service != "sts" {
		return fail(http.StatusUnauthorized, "AuthFailure", "Credential should be scoped to correct service: 'ec2'.",
			"SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.")
	}
	t, err := requestTime(r, a)
	if err != nil {
		return fail(http.StatusBadRequest, "IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope.",
			"IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope.")
	}
	if d := time.Since(t); d > s.opts.MaxSkew || d < -s.opts.MaxSkew {
		return fail(http.StatusBadRequest, "RequestExpired", "Request has expired.",
			"SignatureDoesNotMatch", "Signature expired: "+r.Header.Get("X-Amz-Date")+" is now earlier or later than allowed.")
	}
	who, secret, token, ok := s.lookupKey(a.Scope.AccessKey)
	if !ok {
		return fail(http.StatusUnauthorized, "AuthFailure", ec2AuthFailure,
			"InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if token != r.Header.Get("X-Amz-Security-Token") {
		return fail(http.StatusUnauthorized, "AuthFailure", ec2AuthFailure,
			"InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if !slices.Contains(a.SignedHeaders, "x-amz-date") || token != "" && !slices.Contains(a.SignedHeaders, "x-amz-security-token") ||
		!validSignature(r, body, a, secret) {
		return fail(http.StatusUnauthorized, "AuthFailure", ec2AuthFailure,
			"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. "+
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	if a.Scope.Service == "ec2" && !slices.Contains(s.regions(), a.Scope.Region) {
		// STS serves every region; EC2 only the account's.
		return call{}, &apiError{Status: http.StatusUnauthorized, Code: "AuthFailure", Message: "Credential should be scoped to a valid region."}
	}
	return call{params: params, scope: a.Scope, who: who}, nil
}

// lookupKey finds the secret (and session token) of an access key: the
// long-term key, or an unexpired AssumeRole key.
func (s *Server) lookupKey(key string) (who principal, secret, token string, ok bool) {
	if key == s.opts.AccessKeyID {
		return s.rootPrincipal(), s.opts.SecretAccessKey, "", true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tc, ok := s.temp[key]
	if !ok || time.Now().After(tc.Expires) {
		return principal{}, "", "", false
	}
	return tc.Who, tc.Secret, tc.Token, true
}

func (s *Server) rootPrincipal() principal {
	return principal{
		Account: s.opts.AccountID,
		ARN:     "arn:aws:iam::" + s.opts.AccountID + ":user/neoconsole-sim",
		UserID:  "AIDASIMULATORUSER0001",
	}
}

// issue stores a temporary credential, dropping expired ones and, past
// maxTempCredentials, the one that expires first.
func (s *Server) issue(key string, tc tempCredential) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for k, v := range s.temp {
		if now.After(v.Expires) {
			delete(s.temp, k)
		}
	}
	for len(s.temp) >= maxTempCredentials {
		first := ""
		for k, v := range s.temp {
			if first == "" || v.Expires.Before(s.temp[first].Expires) {
				first = k
			}
		}
		delete(s.temp, first)
	}
	s.temp[key] = tc
}
