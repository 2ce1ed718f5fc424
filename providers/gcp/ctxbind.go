package gcp

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/googleapis/gax-go/v2/callctx"
)

// The compute REST clients' list iterators (AggregatedList, Zones.List, …)
// build their requests with http.NewRequest and never attach the caller's
// context, so cancelling a List would not abort a request in flight: it would
// end only when the server answers. ctxBinder repairs that from outside the
// SDK: bind puts a call id into the context as an outgoing header (gax copies
// those into every request of the call), and RoundTrip swaps the request's
// context for the bound one and drops the header before it leaves.

const callHeader = "x-neoconsole-call"

type ctxBinder struct {
	next  http.RoundTripper
	seq   atomic.Uint64
	mu    sync.Mutex
	calls map[string]context.Context
}

func newCtxBinder(next http.RoundTripper) *ctxBinder {
	return &ctxBinder{next: next, calls: map[string]context.Context{}}
}

// bind returns ctx carrying a call id for RoundTrip to find it by, and the
// function that forgets it (call it when the call is over).
func (b *ctxBinder) bind(ctx context.Context) (context.Context, func()) {
	id := strconv.FormatUint(b.seq.Add(1), 36)
	b.mu.Lock()
	b.calls[id] = ctx
	b.mu.Unlock()
	return callctx.SetHeaders(ctx, callHeader, id), func() {
		b.mu.Lock()
		delete(b.calls, id)
		b.mu.Unlock()
	}
}

func (b *ctxBinder) RoundTrip(req *http.Request) (*http.Response, error) {
	// gax builds the header map from gRPC-style metadata: lower-case keys,
	// not canonical ones, so look the key up both ways.
	vals, ok := req.Header[callHeader]
	if !ok {
		vals, ok = req.Header[http.CanonicalHeaderKey(callHeader)]
	}
	if !ok {
		return b.next.RoundTrip(req)
	}
	ctx := req.Context()
	// Only requests made without a context are rebound; the calls that do
	// pass one (Get, Start, …) keep the SDK's, deadline included.
	if ctx == context.Background() && len(vals) > 0 {
		b.mu.Lock()
		if c, found := b.calls[vals[0]]; found {
			ctx = c
		}
		b.mu.Unlock()
	}
	// Clone copies the header map, which the SDK shares between retries.
	r := req.Clone(ctx)
	delete(r.Header, callHeader)
	delete(r.Header, http.CanonicalHeaderKey(callHeader))
	return b.next.RoundTrip(r)
}
