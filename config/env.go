package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// reservedEnv are NEOCONSOLE_* variables read elsewhere than the
// configuration (the CLI client, the secrets master key); Load ignores them.
var reservedEnv = map[string]bool{
	"NEOCONSOLE_SERVER":     true,
	"NEOCONSOLE_TOKEN":      true,
	"NEOCONSOLE_CONFIG":     true,
	"NEOCONSOLE_SECRET_KEY": true,
}

// IsReservedEnv reports whether name is a NEOCONSOLE_* variable the console
// reads outside its configuration.
func IsReservedEnv(name string) bool { return reservedEnv[name] }

// EnvVars lists, sorted, every environment variable that overrides a key:
// NEOCONSOLE_ followed by the key's path in upper case joined by "_".
func EnvVars() []string {
	var names []string
	for _, l := range leaves(reflect.ValueOf(Config{})) {
		names = append(names, l.env)
	}
	slices.Sort(names)
	return names
}

// applyEnv overrides cfg from the NEOCONSOLE_* entries of env, in order (a
// later entry wins). An unknown NEOCONSOLE_* name, other than the reserved
// CLI ones, is an error so that a typo does not go unnoticed.
func applyEnv(cfg *Config, env []string) error {
	byName := map[string]leaf{}
	for _, l := range leaves(reflect.ValueOf(cfg).Elem()) {
		byName[l.env] = l
	}
	var errs []error
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, envPrefix) || reservedEnv[name] {
			continue
		}
		l, known := byName[name]
		if !known {
			errs = append(errs, fmt.Errorf("%s: unknown variable (not a configuration key; see EnvVars)", name))
			continue
		}
		if err := setLeaf(l.value, value); err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %v %s", name, l.key, err, got(l.key, value)))
		}
	}
	return errors.Join(errs...)
}
