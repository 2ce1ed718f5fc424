package clouds_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neogenesys/console/internal/clouds"
	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// testConfig is a provider kind made for these tests.
type testConfig struct {
	Endpoint string   `json:"endpoint,omitempty"`
	Regions  []string `json:"regions,omitempty"`
	User     string   `json:"user"`
	Password string   `json:"password,omitempty" secret:"true"`
	Token    string   `json:"token,omitempty" secret:"true"`
	Nested   struct {
		Key string `json:"key,omitempty" secret:"true"`
	} `json:"nested"`
}

func (c *testConfig) Kind() string { return "testkind" }
func (c *testConfig) Validate() error {
	if c.User == "" {
		return errors.New("user: required")
	}
	return nil
}
func (c *testConfig) New(accountID string) (providers.Provider, error) {
	pw, err := providers.ResolveSecret("password", c.Password)
	if err != nil {
		return nil, err
	}
	return &testProvider{cfg: *c, password: pw, account: accountID}, nil
}

type testProvider struct {
	cfg      testConfig
	password string
	account  string
}

func (p *testProvider) Check(ctx context.Context) (providers.AccountInfo, error) {
	if p.password != "right" {
		return providers.AccountInfo{}, providers.ErrAuth
	}
	return providers.AccountInfo{Identity: p.cfg.User + "@" + p.account, Regions: p.cfg.Regions}, nil
}
func (p *testProvider) List(context.Context, func(providers.VM) error) error { return nil }
func (p *testProvider) Power(context.Context, string, providers.Action) error {
	return nil
}

func init() {
	providers.Register(providers.Kind{Name: "testkind", NewConfig: func() providers.Config { return &testConfig{} }})
}

func newService(t *testing.T) (*clouds.Service, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "neoconsole.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := secrets.LoadKey("", filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return &clouds.Service{Store: db, Sealer: box}, dir
}

func TestCreateSealsSecretsAndNeverShowsThem(t *testing.T) {
	s, dir := newService(t)
	ctx := context.Background()
	const password, nestedKey = "right", "n3sted-Pl41ntext-KEY"
	a, err := s.Create(ctx, "lab", "testkind", json.RawMessage(`{"user":"ops","password":"`+password+`","nested":{"key":"`+nestedKey+`"},"regions":["r1","r2"]}`), "alice")
	if err != nil {
		t.Fatal(err)
	}
	shown, _ := json.Marshal(a)
	if _, ok := a.Config["password"]; ok || bytes.Contains(shown, []byte(nestedKey)) || bytes.Contains(shown, []byte(`"`+password+`"`)) {
		t.Fatalf("account shows a secret: %s", shown)
	}
	if strings.Join(a.SecretsSet, ",") != "nested.key,password" {
		t.Errorf("SecretsSet = %v", a.SecretsSet)
	}
	if a.Config["user"] != "ops" {
		t.Errorf("config = %v", a.Config)
	}
	res, err := s.Check(ctx, a.ID)
	if err != nil || !res.OK || res.RegionCount != 2 || res.Identity == "" {
		t.Fatalf("Check = %+v, %v", res, err)
	}
	// The raw database files hold no plaintext secret.
	s.Store.(interface{ Close() error }).Close()
	files, _ := filepath.Glob(filepath.Join(dir, "neoconsole.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(nestedKey)) {
			t.Errorf("%s holds the plaintext secret", f)
		}
	}
}

func TestUpdateKeepsOmittedSecrets(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	a, err := s.Create(ctx, "lab", "testkind", json.RawMessage(`{"user":"ops","password":"right"}`), "alice")
	if err != nil {
		t.Fatal(err)
	}
	name := "lab-2"
	a, err = s.Update(ctx, a.ID, &name, json.RawMessage(`{"regions":["x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := s.Check(ctx, a.ID); !res.OK || a.Name != "lab-2" {
		t.Fatalf("after an update without the password: %+v (check %+v)", a, res)
	}
	// Replacing the secret takes effect; a wrong one fails the check as auth.
	if _, err := s.Update(ctx, a.ID, nil, json.RawMessage(`{"password":"wrong"}`)); err != nil {
		t.Fatal(err)
	}
	res, _ := s.Check(ctx, a.ID)
	if res.OK || res.ErrorKind != "auth" || !strings.Contains(res.Error, `"lab-2"`) {
		t.Errorf("Check with a wrong password = %+v", res)
	}
	// References are not secrets: shown, and resolved when the provider is made.
	t.Setenv("NEO_CLOUDS_TEST_PW", "right")
	a, err = s.Update(ctx, a.ID, nil, json.RawMessage(`{"password":"env:NEO_CLOUDS_TEST_PW"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Config["password"] != "env:NEO_CLOUDS_TEST_PW" || len(a.SecretsSet) != 0 {
		t.Errorf("reference account = %+v", a)
	}
	if res, _ := s.Check(ctx, a.ID); !res.OK {
		t.Errorf("Check through env reference = %+v", res)
	}
}

func TestRefusesBadInputAndSavesNothing(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	tests := []struct {
		name, kind, config, want string
	}{
		{"", "testkind", `{"user":"a"}`, "name:"},
		{"bad/name", "testkind", `{"user":"a"}`, "name:"},
		{"ok", "nokind", `{"user":"a"}`, `kind: unknown provider kind "nokind"`},
		{"ok", "testkind", `{"user":"a","pasword":"x"}`, `config: unknown field "pasword"`},
		{"ok", "testkind", `{"user":5}`, "config: user: must be string"},
		{"ok", "testkind", `{"password":"x"}`, "ok: config: user: required"},
		{"ok", "testkind", `{"user":"a"} {}`, "unexpected data"},
		{"ok", "testkind", `{"user":`, "config:"},
	}
	for _, tt := range tests {
		_, err := s.Create(ctx, tt.name, tt.kind, json.RawMessage(tt.config), "alice")
		if !errors.Is(err, clouds.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Create(%q, %q, %s) = %v, want ErrInvalid with %q", tt.name, tt.kind, tt.config, err, tt.want)
		}
	}
	if list, err := s.List(ctx); err != nil || len(list) != 0 {
		t.Fatalf("List after refusals = %v, %v", list, err)
	}
	a, err := s.Create(ctx, "ok", "testkind", json.RawMessage(`{"user":"a","password":"right"}`), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, a.ID, nil, json.RawMessage(`{"user":""}`)); !errors.Is(err, clouds.ErrInvalid) {
		t.Errorf("Update to an invalid config = %v", err)
	}
	if got, _ := s.Get(ctx, a.ID); got.Config["user"] != "a" {
		t.Errorf("a refused update changed the account: %+v", got)
	}
	if _, err := s.Create(ctx, "ok", "testkind", json.RawMessage(`{"user":"b"}`), "alice"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate name = %v, want ErrConflict", err)
	}
	if _, err := s.Check(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Check(999) = %v", err)
	}
}

func TestSealedSecretsAreBoundToTheirAccount(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	a, _ := s.Create(ctx, "a", "testkind", json.RawMessage(`{"user":"a","password":"right"}`), "x")
	b, _ := s.Create(ctx, "b", "testkind", json.RawMessage(`{"user":"b","password":"other"}`), "x")
	ra, _ := s.Store.GetCloudAccount(ctx, a.ID)
	rb, _ := s.Store.GetCloudAccount(ctx, b.ID)
	rb.Secrets = ra.Secrets // copy a's sealed secrets onto b
	if _, err := s.Store.UpdateCloudAccount(ctx, rb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Provider(ctx, b.ID); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("a copied sealed value opened: %v", err)
	}
}

func TestAnotherMasterKeyStillListsButCannotOpen(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	a, err := s.Create(ctx, "a", "testkind", json.RawMessage(`{"user":"a","password":"right"}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	other, err := secrets.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s2 := &clouds.Service{Store: s.Store, Sealer: other}
	list, err := s2.List(ctx)
	if err != nil || len(list) != 1 || list[0].SecretsSet[0] != "password" {
		t.Fatalf("List with another key = %+v, %v", list, err)
	}
	res, err := s2.Check(ctx, a.ID)
	if err != nil || res.OK || res.ErrorKind != "secrets" {
		t.Errorf("Check with another key = %+v, %v; want errorKind secrets", res, err)
	}
}

// CheckDraft tests a form's configuration without saving it: a new account,
// or a change to a saved one whose omitted secrets are kept.
func TestCheckDraftSavesNothing(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	cases := []struct {
		name     string
		kind     string
		config   string
		wantOK   bool
		wantKind string // ErrorKind of a failing check
		invalid  string // ErrInvalid message part
	}{
		{name: "valid new", kind: "testkind", config: `{"user":"ops","password":"right","regions":["a"]}`, wantOK: true},
		{name: "wrong password", kind: "testkind", config: `{"user":"ops","password":"wrong"}`, wantKind: "auth"},
		{name: "invalid config", kind: "testkind", config: `{"password":"right"}`, invalid: "user: required"},
		{name: "unknown field", kind: "testkind", config: `{"user":"ops","pasword":"right"}`, invalid: `unknown field "pasword"`},
		{name: "unknown kind", kind: "nope", config: `{}`, invalid: `unknown provider kind "nope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := s.CheckDraft(ctx, c.kind, 0, json.RawMessage(c.config))
			if c.invalid != "" {
				if !errors.Is(err, clouds.ErrInvalid) || !strings.Contains(err.Error(), c.invalid) {
					t.Fatalf("CheckDraft = %+v, %v; want ErrInvalid with %q", res, err, c.invalid)
				}
				return
			}
			if err != nil || res.OK != c.wantOK || res.ErrorKind != c.wantKind {
				t.Fatalf("CheckDraft = %+v, %v; want ok=%v kind=%q", res, err, c.wantOK, c.wantKind)
			}
		})
	}
	if all, _ := s.List(ctx); len(all) != 0 {
		t.Fatalf("a draft check saved %d accounts", len(all))
	}

	a, err := s.Create(ctx, "lab", "testkind", json.RawMessage(`{"user":"ops","password":"right"}`), "alice")
	if err != nil {
		t.Fatal(err)
	}
	// A change without the password keeps the stored one...
	if res, err := s.CheckDraft(ctx, "", a.ID, json.RawMessage(`{"regions":["r1","r2","r3"]}`)); err != nil || !res.OK || res.RegionCount != 3 {
		t.Fatalf("draft change keeping the secret = %+v, %v", res, err)
	}
	// ...a new one is tried, and the account is left as it was.
	if res, _ := s.CheckDraft(ctx, "testkind", a.ID, json.RawMessage(`{"password":"wrong"}`)); res.OK || res.ErrorKind != "auth" {
		t.Fatalf("draft change with a wrong password = %+v", res)
	}
	if res, _ := s.Check(ctx, a.ID); !res.OK || res.RegionCount != 0 {
		t.Fatalf("the saved account changed: %+v", res)
	}
	if _, err := s.CheckDraft(ctx, "aws", a.ID, json.RawMessage(`{}`)); !errors.Is(err, clouds.ErrInvalid) {
		t.Fatalf("draft with another kind = %v", err)
	}
	if _, err := s.CheckDraft(ctx, "", 999, json.RawMessage(`{}`)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("draft of a missing account = %v", err)
	}
}
