package e2e

import (
	"os"
	"testing"

	"github.com/neogenesys/console/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Wrap(m).Run()) }
