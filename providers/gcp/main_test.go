package gcp

import (
	"testing"

	"go.uber.org/goleak"
)

// Listers, token refreshes and operation waits must all be over when a
// test ends; idle keep-alive connections of the clients are pooled, not
// leaked.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*Transport).dialConnFor"),
	)
}
