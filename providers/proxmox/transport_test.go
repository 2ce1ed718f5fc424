package proxmox

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	p := retryPolicy{attempts: 5, base: 100 * time.Millisecond, max: 1 * time.Second}
	for attempt, window := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 9: time.Second} {
		for range 50 {
			if d := p.delay(attempt, ""); d < 0 || d >= window {
				t.Fatalf("delay(%d) = %v, want in [0, %v)", attempt, d, window)
			}
		}
	}
	if d := p.delay(1, "0"); d != 0 {
		t.Errorf("Retry-After 0: delay %v", d)
	}
	if d := p.delay(1, "30"); d != time.Second {
		t.Errorf("Retry-After 30 with a 1 s cap: delay %v", d)
	}
	date := time.Now().Add(500 * time.Millisecond).UTC().Format(http.TimeFormat)
	if d := p.delay(1, date); d > time.Second {
		t.Errorf("Retry-After %s: delay %v", date, d)
	}
}

func TestReadAPIError(t *testing.T) {
	for _, tc := range []struct {
		status, body, want string
	}{
		{"500 VM 100 not running", `{"data":null}`, "HTTP 500 VM 100 not running"},
		{"401 authentication failure", `{"data":null}`, "HTTP 401 authentication failure"},
		{"500 Internal Server Error", `{"data":null,"message":"got timeout\n"}`, "HTTP 500 got timeout"},
		{"400 Parameter verification failed.", `{"data":null,"errors":{"vmid":"invalid format","timeout":"type check"}}`,
			"HTTP 400 Parameter verification failed.; timeout: type check; vmid: invalid format"},
		{"503 ", `not json`, "HTTP 503 Service Unavailable"},
	} {
		code := 0
		for _, c := range tc.status[:3] {
			code = code*10 + int(c-'0')
		}
		res := &http.Response{StatusCode: code, Status: tc.status, Body: io.NopCloser(strings.NewReader(tc.body))}
		if got := readAPIError(res).Error(); got != tc.want {
			t.Errorf("readAPIError(%q, %s) = %q, want %q", tc.status, tc.body, got, tc.want)
		}
	}
}
