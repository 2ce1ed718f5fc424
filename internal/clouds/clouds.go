// Package clouds manages the connected cloud accounts: it validates each
// account's provider configuration, keeps the secret fields sealed at rest
// (write-only: they are never returned), and builds the Provider that the
// inventory and the "test connection" check use.
package clouds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neogenesys/console/internal/secrets"
	"github.com/neogenesys/console/internal/store"
	"github.com/neogenesys/console/providers"
)

// ErrInvalid marks a request the service refuses: bad name, unknown kind,
// a configuration that does not decode or validate. The message names the
// field.
var ErrInvalid = errors.New("invalid cloud account")

// Store is what the service needs from the console's store.
type Store interface {
	CreateCloudAccount(ctx context.Context, a store.CloudAccount, seal store.SealFunc) (store.CloudAccount, error)
	GetCloudAccount(ctx context.Context, id int64) (store.CloudAccount, error)
	ListCloudAccounts(ctx context.Context) ([]store.CloudAccount, error)
	UpdateCloudAccount(ctx context.Context, a store.CloudAccount) (store.CloudAccount, error)
	DeleteCloudAccount(ctx context.Context, id int64) error
}

// Sealer seals and opens secrets (internal/secrets.Box).
type Sealer interface {
	Seal(plaintext, associated string) (string, error)
	Open(sealed, associated string) (string, error)
}

// Service is the cloud-account manager.
type Service struct {
	Store  Store
	Sealer Sealer
	// CheckTimeout bounds a connection check (default 30 s).
	CheckTimeout time.Duration
}

// Account is an account as the API shows it: configuration without its
// secrets, and the names of the secret fields that hold a value.
type Account struct {
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Kind       string         `json:"kind"`
	Config     map[string]any `json:"config"`
	SecretsSet []string       `json:"secretsSet"`
	CreatedAt  time.Time      `json:"createdAt"`
	UpdatedAt  time.Time      `json:"updatedAt"`
	CreatedBy  string         `json:"createdBy"`
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)

func validName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: name: 1 to 64 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit (got %q)", ErrInvalid, name)
	}
	return nil
}

// Create validates and stores a new account. config is the kind's JSON
// configuration, secrets included; nothing is stored unless all of it is valid.
func (s *Service) Create(ctx context.Context, name, kind string, config json.RawMessage, by string) (Account, error) {
	if err := validName(name); err != nil {
		return Account{}, err
	}
	k, err := providers.Lookup(kind)
	if err != nil {
		return Account{}, fmt.Errorf("%w: kind: %w", ErrInvalid, err)
	}
	cfg := k.NewConfig()
	if err := decodeInto(cfg, config); err != nil {
		return Account{}, fmt.Errorf("%w: %s: config: %w", ErrInvalid, name, err)
	}
	if err := cfg.Validate(); err != nil {
		return Account{}, fmt.Errorf("%w: %s: config: %w", ErrInvalid, name, err)
	}
	public, secretJSON, secretNames, err := split(cfg)
	if err != nil {
		return Account{}, err
	}
	a, err := s.Store.CreateCloudAccount(ctx, store.CloudAccount{Name: name, Kind: kind, Config: public, CreatedBy: by, SecretNames: secretNames},
		func(id int64) (string, error) { return s.seal(secretJSON, id) })
	if err != nil {
		return Account{}, err
	}
	return view(a)
}

// Update changes an account's name and configuration. Fields present in
// config replace the stored ones; fields left out keep their value, secrets
// included (send "" to clear a secret). The kind cannot change.
func (s *Service) Update(ctx context.Context, id int64, name *string, config json.RawMessage) (Account, error) {
	a, err := s.Store.GetCloudAccount(ctx, id)
	if err != nil {
		return Account{}, err
	}
	if name != nil {
		if err := validName(*name); err != nil {
			return Account{}, err
		}
		a.Name = *name
	}
	if len(config) > 0 {
		cfg, err := s.load(a)
		if err != nil {
			return Account{}, err
		}
		if err := decodeInto(cfg, config); err != nil {
			return Account{}, fmt.Errorf("%w: %s: config: %w", ErrInvalid, a.Name, err)
		}
		if err := cfg.Validate(); err != nil {
			return Account{}, fmt.Errorf("%w: %s: config: %w", ErrInvalid, a.Name, err)
		}
		public, secretJSON, secretNames, err := split(cfg)
		if err != nil {
			return Account{}, err
		}
		sealed, err := s.seal(secretJSON, a.ID)
		if err != nil {
			return Account{}, err
		}
		a.Config, a.Secrets, a.SecretNames = public, sealed, secretNames
	}
	a.UpdatedAt = time.Time{}
	a, err = s.Store.UpdateCloudAccount(ctx, a)
	if err != nil {
		return Account{}, err
	}
	return view(a)
}

// Get returns one account.
func (s *Service) Get(ctx context.Context, id int64) (Account, error) {
	a, err := s.Store.GetCloudAccount(ctx, id)
	if err != nil {
		return Account{}, err
	}
	return view(a)
}

// List returns every account, ordered by name.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	all, err := s.Store.ListCloudAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(all))
	for _, a := range all {
		v, err := view(a)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Accounts returns the stored accounts (for the inventory engine, which
// builds their providers with ProviderOf).
func (s *Service) Accounts(ctx context.Context) ([]store.CloudAccount, error) {
	return s.Store.ListCloudAccounts(ctx)
}

// Delete removes an account.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return s.Store.DeleteCloudAccount(ctx, id)
}

// Provider builds the provider of an account, secrets opened and env:/file:
// references resolved. The caller closes it when it implements io.Closer.
func (s *Service) Provider(ctx context.Context, id int64) (providers.Provider, store.CloudAccount, error) {
	a, err := s.Store.GetCloudAccount(ctx, id)
	if err != nil {
		return nil, store.CloudAccount{}, err
	}
	p, err := s.ProviderOf(a)
	return p, a, err
}

// ProviderOf builds the provider of a stored account.
func (s *Service) ProviderOf(a store.CloudAccount) (providers.Provider, error) {
	cfg, err := s.load(a)
	if err != nil {
		return nil, err
	}
	p, err := cfg.New(strconv.FormatInt(a.ID, 10))
	if err != nil {
		return nil, fmt.Errorf("cloud account %q: %w", a.Name, err)
	}
	return p, nil
}

// CheckResult is the outcome of a connection test.
type CheckResult struct {
	OK          bool     `json:"ok"`
	Identity    string   `json:"identity,omitempty"`
	Regions     []string `json:"regions"`
	RegionCount int      `json:"regionCount"`
	Error       string   `json:"error,omitempty"`
	// ErrorKind classifies a failure: auth, unreachable, throttled, timeout,
	// config, secrets (sealed with another master key) or other.
	ErrorKind string `json:"errorKind,omitempty"`
	TookMS    int64  `json:"tookMs"`
}

// Check tests an account's credentials and reachability. A failing check is
// a result, not an error; the error is for the account not being found.
func (s *Service) Check(ctx context.Context, id int64) (CheckResult, error) {
	a, err := s.Store.GetCloudAccount(ctx, id)
	if err != nil {
		return CheckResult{}, err
	}
	cfg, err := s.load(a)
	return s.check(ctx, a.Name, strconv.FormatInt(a.ID, 10), cfg, err), nil
}

// CheckDraft tests a configuration without saving it, for the "test
// connection" button of a form. With id 0 config is a new account of kind;
// otherwise it is a change to account id as Update would apply it (fields
// left out, secrets included, keep their stored value). A configuration
// that does not decode or validate is an ErrInvalid error naming the field.
func (s *Service) CheckDraft(ctx context.Context, kind string, id int64, config json.RawMessage) (CheckResult, error) {
	name := "draft"
	var cfg providers.Config
	if id == 0 {
		k, err := providers.Lookup(kind)
		if err != nil {
			return CheckResult{}, fmt.Errorf("%w: kind: %w", ErrInvalid, err)
		}
		cfg = k.NewConfig()
	} else {
		a, err := s.Store.GetCloudAccount(ctx, id)
		if err != nil {
			return CheckResult{}, err
		}
		if kind != "" && kind != a.Kind {
			return CheckResult{}, fmt.Errorf("%w: kind: account %d is %s, not %q", ErrInvalid, id, a.Kind, kind)
		}
		name = a.Name
		cfg, err = s.load(a)
		if err != nil {
			return s.check(ctx, name, "draft", nil, err), nil
		}
	}
	if err := decodeInto(cfg, config); err != nil {
		return CheckResult{}, fmt.Errorf("%w: config: %w", ErrInvalid, err)
	}
	if err := cfg.Validate(); err != nil {
		return CheckResult{}, fmt.Errorf("%w: config: %w", ErrInvalid, err)
	}
	return s.check(ctx, name, "draft", cfg, nil), nil
}

// check runs the provider's Check on cfg (or reports loadErr, the failure
// to get cfg) within CheckTimeout.
func (s *Service) check(ctx context.Context, name, accountID string, cfg providers.Config, loadErr error) CheckResult {
	timeout := s.CheckTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	res := CheckResult{Regions: []string{}}
	err := loadErr
	var p providers.Provider
	if err == nil {
		p, err = cfg.New(accountID)
	}
	if err == nil {
		if c, ok := p.(io.Closer); ok {
			defer c.Close()
		}
		var info providers.AccountInfo
		info, err = p.Check(ctx)
		if err == nil {
			res.OK, res.Identity = true, info.Identity
			if info.Regions != nil {
				res.Regions = info.Regions
			}
			res.RegionCount = len(res.Regions)
		}
	}
	res.TookMS = time.Since(start).Milliseconds()
	if err != nil {
		res.Error = fmt.Sprintf("cloud account %q: %v", name, err)
		res.ErrorKind = errorKind(err)
	}
	return res
}

func errorKind(err error) string {
	switch {
	case errors.Is(err, providers.ErrAuth):
		return "auth"
	case errors.Is(err, providers.ErrUnreachable):
		return "unreachable"
	case errors.Is(err, providers.ErrThrottled):
		return "throttled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrInvalid):
		return "config"
	case errors.Is(err, secrets.ErrDecrypt):
		return "secrets"
	}
	return "other"
}

// load decodes a stored account into its kind's Config, secrets opened.
func (s *Service) load(a store.CloudAccount) (providers.Config, error) {
	k, err := providers.Lookup(a.Kind)
	if err != nil {
		return nil, fmt.Errorf("cloud account %q: %w", a.Name, err)
	}
	cfg := k.NewConfig()
	if err := json.Unmarshal([]byte(a.Config), cfg); err != nil {
		return nil, fmt.Errorf("cloud account %q: stored config: %w", a.Name, err)
	}
	if a.Secrets == "" {
		return cfg, nil
	}
	plain, err := s.Sealer.Open(a.Secrets, associated(a.ID))
	if err != nil {
		return nil, fmt.Errorf("cloud account %q: secrets: %w", a.Name, err)
	}
	var values map[string]string
	if err := json.Unmarshal([]byte(plain), &values); err != nil {
		return nil, fmt.Errorf("cloud account %q: secrets: %w", a.Name, err)
	}
	fields := providers.SecretFields(cfg)
	for name, v := range values {
		if f, ok := fields[name]; ok {
			*f = v
		}
	}
	return cfg, nil
}

func associated(id int64) string { return "cloud-account:" + strconv.FormatInt(id, 10) }

func (s *Service) seal(secretJSON string, id int64) (string, error) {
	if secretJSON == "" {
		return "", nil
	}
	return s.Sealer.Seal(secretJSON, associated(id))
}

// decodeInto decodes a JSON object onto cfg, refusing unknown fields and
// trailing data, so a typo names itself instead of being dropped.
func decodeInto(cfg providers.Config, raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return describeJSON(err)
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

func describeJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("%s: must be %s, not a JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", msg)
	}
	return err
}

// split separates cfg into its public JSON (secret fields removed, env: and
// file: references kept, since they are not secrets) and the JSON of the
// secret values ("" when there are none).
func split(cfg providers.Config) (public, secretJSON string, secretNames []string, err error) {
	fields := providers.SecretFields(cfg)
	secretValues := map[string]string{}
	saved := map[string]string{}
	for name, f := range fields {
		saved[name] = *f
		if *f != "" && !providers.IsSecretRef(*f) {
			secretValues[name] = *f
			*f = ""
		}
	}
	defer func() { // cfg is the caller's; give its secrets back
		for name, f := range fields {
			*f = saved[name]
		}
	}()
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", "", nil, fmt.Errorf("encode config: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return "", "", nil, fmt.Errorf("encode config: %w", err)
	}
	for name := range fields {
		if saved[name] == "" || !providers.IsSecretRef(saved[name]) {
			deletePath(m, name)
		}
	}
	b, err = json.Marshal(m)
	if err != nil {
		return "", "", nil, fmt.Errorf("encode config: %w", err)
	}
	if len(secretValues) == 0 {
		return string(b), "", nil, nil
	}
	sj, err := json.Marshal(secretValues)
	if err != nil {
		return "", "", nil, fmt.Errorf("encode secrets: %w", err)
	}
	for name := range secretValues {
		secretNames = append(secretNames, name)
	}
	slices.Sort(secretNames)
	return string(b), string(sj), secretNames, nil
}

func deletePath(m map[string]any, dotted string) {
	head, rest, nested := strings.Cut(dotted, ".")
	if !nested {
		delete(m, head)
		return
	}
	if inner, ok := m[head].(map[string]any); ok {
		deletePath(inner, rest)
	}
}

// view is the API's picture of a stored account: the public config and the
// names of the secret fields that hold a value (never the values). It needs
// no master key, so a console started with the wrong key still lists.
func view(a store.CloudAccount) (Account, error) {
	v := Account{ID: a.ID, Name: a.Name, Kind: a.Kind, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		CreatedBy: a.CreatedBy, Config: map[string]any{}, SecretsSet: a.SecretNames}
	if v.SecretsSet == nil {
		v.SecretsSet = []string{}
	}
	if err := json.Unmarshal([]byte(a.Config), &v.Config); err != nil {
		return Account{}, fmt.Errorf("cloud account %q: stored config: %w", a.Name, err)
	}
	return v, nil
}
