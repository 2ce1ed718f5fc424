package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load builds the configuration: Default, then the YAML file at path (none
// when path is ""), then the NEOCONSOLE_* variables in env (a list of
// "NAME=value" such as os.Environ()), and validates the result. Errors name
// the key (with file and line) or the variable. All problems in the file
// and the environment are reported together; Validate runs only when both
// could be read.
func Load(path string, env []string) (Config, error) {
	cfg := Default()
	var fileErr error
	if path != "" {
		fileErr = decodeFile(path, &cfg)
	}
	if err := errors.Join(fileErr, applyEnv(&cfg, env)); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// decodeFile overlays the YAML file at path on cfg. Decoding is strict:
// unknown or repeated keys, a value of the wrong shape or type, and a second
// document are errors. An empty value ("key:" or "key: ~") keeps the
// default. The walk is done here rather than by yaml.v3's KnownFields so
// that every error names the full key path, and so that values parse
// exactly as their environment variables do.
func decodeFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil // empty file
	} else if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: only one YAML document is allowed", path)
	}
	d := fileDecoder{path: path}
	d.decode(doc.Content[0], reflect.ValueOf(cfg).Elem(), "")
	return errors.Join(d.errs...)
}

type fileDecoder struct {
	path string
	errs []error
}

func (d *fileDecoder) fail(n *yaml.Node, key, format string, args ...any) {
	if key == "" {
		key = "(top level)"
	}
	msg := fmt.Sprintf(format, args...)
	d.errs = append(d.errs, fmt.Errorf("%s:%d: %s: %s", d.path, n.Line, key, msg))
}

// decode sets v, the value at key, from node n.
func (d *fileDecoder) decode(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // empty value: keep the default
	}
	switch {
	case v.Kind() == reflect.Struct:
		d.decodeMapping(n, v, key)
	case v.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, key, "expected a list such as [a, b]")
			return
		}
		var list []string
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				d.fail(item, key, "expected a list of strings")
				return
			}
			list = append(list, item.Value)
		}
		v.Set(reflect.ValueOf(list))
	case n.Kind != yaml.ScalarNode:
		d.fail(n, key, "expected a single value, not a list or mapping")
	default:
		if err := setLeaf(v, n.Value); err != nil {
			d.fail(n, key, "%v %s", err, got(key, n.Value))
		}
	}
}

func (d *fileDecoder) decodeMapping(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "expected a mapping of keys")
		return
	}
	fields := yamlFields(v.Type())
	index := make(map[string]int, len(fields))
	names := make([]string, len(fields))
	for i, f := range fields {
		index[f.name], names[i] = f.index, f.name
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := k.Value
		if key != "" {
			sub = key + "." + k.Value
		}
		fi, ok := index[k.Value]
		if !ok {
			d.fail(k, sub, "unknown key (known keys here: %s)", strings.Join(names, ", "))
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.fail(k, sub, "key repeated (first at line %d)", line)
			continue
		}
		seen[k.Value] = k.Line
		d.decode(val, v.Field(fi), sub)
	}
}
