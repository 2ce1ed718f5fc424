package ec2sim

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSignatureCheck sends raw requests, each signed (or not) in its own
// way, and expects each service's own answer.
func TestSignatureCheck(t *testing.T) {
	s := newTestServer(6, Options{})
	describe := url.Values{"Action": {"DescribeRegions"}, "Version": {ec2Version}}
	identity := url.Values{"Action": {"GetCallerIdentity"}, "Version": {stsVersion}}
	now := time.Now()
	for _, tc := range []struct {
		name     string
		req      func(t *testing.T) *http.Request
		status   int
		code     string // "" for success
		message  string
		stsShape bool
	}{
		{"valid", func(t *testing.T) *http.Request {
			return signed(t, rootKey, "ec2", "us-east-1", now, describe)
		}, 200, "", "", false},
		{"wrong secret", func(t *testing.T) *http.Request {
			return signed(t, key{DefaultAccessKeyID, "wrong", ""}, "ec2", "us-east-1", now, describe)
		}, 401, "AuthFailure", "AWS was not able to validate the provided access credentials", false},
		{"unknown key", func(t *testing.T) *http.Request {
			return signed(t, key{"AKIAUNKNOWN000000000", DefaultSecretAccessKey, ""}, "ec2", "us-east-1", now, describe)
		}, 401, "AuthFailure", "AWS was not able to validate", false},
		{"no Authorization", func(t *testing.T) *http.Request {
			r := signed(t, rootKey, "ec2", "us-east-1", now, describe)
			r.Header.Del("Authorization")
			return r
		}, 401, "MissingAuthenticationToken", "", false},
		{"garbled Authorization", func(t *testing.T) *http.Request {
			r := signed(t, rootKey, "ec2", "us-east-1", now, describe)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, 400, "IncompleteSignature", "", false},
		{"body changed after signing", func(t *testing.T) *http.Request {
			r := signed(t, rootKey, "ec2", "us-east-1", now, describe)
			body := "Action=DescribeInstances&Version=" + ec2Version
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			return r
		}, 401, "AuthFailure", "", false},
		{"signed header changed", func(t *testing.T) *http.Request {
			r := signed(t, rootKey, "ec2", "us-east-1", now, describe)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, 401, "AuthFailure", "", false},
		{"signed for another region", func(t *testing.T) *http.Request {
			r := signed(t, rootKey, "ec2", "eu-west-1", now, describe)
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/eu-west-1/", "/us-east-1/", 1))
			return r
		}, 401, "AuthFailure", "", false},
		{"region the account lacks", func(t *testing.T) *http.Request {
			return signed(t, rootKey, "ec2", "xx-nowhere-1", now, describe)
		}, 401, "AuthFailure", "valid region", false},
		{"twenty minutes old", func(t *testing.T) *http.Request {
			return signed(t, rootKey, "ec2", "us-east-1", now.Add(-20*time.Minute), describe)
		}, 400, "RequestExpired", "", false},
		{"long-term key with a session token", func(t *testing.T) *http.Request {
			return signed(t, key{DefaultAccessKeyID, DefaultSecretAccessKey, "tok"}, "ec2", "us-east-1", now, describe)
		}, 401, "AuthFailure", "", false},
		{"sts valid", func(t *testing.T) *http.Request {
			return signed(t, rootKey, "sts", "us-east-1", now, identity)
		}, 200, "", "", true},
		{"sts wrong secret", func(t *testing.T) *http.Request {
			return signed(t, key{DefaultAccessKeyID, "wrong", ""}, "sts", "us-east-1", now, identity)
		}, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match", true},
		{"sts unknown key", func(t *testing.T) *http.Request {
			return signed(t, key{"AKIAUNKNOWN000000000", "x", ""}, "sts", "eu-west-1", now, identity)
		}, 403, "InvalidClientTokenId", "The security token included in the request is invalid.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(s, tc.req(t))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if tc.code == "" {
				return
			}
			var code, msg, id string
			if tc.stsShape {
				var e stsErr
				decode(t, w, &e)
				code, msg, id = e.Code, e.Message, e.RequestID
				if e.Type != "Sender" {
					t.Errorf("STS error type %q, want Sender", e.Type)
				}
			} else {
				var e ec2Err
				decode(t, w, &e)
				code, msg, id = e.Code, e.Message, e.RequestID
			}
			if code != tc.code || !strings.Contains(msg, tc.message) || id == "" {
				t.Errorf("error %s %q (request %q), want %s %q", code, msg, id, tc.code, tc.message)
			}
		})
	}
}

// TestAssumedCredentials: AssumeRole hands out a key, secret and token the
// simulator then accepts, for the role's account, and only with the token.
func TestAssumedCredentials(t *testing.T) {
	s := newTestServer(3, Options{ExternalID: "ext-1"})
	assume := url.Values{"Action": {"AssumeRole"}, "Version": {stsVersion},
		"RoleArn": {"arn:aws:iam::210987654321:role/reader"}, "RoleSessionName": {"test"}, "ExternalId": {"ext-1"}}
	w := serve(s, signed(t, rootKey, "sts", "us-east-1", time.Now(), assume))
	if w.Code != 200 {
		t.Fatalf("AssumeRole: %d %s", w.Code, w.Body)
	}
	var out struct {
		Key     string `xml:"AssumeRoleResult>Credentials>AccessKeyId"`
		Secret  string `xml:"AssumeRoleResult>Credentials>SecretAccessKey"`
		Token   string `xml:"AssumeRoleResult>Credentials>SessionToken"`
		Expires string `xml:"AssumeRoleResult>Credentials>Expiration"`
		ARN     string `xml:"AssumeRoleResult>AssumedRoleUser>Arn"`
	}
	decode(t, w, &out)
	if !strings.HasPrefix(out.Key, "ASIA") || out.Secret == "" || out.Token == "" || out.Expires == "" ||
		out.ARN != "arn:aws:sts::210987654321:assumed-role/reader/test" {
		t.Fatalf("AssumeRole result %+v", out)
	}
	temp := key{out.Key, out.Secret, out.Token}

	w = serve(s, signed(t, temp, "sts", "us-east-1", time.Now(), url.Values{"Action": {"GetCallerIdentity"}, "Version": {stsVersion}}))
	var who struct {
		Account string `xml:"GetCallerIdentityResult>Account"`
		ARN     string `xml:"GetCallerIdentityResult>Arn"`
	}
	decode(t, w, &who)
	if w.Code != 200 || who.Account != "210987654321" || who.ARN != out.ARN {
		t.Errorf("GetCallerIdentity with the assumed key: %d %+v", w.Code, who)
	}
	if w := serve(s, signed(t, temp, "ec2", "eu-west-1", time.Now(), url.Values{"Action": {"DescribeInstances"}, "Version": {ec2Version}})); w.Code != 200 {
		t.Errorf("EC2 with the assumed key: %d %s", w.Code, w.Body)
	}
	if w := serve(s, signed(t, key{temp.id, temp.secret, ""}, "ec2", "eu-west-1", time.Now(), url.Values{"Action": {"DescribeInstances"}, "Version": {ec2Version}})); w.Code != 401 {
		t.Errorf("EC2 with the assumed key but no token: %d, want 401", w.Code)
	}

	assume.Set("ExternalId", "wrong")
	w = serve(s, signed(t, rootKey, "sts", "us-east-1", time.Now(), assume))
	var e stsErr
	decode(t, w, &e)
	if w.Code != 403 || e.Code != "AccessDenied" {
		t.Errorf("AssumeRole with a wrong external id: %d %s, want 403 AccessDenied", w.Code, e.Code)
	}
}
