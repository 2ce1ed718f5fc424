package ec2sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/neogenesys/console/providers/sim"
)

// key is a signing identity for raw test requests.
type key struct{ id, secret, token string }

var rootKey = key{DefaultAccessKeyID, DefaultSecretAccessKey, ""}

func newTestServer(n int, opts Options) *Server {
	f := sim.NewFleet()
	Populate(f, n, 7)
	return New(f, opts)
}

// signed builds a form POST signed as the SDK signs it, for service in
// region at time at.
func signed(t *testing.T, k key, service, region string, at time.Time, form url.Values) *http.Request {
	t.Helper()
	body := form.Encode()
	r := httptest.NewRequest(http.MethodPost, "http://sim.test/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: k.id, SecretAccessKey: k.secret, SessionToken: k.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

// ec2Call is a signed EC2 request with Action and Version set.
func ec2Call(t *testing.T, region, action string, args ...string) *http.Request {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {ec2Version}}
	for i := 0; i+1 < len(args); i += 2 {
		form.Set(args[i], args[i+1])
	}
	return signed(t, rootKey, "ec2", region, time.Now(), form)
}

func serve(s *Server, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// ec2Err is EC2's error document.
type ec2Err struct {
	Code      string `xml:"Errors>Error>Code"`
	Message   string `xml:"Errors>Error>Message"`
	RequestID string `xml:"RequestID"`
}

// stsErr is STS's.
type stsErr struct {
	Type      string `xml:"Error>Type"`
	Code      string `xml:"Error>Code"`
	Message   string `xml:"Error>Message"`
	RequestID string `xml:"RequestId"`
}

func decode(t *testing.T, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %q: %v", w.Body.String(), err)
	}
}
