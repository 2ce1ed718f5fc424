package server

import _ "embed"

// openAPIDocument describes every route of routes(); a test keeps them in step.
//
//go:embed openapi.json
var openAPIDocument []byte
