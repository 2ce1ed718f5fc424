// Package all registers every provider kind. The console imports it once;
// tests that need the whole registry import it too.
package all

import (
	// Each adapter registers its kind from init.
	_ "github.com/neogenesys/console/providers/aws"
	_ "github.com/neogenesys/console/providers/azure"
	_ "github.com/neogenesys/console/providers/gcp"
	_ "github.com/neogenesys/console/providers/lxd"
	_ "github.com/neogenesys/console/providers/proxmox"
)
