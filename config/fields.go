package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Both the YAML decoder and the environment overrides walk the Config
// struct by its yaml tags, so a field added to config.go is a file key and
// an environment variable at once, with the same parsing rules.

// field is a struct field as the YAML file names it.
type field struct {
	name  string // yaml key
	index int
}

// yamlFields lists the fields of struct type t under their yaml names
// (the tag, or the lower-cased field name as yaml.v3 does).
func yamlFields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, field{name, i})
	}
	return out
}

// leaf is one configurable value: a field that is not itself a struct.
type leaf struct {
	key   string        // yaml path: store.postgres.dsn
	env   string        // NEOCONSOLE_STORE_POSTGRES_DSN
	value reflect.Value // settable when the walk started from a pointer
}

// leaves lists every leaf of the struct v in field order.
func leaves(v reflect.Value) []leaf {
	var out []leaf
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		for _, f := range yamlFields(v.Type()) {
			p := append(path[:len(path):len(path)], f.name)
			if fv := v.Field(f.index); fv.Kind() == reflect.Struct {
				walk(fv, p)
			} else {
				key := strings.Join(p, ".")
				out = append(out, leaf{key, envName(p), fv})
			}
		}
	}
	walk(v, nil)
	return out
}

const envPrefix = "NEOCONSOLE_"

func envName(path []string) string {
	return envPrefix + strings.ToUpper(strings.Join(path, "_"))
}

var durationType = reflect.TypeFor[time.Duration]()

// setLeaf parses s into v, whose type is one a leaf may have: string, bool,
// int, int64, time.Duration or []string (comma-separated, entries trimmed,
// empty ones dropped). The error says what was expected.
func setLeaf(v reflect.Value, s string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("expected a duration such as 90s, 15m or 12h")
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("expected true or false")
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		i, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return errors.New("expected a whole number")
		}
		v.SetInt(i)
	case v.Type() == reflect.TypeFor[[]string]():
		v.Set(reflect.ValueOf(splitList(s)))
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// splitList splits a comma-separated list, trims the entries and drops empty
// ones. An empty list is nil.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// secretKeys are never printed in error messages.
var secretKeys = map[string]bool{
	"store.postgres.dsn":         true,
	"headscale.external.api_key": true,
}

// got renders the offending value of key for an error message: quoted, or
// "(set)" for a secret.
func got(key string, v any) string {
	if secretKeys[key] && v != "" {
		return "(set)"
	}
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("(got %q)", v)
	case []string:
		return fmt.Sprintf("(got %q)", v)
	}
	return fmt.Sprintf("(got %v)", v)
}
