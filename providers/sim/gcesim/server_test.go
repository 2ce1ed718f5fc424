package gcesim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/providers/sim"
)

func newTestServer(t *testing.T, n int, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	f := sim.NewFleet()
	Populate(f, n, 7)
	s := New(f, opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// assertion is a JWT-bearer assertion signed by key, as the auth library
// makes one.
func assertion(t *testing.T, key *rsa.PrivateKey, iss, aud string, iat time.Time) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": iss, "aud": aud, "scope": "https://www.googleapis.com/auth/cloud-platform",
		"iat": iat.Unix(), "exp": iat.Add(time.Hour).Unix(),
	})
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func postToken(t *testing.T, ts *httptest.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(ts.URL+"/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestTokenEndpoint(t *testing.T) {
	s, ts := newTestServer(t, 1, Options{})
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		name      string
		grant     string
		assertion string
		status    int
		errCode   string
	}{
		{"good", jwtBearerGrant, assertion(t, s.tokens.key, s.Email(), ts.URL+"/token", now), 200, ""},
		{"unknown key", jwtBearerGrant, assertion(t, other, s.Email(), ts.URL+"/token", now), 400, "invalid_grant"},
		{"other account", jwtBearerGrant, assertion(t, s.tokens.key, "x@y.iam.gserviceaccount.com", ts.URL+"/token", now), 400, "invalid_grant"},
		{"wrong audience", jwtBearerGrant, assertion(t, s.tokens.key, s.Email(), ts.URL+"/elsewhere", now), 400, "invalid_grant"},
		{"expired", jwtBearerGrant, assertion(t, s.tokens.key, s.Email(), ts.URL+"/token", now.Add(-3*time.Hour)), 400, "invalid_grant"},
		{"garbage", jwtBearerGrant, "a.b.c", 400, "invalid_grant"},
		{"grant type", "client_credentials", "", 400, "unsupported_grant_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postToken(t, ts, url.Values{"grant_type": {tc.grant}, "assertion": {tc.assertion}})
			if status != tc.status || (tc.errCode != "" && body["error"] != tc.errCode) {
				t.Fatalf("POST /token = %d %v, want %d %q", status, body, tc.status, tc.errCode)
			}
			if tc.status == 200 && (body["token_type"] != "Bearer" || body["access_token"] == "" || body["expires_in"] == nil) {
				t.Errorf("token answer %v", body)
			}
		})
	}
}

// api makes authenticated raw requests to the sim.
type api struct {
	t     *testing.T
	ts    *httptest.Server
	token string
}

func newAPI(t *testing.T, s *Server, ts *httptest.Server) *api {
	_, body := postToken(t, ts, url.Values{"grant_type": {jwtBearerGrant},
		"assertion": {assertion(t, s.tokens.key, s.Email(), ts.URL+"/token", time.Now())}})
	return &api{t: t, ts: ts, token: body["access_token"].(string)}
}

func (a *api) do(method, path string, out any) int {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// errorBody is the Google error body: code, status and reasons.
type errorBody struct {
	Error struct {
		Code   int    `json:"code"`
		Status string `json:"status"`
		Errors []struct {
			Reason, Domain, Message string
		} `json:"errors"`
	} `json:"error"`
}

func TestErrors(t *testing.T) {
	s, ts := newTestServer(t, 6, Options{Denied: []string{"acme-secret"}})
	a := newAPI(t, s, ts)
	anon := &api{t: t, ts: ts}
	vm := s.Fleet.List(nil)[0]
	p, z, n := s.Locate(vm)
	for _, tc := range []struct {
		name, method, path string
		api                *api
		code               int
		reason, status     string
	}{
		{"no token", "GET", "/compute/v1/projects/acme-prod/zones", anon, 401, "authError", "UNAUTHENTICATED"},
		{"unknown token", "GET", "/compute/v1/projects/acme-prod/zones", &api{t: t, ts: ts, token: "ya29.nope"}, 401, "authError", "UNAUTHENTICATED"},
		{"unknown project", "GET", "/compute/v1/projects/acme-nowhere/aggregated/instances", a, 404, "notFound", "NOT_FOUND"},
		{"denied project", "GET", "/compute/v1/projects/acme-secret/aggregated/instances", a, 403, "forbidden", "PERMISSION_DENIED"},
		{"unknown zone", "GET", "/compute/v1/projects/" + p + "/zones/mars-north1-a/instances/" + n, a, 404, "notFound", "NOT_FOUND"},
		{"unknown instance", "GET", "/compute/v1/projects/" + p + "/zones/" + z + "/instances/nope", a, 404, "notFound", "NOT_FOUND"},
		{"start unknown instance", "POST", "/compute/v1/projects/" + p + "/zones/" + z + "/instances/nope/start", a, 404, "notFound", "NOT_FOUND"},
		{"unknown machine type", "GET", "/compute/v1/projects/" + p + "/zones/" + z + "/machineTypes/z9-huge", a, 404, "notFound", "NOT_FOUND"},
		{"unknown operation", "GET", "/compute/v1/projects/" + p + "/zones/" + z + "/operations/operation-1", a, 404, "notFound", "NOT_FOUND"},
		{"bad page token", "GET", "/compute/v1/projects/acme-prod/aggregated/instances?pageToken=xyz", a, 400, "invalid", "INVALID_ARGUMENT"},
		{"maxResults too big", "GET", "/compute/v1/projects/acme-prod/aggregated/instances?maxResults=501", a, 400, "invalid", "INVALID_ARGUMENT"},
		{"unknown path", "GET", "/compute/v1/projects/acme-prod/global/images", a, 404, "notFound", "NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e errorBody
			code := tc.api.do(tc.method, tc.path, &e)
			if code != tc.code || e.Error.Code != tc.code || e.Error.Status != tc.status ||
				len(e.Error.Errors) != 1 || e.Error.Errors[0].Reason != tc.reason || e.Error.Errors[0].Domain == "" {
				t.Errorf("%s %s = %d %+v, want %d %s %s", tc.method, tc.path, code, e, tc.code, tc.reason, tc.status)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   int
	}{{0, 429}, {403, 403}} {
		s, ts := newTestServer(t, 2, Options{ThrottleStatus: tc.status})
		a := newAPI(t, s, ts)
		s.Faults.Throttle(1)
		var e errorBody
		if code := a.do("GET", "/compute/v1/projects/acme-prod/zones", &e); code != tc.want || e.Error.Errors[0].Reason != "rateLimitExceeded" {
			t.Errorf("throttled (ThrottleStatus %d) = %d %+v", tc.status, code, e)
		}
		s.Faults.Fail(1)
		if code := a.do("GET", "/compute/v1/projects/acme-prod/zones", &e); code != 503 || e.Error.Errors[0].Reason != "backendError" {
			t.Errorf("failed = %d %+v", code, e)
		}
		if code := a.do("GET", "/compute/v1/projects/acme-prod/zones", nil); code != 200 {
			t.Errorf("after the faults = %d", code)
		}
	}
}

func TestAggregatedPaging(t *testing.T) {
	s, ts := newTestServer(t, 30, Options{PageSize: 4, Zones: []string{"asia-east1-a"}})
	a := newAPI(t, s, ts)
	seen := map[string]bool{}
	token, pages := "", 0
	for pages < 20 {
		var l instanceAggregatedList
		path := "/compute/v1/projects/acme-prod/aggregated/instances?maxResults=500"
		if token != "" {
			path += "&pageToken=" + url.QueryEscape(token)
		}
		if code := a.do("GET", path, &l); code != 200 {
			t.Fatalf("page %d: %d", pages, code)
		}
		pages++
		if l.Kind != "compute#instanceAggregatedList" {
			t.Errorf("kind %q", l.Kind)
		}
		// Every zone appears on every page; the empty ones with a warning.
		for _, z := range []string{"asia-east1-a", "us-central1-a", "us-central1-b", "europe-west1-b"} {
			item, ok := l.Items["zones/"+z]
			if !ok {
				t.Errorf("page %d lacks zones/%s", pages, z)
			}
			if len(item.Instances) == 0 && (item.Warning == nil || item.Warning.Code != "NO_RESULTS_ON_PAGE") {
				t.Errorf("page %d: empty zones/%s without NO_RESULTS_ON_PAGE: %+v", pages, z, item)
			}
		}
		n := 0
		for key, item := range l.Items {
			for _, in := range item.Instances {
				n++
				if seen[in.ID] {
					t.Errorf("instance %s twice", in.ID)
				}
				seen[in.ID] = true
				if !strings.HasSuffix(in.Zone, "/"+key) || !strings.Contains(in.MachineType, "/machineTypes/") || in.Status == "" {
					t.Errorf("instance under %s: zone %s, type %s, status %s", key, in.Zone, in.MachineType, in.Status)
				}
			}
		}
		if n > 4 {
			t.Errorf("page of %d instances, page size 4", n)
		}
		if token = l.NextPageToken; token == "" {
			break
		}
	}
	if len(seen) != 15 || pages != 4 {
		t.Errorf("%d instances over %d pages, want 15 over 4", len(seen), pages)
	}
}

func TestPowerOperation(t *testing.T) {
	s, ts := newTestServer(t, 4, Options{})
	s.Fleet.Transition = 200 * time.Millisecond
	a := newAPI(t, s, ts)
	var vm sim.VM
	for _, v := range s.Fleet.List(nil) {
		if v.State == sim.Running {
			vm = v
		}
	}
	p, z, n := s.Locate(vm)
	base := "/compute/v1/projects/" + p + "/zones/" + z
	var op operation
	if code := a.do("POST", base+"/instances/"+n+"/stop", &op); code != 200 {
		t.Fatalf("stop: %d", code)
	}
	if op.Kind != "compute#operation" || op.Status != "RUNNING" || op.OperationType != "stop" ||
		!strings.HasSuffix(op.TargetLink, base+"/instances/"+n) || !strings.HasSuffix(op.SelfLink, base+"/operations/"+op.Name) {
		t.Errorf("stop operation %+v", op)
	}
	var in instance
	if a.do("GET", base+"/instances/"+n, &in); in.Status != "STOPPING" {
		t.Errorf("status during stop %q", in.Status)
	}
	// Starting it now is refused: it is not ready.
	var e errorBody
	if code := a.do("POST", base+"/instances/"+n+"/start", &e); code != 400 || e.Error.Errors[0].Reason != "resourceNotReady" {
		t.Errorf("start while stopping = %d %+v", code, e)
	}
	if a.do("POST", base+"/operations/"+op.Name+"/wait", &op); op.Status != "DONE" || op.EndTime == "" {
		t.Errorf("after wait: %+v", op)
	}
	if a.do("GET", base+"/operations/"+op.Name, &op); op.Status != "DONE" {
		t.Errorf("get after done: %+v", op)
	}
	if a.do("GET", base+"/instances/"+n, &in); in.Status != "TERMINATED" {
		t.Errorf("status after stop %q", in.Status)
	}
	// Stopping a stopped instance is a no-op operation, DONE at once.
	if a.do("POST", base+"/instances/"+n+"/stop", &op); op.Status != "DONE" {
		t.Errorf("second stop: %+v", op)
	}
}

func TestMachineTypesAndZones(t *testing.T) {
	s, ts := newTestServer(t, 3, Options{PageSize: 2})
	a := newAPI(t, s, ts)
	for name, want := range map[string][2]int64{"e2-small": {2, 2048}, "n2-standard-4": {4, 16384}, "c3-highcpu-8": {8, 16384}} {
		var mt machineType
		if code := a.do("GET", "/compute/v1/projects/acme-prod/zones/us-central1-a/machineTypes/"+name, &mt); code != 200 ||
			int64(mt.GuestCPUs) != want[0] || mt.MemoryMB != want[1] || mt.Zone != "us-central1-a" {
			t.Errorf("machine type %s = %d %+v", name, code, mt)
		}
	}
	var agg machineTypeAggregatedList
	if a.do("GET", "/compute/v1/projects/acme-prod/aggregated/machineTypes", &agg); agg.NextPageToken == "" || len(agg.Items) != 3 {
		t.Errorf("aggregated machine types, page 1: %d scopes, next %q", len(agg.Items), agg.NextPageToken)
	}
	var zl zoneList
	a.do("GET", "/compute/v1/projects/acme-prod/zones", &zl)
	if len(zl.Items) != 2 || zl.NextPageToken == "" || !strings.HasSuffix(zl.Items[0].Region, "/regions/europe-west1") {
		t.Errorf("zones page 1: %+v", zl)
	}
	var zl2 zoneList
	a.do("GET", "/compute/v1/projects/acme-prod/zones?pageToken="+zl.NextPageToken, &zl2)
	if len(zl2.Items) != 1 || zl2.NextPageToken != "" {
		t.Errorf("zones page 2: %+v", zl2)
	}
}

func TestAccountConfig(t *testing.T) {
	s, ts := newTestServer(t, 4, Options{})
	cfg := s.AccountConfig(ts.URL+"/", nil)
	if cfg["endpoint"] != ts.URL || strings.Join(cfg["projects"].([]string), ",") != "acme-dev,acme-prod" {
		t.Errorf("AccountConfig = %v", cfg)
	}
	var key map[string]string
	if err := json.Unmarshal([]byte(cfg["credentialsJson"].(string)), &key); err != nil {
		t.Fatal(err)
	}
	if key["type"] != "service_account" || key["token_uri"] != ts.URL+"/token" || key["client_email"] != s.Email() ||
		!strings.HasPrefix(key["private_key"], "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("service-account key %v", key)
	}
	if s.NeedsTLS() {
		t.Error("NeedsTLS: the REST clients speak plain http")
	}
}
