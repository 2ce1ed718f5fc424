package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/store"
)

// managedSettingsKey is where settings changed in the console are kept; they
// take precedence over the configuration file's headscale.managed values.
const managedSettingsKey = "headscale.managed.settings"

// loadManagedSettings applies the settings saved from the console, if any.
func loadManagedSettings(ctx context.Context, st store.Store, mc headscale.ManagedConfig) (headscale.ManagedConfig, error) {
	raw, err := st.GetSetting(ctx, managedSettingsKey)
	if errors.Is(err, store.ErrNotFound) || raw == "" {
		return mc, nil
	}
	if err != nil {
		return mc, err
	}
	var s headscale.Settings
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return mc, fmt.Errorf("saved Headscale settings are unreadable: %w", err)
	}
	if errs := s.Validate(); len(errs) > 0 {
		return mc, fmt.Errorf("saved Headscale settings are invalid: %v", errs)
	}
	return mc.WithSettings(s), nil
}

// managedSettings changes a supervised Headscale's settings.
type managedSettings struct {
	mu  sync.Mutex
	sup *headscale.Supervisor
	st  store.Store
}

func (m *managedSettings) Settings() headscale.Settings { return m.sup.Config().Settings() }

// Apply restarts Headscale with s and saves s once it runs.
func (m *managedSettings) Apply(ctx context.Context, s headscale.Settings) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.sup.Reconfigure(ctx, m.sup.Config().WithSettings(s)); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return m.st.PutSetting(context.WithoutCancel(ctx), managedSettingsKey, string(b))
}
