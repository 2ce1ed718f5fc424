//go:build tools

// Package tools pins the versions of the external programs the console's
// development and tests run: headscale and the tailscale client and daemon.
package tools

import (
	_ "github.com/juanfont/headscale/cmd/headscale"
	_ "tailscale.com/cmd/tailscale"
	_ "tailscale.com/cmd/tailscaled"
)
