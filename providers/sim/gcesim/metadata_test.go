package gcesim

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
)

// post sends body as JSON and decodes the answer into out.
func (a *api) post(path string, body, out any) int {
	a.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		a.t.Fatal(err)
	}
	req, err := http.NewRequest("POST", a.ts.URL+path, bytes.NewReader(b))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(got, out); err != nil {
		a.t.Fatalf("POST %s: %v in %s", path, err, got)
	}
	return resp.StatusCode
}

func TestSetMetadata(t *testing.T) {
	s, ts := newTestServer(t, 3, Options{Denied: []string{"acme-secret"}})
	a := newAPI(t, s, ts)
	vm := s.Fleet.List(nil)[0]
	p, z, n := s.Locate(vm)
	inst := "/compute/v1/projects/" + p + "/zones/" + z + "/instances/" + n

	var in instance
	if code := a.do("GET", inst, &in); code != 200 || in.Metadata.Fingerprint == "" || len(in.Metadata.Items) != 0 {
		t.Fatalf("get: %d %+v", code, in.Metadata)
	}
	if got := s.Metadata(p, z, n); got == nil || len(got) != 0 {
		t.Errorf("Metadata before any set = %v, want empty", got)
	}
	fp0 := in.Metadata.Fingerprint

	// The current fingerprint: an operation, the items replaced, a new
	// fingerprint.
	items := []metadataItem{{"enable-oslogin", "TRUE"}, {"startup-script", "#!/bin/sh\necho hi\n"}}
	var op operation
	if code := a.post(inst+"/setMetadata", setMetadataBody{Fingerprint: fp0, Items: items}, &op); code != 200 ||
		op.OperationType != "setMetadata" || op.Status != "DONE" || !strings.HasSuffix(op.TargetLink, inst[len("/compute/v1/"):]) {
		t.Fatalf("setMetadata: %d %+v", code, op)
	}
	if code := a.do("GET", "/compute/v1/projects/"+p+"/zones/"+z+"/operations/"+op.Name, &op); code != 200 || op.Status != "DONE" {
		t.Errorf("operation get: %d %+v", code, op)
	}
	a.do("GET", inst, &in)
	if in.Metadata.Fingerprint == fp0 || len(in.Metadata.Items) != 2 || in.Metadata.Items[1] != items[1] {
		t.Errorf("after set: %+v", in.Metadata)
	}
	want := map[string]string{"enable-oslogin": "TRUE", "startup-script": "#!/bin/sh\necho hi\n"}
	if got := s.Metadata(p, z, n); !maps.Equal(got, want) {
		t.Errorf("Metadata = %v, want %v", got, want)
	}

	// The old fingerprint is stale now, and so is none: 412, nothing changed.
	for _, fp := range []string{fp0, ""} {
		var e errorBody
		if code := a.post(inst+"/setMetadata", setMetadataBody{Fingerprint: fp}, &e); code != 412 ||
			e.Error.Errors[0].Reason != "conditionNotMet" {
			t.Errorf("stale fingerprint %q: %d %+v", fp, code, e)
		}
	}
	if got := s.Metadata(p, z, n); !maps.Equal(got, want) {
		t.Errorf("Metadata after refusals = %v", got)
	}

	// An administrator's edit changes the fingerprint too.
	fp1 := in.Metadata.Fingerprint
	if !s.SetMetadataItem(p, z, n, "team", "infra") {
		t.Fatal("SetMetadataItem found no instance")
	}
	a.do("GET", inst, &in)
	if in.Metadata.Fingerprint == fp1 || s.Metadata(p, z, n)["team"] != "infra" || len(in.Metadata.Items) != 3 {
		t.Errorf("after admin edit: %+v", in.Metadata)
	}

	// Invalid items: 400, nothing changed.
	for name, bad := range map[string][]metadataItem{
		"key syntax": {{"start up", "x"}},
		"duplicate":  {{"a", "1"}, {"a", "2"}},
		"too big":    {{"a", strings.Repeat("x", maxMetadataValue+1)}},
	} {
		var e errorBody
		if code := a.post(inst+"/setMetadata", setMetadataBody{Fingerprint: in.Metadata.Fingerprint, Items: bad}, &e); code != 400 {
			t.Errorf("%s: %d %+v", name, code, e)
		}
	}

	// Missing instance, denied project.
	var e errorBody
	if code := a.post("/compute/v1/projects/"+p+"/zones/"+z+"/instances/nope/setMetadata", setMetadataBody{}, &e); code != 404 {
		t.Errorf("missing instance: %d %+v", code, e)
	}
	if code := a.post("/compute/v1/projects/acme-secret/zones/"+z+"/instances/"+n+"/setMetadata", setMetadataBody{}, &e); code != 403 ||
		!strings.Contains(e.Error.Errors[0].Message, "compute.instances.setMetadata") {
		t.Errorf("denied project: %d %+v", code, e)
	}
	if s.Metadata(p, z, "nope") != nil {
		t.Error("Metadata of a missing instance is not nil")
	}
}
