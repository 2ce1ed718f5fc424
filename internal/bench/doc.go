// Package bench holds benchmarks only: nothing in the console imports it, and
// it has no tests, so `go test ./...` never builds its large fixtures.
//
// BenchmarkNodesList compares `GET /api/v1/nodes` served by the real
// neoconsole binary with a direct gRPC ListNodes to a real, pinned Headscale
// holding NEOCONSOLE_BENCH_NODES nodes (default 10,000), in one run. Building
// a Headscale database that large takes many minutes, so StartFixture keeps
// it in a cache directory and reuses it on later runs. See docs/benchmarks.md.
package bench
