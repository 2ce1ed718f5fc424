package providers

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
)

// Config fields tagged `secret:"true"` (strings) are write-only: the console
// stores them sealed, never returns them through its API and never logs
// them. Their value may also be a reference resolved when the provider is
// made, so a Kubernetes secret or a systemd credential works without the
// console ever storing it:
//
//	env:NAME   the value of environment variable NAME
//	file:PATH  the contents of file PATH, surrounding white space trimmed
//
// Anything else is the secret itself.

// ResolveSecret turns a secret field's value into the secret. field names the
// field in errors, e.g. "aws.secretAccessKey".
func ResolveSecret(field, v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "env:"):
		name := strings.TrimPrefix(v, "env:")
		s, ok := os.LookupEnv(name)
		if !ok || s == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set", field, name)
		}
		return s, nil
	case strings.HasPrefix(v, "file:"):
		path := strings.TrimPrefix(v, "file:")
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", fmt.Errorf("%s: file %s is empty", field, path)
		}
		return s, nil
	}
	return v, nil
}

// IsSecretRef reports whether v is an env: or file: reference rather than a
// secret; references are not secret and may be shown.
func IsSecretRef(v string) bool {
	return strings.HasPrefix(v, "env:") || strings.HasPrefix(v, "file:")
}

// SecretFields returns pointers to the secret string fields of the struct
// cfg points to, keyed by their JSON names, including fields of embedded and
// nested structs (keyed "outer.inner").
func SecretFields(cfg any) map[string]*string {
	out := map[string]*string{}
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return out
	}
	collectSecrets(v.Elem(), "", out)
	return out
}

func collectSecrets(v reflect.Value, prefix string, out map[string]*string) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fv := v.Field(i)
		switch {
		case f.Anonymous && fv.Kind() == reflect.Struct:
			collectSecrets(fv, prefix, out)
		case fv.Kind() == reflect.Struct:
			collectSecrets(fv, prefix+name+".", out)
		case f.Tag.Get("secret") == "true":
			if fv.Kind() != reflect.String {
				panic(fmt.Sprintf("providers: secret field %s%s must be a string", prefix, name))
			}
			out[prefix+name] = fv.Addr().Interface().(*string)
		}
	}
}

// PartialError is returned by List after every good VM was emitted when some
// records could not be read: one bad record never drops the rest.
type PartialError struct {
	Skipped int      // records left out
	Reasons []string // one line per skipped record (first few)
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d malformed vm records skipped: %s", e.Skipped, strings.Join(e.Reasons, "; "))
}

// Partial collects malformed records during a List. The zero value is ready.
type Partial struct{ err PartialError }

// Skip records one left-out record.
func (p *Partial) Skip(format string, args ...any) {
	p.err.Skipped++
	if len(p.err.Reasons) < 5 {
		p.err.Reasons = append(p.err.Reasons, fmt.Sprintf(format, args...))
	}
}

// Err returns nil when nothing was skipped, else a *PartialError.
func (p *Partial) Err() error {
	if p.err.Skipped == 0 {
		return nil
	}
	e := p.err
	return &e
}

// IsPartial reports whether err only says some records were skipped.
func IsPartial(err error) bool {
	var p *PartialError
	return errors.As(err, &p)
}
