package server

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/enroll"
	"github.com/neogenesys/console/internal/events"
	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/store"
)

// undocumentedRoutes are routes of routes() the OpenAPI document leaves out
// on purpose, with why.
var undocumentedRoutes = map[string]string{
	"GET /": "the web app's catch-all, not part of the API",
}

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type openAPIOperation struct {
	OperationID  string            `json:"operationId"`
	Summary      string            `json:"summary"`
	RequiredRole *string           `json:"x-required-role"`
	Security     *[]map[string]any `json:"security"`
	Parameters   []json.RawMessage `json:"parameters"`
	Responses    map[string]any    `json:"responses"`
}

// parseOpenAPI returns the embedded document as generic JSON and its
// operations keyed by "METHOD /path".
func parseOpenAPI(t *testing.T) (map[string]any, map[string]openAPIOperation) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var typed struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &typed); err != nil {
		t.Fatalf("openapi.json paths: %v", err)
	}
	ops := map[string]openAPIOperation{}
	for path, item := range typed.Paths {
		for key, raw := range item {
			if !slices.Contains(openAPIMethods, key) {
				continue // parameters, summary, description, servers, $ref, x-…
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", strings.ToUpper(key), path, err)
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return doc, ops
}

func TestOpenAPIVersion(t *testing.T) {
	doc, _ := parseOpenAPI(t)
	v, _ := doc["openapi"].(string)
	if !strings.HasPrefix(v, "3.1") {
		t.Fatalf(`openapi = %q, want "3.1.x"`, v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Error("info needs a title and a version")
	}
	schemes, _ := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	for _, name := range []string{"bearerAuth", "cookieAuth"} {
		if schemes[name] == nil {
			t.Errorf("components.securitySchemes.%s is missing", name)
		}
	}
	if cookie, _ := schemes["cookieAuth"].(map[string]any); cookie["name"] != sessionCookie || cookie["in"] != "cookie" {
		t.Errorf("cookieAuth = %v, want the %s cookie", cookie, sessionCookie)
	}
}

// TestOpenAPIRoutes keeps the document and the route table in step: every
// route documented with its role and summary, and nothing else documented.
func TestOpenAPIRoutes(t *testing.T) {
	_, ops := parseOpenAPI(t)
	routes := (&Server{}).routes()
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			t.Errorf("route %s appears twice in routes()", key)
		}
		seen[key] = true
		if why, ok := undocumentedRoutes[key]; ok {
			if _, inDoc := ops[key]; inDoc {
				t.Errorf("route %s is in openapi.json but listed as undocumented (%s)", key, why)
			}
			continue
		}
		op, ok := ops[key]
		if !ok {
			t.Errorf("route %s (%q) is not documented in openapi.json: add it under paths[%q].%s",
				key, rt.Summary, rt.Path, strings.ToLower(rt.Method))
			continue
		}
		wantRole := string(rt.Role)
		if rt.Role == public {
			wantRole = "none"
		}
		switch {
		case op.RequiredRole == nil:
			t.Errorf("%s: x-required-role is missing; want %q", key, wantRole)
		case *op.RequiredRole != wantRole:
			t.Errorf("%s: x-required-role = %q, but routes() requires %q", key, *op.RequiredRole, wantRole)
		}
		if rt.Role == public && (op.Security == nil || len(*op.Security) != 0) {
			t.Errorf("%s is public: its operation needs \"security\": []", key)
		}
		if rt.Role != public && op.Security != nil && len(*op.Security) == 0 {
			t.Errorf("%s needs the %s role but its operation says \"security\": []", key, rt.Role)
		}
		if op.Summary != rt.Summary {
			t.Errorf("%s: summary = %q, routes() says %q", key, op.Summary, rt.Summary)
		}
	}
	for key := range ops {
		if !seen[key] {
			t.Errorf("openapi.json documents %s, which routes() does not serve (stale entry?)", key)
		}
	}
}

var pathParamRE = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIOperations checks each operation on its own: a unique
// operationId, responses, and every path wildcard declared as a parameter.
func TestOpenAPIOperations(t *testing.T) {
	doc, ops := parseOpenAPI(t)
	ids := map[string]string{}
	for key, op := range ops {
		if op.OperationID == "" {
			t.Errorf("%s has no operationId", key)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("operationId %q is used by %s and %s", op.OperationID, other, key)
		}
		ids[op.OperationID] = key
		if len(op.Responses) == 0 {
			t.Errorf("%s has no responses", key)
		}
		hasSuccess := false
		for code := range op.Responses {
			if strings.HasPrefix(code, "2") {
				hasSuccess = true
			}
		}
		if !hasSuccess {
			t.Errorf("%s documents no 2xx response", key)
		}
		declared := map[string]bool{}
		for _, raw := range op.Parameters {
			var p map[string]any
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("%s: parameter: %v", key, err)
			}
			if r, ok := p["$ref"].(string); ok {
				target, err := resolveRef(doc, r)
				if err != nil {
					t.Errorf("%s: %v", key, err)
					continue
				}
				p, _ = target.(map[string]any)
			}
			if p["in"] == "path" {
				name, _ := p["name"].(string)
				declared[name] = true
				if p["required"] != true {
					t.Errorf("%s: path parameter %s must be required", key, name)
				}
			}
		}
		path := key[strings.IndexByte(key, ' ')+1:]
		wildcards := map[string]bool{}
		for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
			wildcards[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared in parameters", key, m[1])
			}
		}
		for name := range declared {
			if !wildcards[name] {
				t.Errorf("%s: declares path parameter %s, which the path does not have", key, name)
			}
		}
	}
}

// TestOpenAPIRefs checks that every $ref points inside the document at
// something that exists.
func TestOpenAPIRefs(t *testing.T) {
	doc, _ := parseOpenAPI(t)
	n := 0
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				n++
				if _, err := resolveRef(doc, r); err != nil {
					t.Errorf("%s: %v", where, err)
				}
			}
			for k, c := range v {
				walk(where+"/"+k, c)
			}
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s/%d", where, i), c)
			}
		}
	}
	walk("#", doc)
	if n == 0 {
		t.Error("no $ref found; the walk is broken or the document uses no shared components")
	}
}

// resolveRef follows a local JSON pointer ("#/components/schemas/Node").
func resolveRef(doc map[string]any, ref string) (any, error) {
	ptr, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("$ref %q points outside the document", ref)
	}
	var cur any = doc
	if ptr == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve: %q is not inside an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve: no %q", ref, tok)
		}
	}
	return cur, nil
}

// TestOpenAPIProblems checks that error responses are problem documents.
func TestOpenAPIProblems(t *testing.T) {
	doc, ops := parseOpenAPI(t)
	for key, op := range ops {
		for code, resp := range op.Responses {
			if !strings.HasPrefix(code, "4") && !strings.HasPrefix(code, "5") {
				continue
			}
			if key == "GET /readyz" && code == "503" {
				continue // readiness answers with its checks, not a problem
			}
			if key == "GET /install/{token}" {
				continue // a script link answers in text a shell shows (curl … | sh)
			}
			r, _ := resp.(map[string]any)
			if ref, ok := r["$ref"].(string); ok {
				target, err := resolveRef(doc, ref)
				if err != nil {
					continue // reported by TestOpenAPIRefs
				}
				r, _ = target.(map[string]any)
			}
			content, _ := r["content"].(map[string]any)
			if _, ok := content["application/problem+json"]; !ok || len(content) != 1 {
				t.Errorf("%s %s: an error response must be application/problem+json only, got %v", key, code, keys(content))
			}
		}
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIShapes keeps the component schemas in step with the Go types
// the handlers encode: with every field set, the JSON keys must be exactly
// the schema's properties; with none set, the required ones must be there.
func TestOpenAPIShapes(t *testing.T) {
	doc, _ := parseOpenAPI(t)
	now := time.Now()
	cases := []struct {
		schema    string
		full, min any
	}{
		{"Problem", Problem{Type: "t", Title: "t", Status: 400, Detail: "d", Code: "c", RecoveryHint: "h", Errors: []headscale.FieldError{{}}}, Problem{}},
		{"HeadscaleSettings", headscale.Settings{}, headscale.Settings{}},
		{"FieldError", headscale.FieldError{}, headscale.FieldError{}},
		{"Node", nodeOut(headscale.Node{ID: 1, PreAuthKeyID: 1, LastSeen: now, Expiry: now}, now, &inventory.NodeVM{Key: 1, Name: "vm", Provider: "aws", CloudName: "c", State: "running", OS: "linux", Gone: true}), nodeOut(headscale.Node{}, now, nil)},
		{"PreAuthKey", keyOut(headscale.PreAuthKey{ID: 1, User: "u"}), keyOut(headscale.PreAuthKey{})},
		{"InstallCommand", enroll.Command{}, enroll.Command{}},
		{"SeedMachine", seedMachine{}, seedMachine{}},
		{"TailnetUser", headscale.User{DisplayName: "d", Email: "e"}, headscale.User{}},
		{"Policy", headscale.Policy{}, headscale.Policy{}},
		{"Account", accountOf(store.User{}), accountOf(store.User{})},
		{"Token", tokenOut(store.Token{ExpiresAt: now, LastUsedAt: now, RevokedAt: now}), tokenOut(store.Token{})},
		{"AuditEntry", auditJSON{Detail: "d"}, auditJSON{}},
		{"HeadscaleInfo", HeadscaleInfo{Managed: &headscale.Status{}}, HeadscaleInfo{}},
		{"ManagedHeadscaleStatus", headscale.Status{PID: 1, LastError: "e"}, headscale.Status{}},
		{"Event", events.Event{Data: json.RawMessage(`{}`)}, events.Event{}},
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, c := range cases {
		s, _ := schemas[c.schema].(map[string]any)
		if s == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		props, _ := s["properties"].(map[string]any)
		got := jsonKeys(t, c.full)
		if want := keys(props); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v, but the Go type encodes %v", c.schema, want, got)
		}
		present := jsonKeys(t, c.min)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if !slices.Contains(present, r.(string)) {
				t.Errorf("schema %s requires %q, but the Go type can omit it", c.schema, r)
			}
		}
	}
}

func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return keys(m)
}
