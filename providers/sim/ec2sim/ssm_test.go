package ec2sim

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/neogenesys/console/providers/sim"
)

// ssmReq is a signed AWS JSON 1.1 SSM call.
func ssmReq(t *testing.T, k key, region, op string, in any) *http.Request {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "http://sim.test/", strings.NewReader(string(b)))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	sum := sha256.Sum256(b)
	creds := aws.Credentials{AccessKeyID: k.id, SecretAccessKey: k.secret, SessionToken: k.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "ssm", region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// ssmDo serves one call and decodes its answer; code is the error code.
func ssmDo(t *testing.T, s *Server, region, op string, in any) (out map[string]any, code string) {
	t.Helper()
	w := serve(s, ssmReq(t, rootKey, region, op, in))
	if ct := w.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("%s: Content-Type %q", op, ct)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s: decoding %q: %v", op, w.Body.String(), err)
	}
	if w.Code != http.StatusOK {
		typ, _ := out["__type"].(string)
		_, code, _ = strings.Cut(typ, "#")
		return out, code
	}
	return out, ""
}

func vmIn(t *testing.T, s *Server, state sim.State) sim.VM {
	t.Helper()
	vms := s.Fleet.List(func(vm *sim.VM) bool { return vm.State == state })
	if len(vms) == 0 {
		t.Fatalf("no %s VM in the fleet", state)
	}
	return vms[0]
}

func send(t *testing.T, s *Server, vm sim.VM, script string) string {
	t.Helper()
	out, code := ssmDo(t, s, vm.Region, "SendCommand", map[string]any{
		"DocumentName": "AWS-RunShellScript",
		"InstanceIds":  []string{vm.ID},
		"Parameters":   map[string][]string{"commands": {script}},
	})
	if code != "" {
		t.Fatalf("SendCommand: %s %v", code, out)
	}
	id, _ := out["Command"].(map[string]any)["CommandId"].(string)
	if id == "" {
		t.Fatalf("SendCommand returned no CommandId: %v", out)
	}
	return id
}

func invocation(t *testing.T, s *Server, vm sim.VM, cmdID string) map[string]any {
	t.Helper()
	out, code := ssmDo(t, s, vm.Region, "GetCommandInvocation", map[string]any{"CommandId": cmdID, "InstanceId": vm.ID})
	if code != "" {
		t.Fatalf("GetCommandInvocation: %s %v", code, out)
	}
	return out
}

func TestSSMRunCommand(t *testing.T) {
	s := newTestServer(20, Options{})
	vm := vmIn(t, s, sim.Running)
	for _, tc := range []struct {
		script, status, stdout, stderr string
		code                           float64
	}{
		{"echo X", "Success", "X\n", "", 0},
		{"false", "Failed", "", "", 1},
		{"echo a; echo b >&2; exit 3; echo never", "Failed", "a\n", "b\n", 3},
		{"set -e\necho one\nfalse\necho two", "Failed", "one\n", "", 1},
		{"false || echo rescued && echo and", "Success", "rescued\nand\n", "", 0},
		{"printf '%s' '" + base64.StdEncoding.EncodeToString([]byte("echo \"from stdin\"\nexit 4\n")) + "' | base64 -d | 'sh' '-s'",
			"Failed", "from stdin\n", "", 4},
		{"'cat' </dev/null", "Success", "", "", 0},
		{"sh -c 'echo in; echo err 1>&2' 2>&1", "Success", "in\nerr\n", "", 0},
	} {
		id := send(t, s, vm, tc.script)
		if got := invocation(t, s, vm, id); got["Status"] != "InProgress" || got["ResponseCode"] != -1.0 {
			t.Errorf("%q: first poll %v, want InProgress and ResponseCode -1", tc.script, got)
		}
		got := invocation(t, s, vm, id)
		if got["Status"] != tc.status || got["ResponseCode"] != tc.code ||
			got["StandardOutputContent"] != tc.stdout || got["StandardErrorContent"] != tc.stderr {
			t.Errorf("%q: second poll %v, want %s/%v stdout %q stderr %q", tc.script, got, tc.status, tc.code, tc.stdout, tc.stderr)
		}
	}
	ran := s.SSMCommands(vm.ID)
	for _, want := range []string{"echo X", "false", "base64 -d", "sh -s", `echo from stdin`, "exit 4", "sh -c echo in; echo err 1>&2"} {
		if !slices.Contains(ran, want) {
			t.Errorf("SSMCommands lacks %q: %q", want, ran)
		}
	}
	if slices.Contains(ran, "echo never") || slices.Contains(ran, "echo two") {
		t.Errorf("SSMCommands has commands after an exit: %q", ran)
	}
	if invs := s.SSMInvocations(vm.ID); len(invs) != 8 || invs[0].Script != "echo X" {
		t.Errorf("SSMInvocations = %d, first %+v", len(invs), invs)
	}
}

func TestSSMInvalidInstance(t *testing.T) {
	s := newTestServer(20, Options{})
	stopped := vmIn(t, s, sim.Stopped)
	running := vmIn(t, s, sim.Running)
	other := "us-west-2"
	if running.Region == other {
		other = "us-east-1"
	}
	for _, c := range []struct{ region, id string }{
		{stopped.Region, stopped.ID},
		{running.Region, "i-0123456789abcdef0"},
		{other, running.ID},
	} {
		out, code := ssmDo(t, s, c.region, "SendCommand", map[string]any{
			"DocumentName": "AWS-RunShellScript", "InstanceIds": []string{c.id},
			"Parameters": map[string][]string{"commands": {"true"}},
		})
		if code != "InvalidInstanceId" {
			t.Errorf("SendCommand to %s in %s = %s %v, want InvalidInstanceId", c.id, c.region, code, out)
		}
	}
	if _, code := ssmDo(t, s, running.Region, "GetCommandInvocation", map[string]any{"CommandId": "nope", "InstanceId": running.ID}); code != "InvocationDoesNotExist" {
		t.Errorf("unknown invocation: %s", code)
	}
	if _, code := ssmDo(t, s, running.Region, "CancelCommand", map[string]any{"CommandId": "nope"}); code != "InvalidCommandId" {
		t.Errorf("cancelling an unknown command: %s", code)
	}
}

func TestSSMCancelAndTimeout(t *testing.T) {
	s := newTestServer(20, Options{})
	vm := vmIn(t, s, sim.Running)
	id := send(t, s, vm, "sleep 60; echo late")
	for range 3 {
		if got := invocation(t, s, vm, id); got["Status"] != "InProgress" {
			t.Fatalf("a sleeping command is %v", got["Status"])
		}
	}
	if out, code := ssmDo(t, s, vm.Region, "CancelCommand", map[string]any{"CommandId": id, "InstanceIds": []string{vm.ID}}); code != "" {
		t.Fatalf("CancelCommand: %s %v", code, out)
	}
	if got := invocation(t, s, vm, id); got["Status"] != "Cancelled" || got["ResponseCode"] != -1.0 {
		t.Errorf("after CancelCommand: %v", got)
	}

	out, code := ssmDo(t, s, vm.Region, "SendCommand", map[string]any{
		"DocumentName": "AWS-RunShellScript", "InstanceIds": []string{vm.ID},
		"Parameters": map[string][]string{"commands": {"sleep 1.5"}, "executionTimeout": {"1"}},
	})
	if code != "" {
		t.Fatal(code, out)
	}
	id = out["Command"].(map[string]any)["CommandId"].(string)
	time.Sleep(1100 * time.Millisecond)
	if got := invocation(t, s, vm, id); got["Status"] != "TimedOut" || got["StatusDetails"] != "ExecutionTimedOut" {
		t.Errorf("past executionTimeout: %v", got)
	}
}

func TestSSMAuth(t *testing.T) {
	s := newTestServer(5, Options{})
	in := map[string]any{"CommandId": "x", "InstanceId": "i-0123456789abcdef0"}
	for _, c := range []struct {
		k    key
		want string
	}{
		{key{DefaultAccessKeyID, "wrong-secret", ""}, "InvalidSignatureException"},
		{key{"AKIAUNKNOWN000000000", "x", ""}, "UnrecognizedClientException"},
	} {
		w := serve(s, ssmReq(t, c.k, "us-east-1", "GetCommandInvocation", in))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "#"+c.want) {
			t.Errorf("key %s: %d %s, want %s", c.k.id, w.Code, w.Body, c.want)
		}
	}
	// A body changed after signing fails.
	r := ssmReq(t, rootKey, "us-east-1", "GetCommandInvocation", in)
	r.Body = http.NoBody
	r.ContentLength = 0
	if w := serve(s, r); !strings.Contains(w.Body.String(), "InvalidSignatureException") {
		t.Errorf("tampered body: %s", w.Body)
	}
	// An EC2-scoped signature is not an SSM one.
	r = ssmReq(t, rootKey, "us-east-1", "GetCommandInvocation", in)
	r2 := signed(t, rootKey, "ec2", "us-east-1", time.Now(), nil)
	r.Header.Set("Authorization", r2.Header.Get("Authorization"))
	if w := serve(s, r); !strings.Contains(w.Body.String(), "InvalidSignatureException") {
		t.Errorf("ec2-scoped signature: %s", w.Body)
	}

	s.ThrottleSSM(1)
	if _, code := ssmDo(t, s, "us-east-1", "GetCommandInvocation", in); code != "ThrottlingException" {
		t.Errorf("throttled call: %s", code)
	}
	if _, code := ssmDo(t, s, "us-east-1", "GetCommandInvocation", in); code != "InvocationDoesNotExist" {
		t.Errorf("after the throttling: %s", code)
	}
}

func TestSSMShellQuoting(t *testing.T) {
	sh := &ssmShell{}
	code := sh.run(`echo 'it'\''s' "a \"b\" \$c" d\ e # comment`+"\n"+`printf '%s-%s\n' x y z`, nil)
	if code != 0 || sh.stdout.String() != "it's a \"b\" $c d e\nx-y\nz-\n" {
		t.Errorf("got %d %q", code, sh.stdout.String())
	}
	if code := (&ssmShell{}).run("echo 'open", nil); code != 2 {
		t.Errorf("unterminated quote: %d", code)
	}
}
