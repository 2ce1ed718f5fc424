package sim

import (
	"bytes"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Faults injects trouble into a simulator's requests. The zero value injects
// nothing; set fields at any time, from any goroutine.
type Faults struct {
	mu        sync.Mutex
	latency   time.Duration
	throttle  int // next N requests are throttled
	fail      int // next N requests fail with a server error
	requests  atomic.Int64
	throttled atomic.Int64
	failed    atomic.Int64
}

// SetLatency delays every request by d (honouring the client going away).
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	f.latency = d
	f.mu.Unlock()
}

// Throttle makes the next n requests answer as the API does when throttling.
func (f *Faults) Throttle(n int) {
	f.mu.Lock()
	f.throttle = n
	f.mu.Unlock()
}

// Fail makes the next n requests answer with a server error.
func (f *Faults) Fail(n int) {
	f.mu.Lock()
	f.fail = n
	f.mu.Unlock()
}

// Requests, Throttled and Failed count what the simulator served.
func (f *Faults) Requests() int64  { return f.requests.Load() }
func (f *Faults) Throttled() int64 { return f.throttled.Load() }
func (f *Faults) Failed() int64    { return f.failed.Load() }

// Wrap returns h behind the faults. throttled and failed write the API's own
// answers for those cases (e.g. EC2's RequestLimitExceeded XML, ARM's 429).
func (f *Faults) Wrap(h http.Handler, throttled, failed http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		f.mu.Lock()
		d := f.latency
		doThrottle := f.throttle > 0
		if doThrottle {
			f.throttle--
		}
		doFail := !doThrottle && f.fail > 0
		if doFail {
			f.fail--
		}
		f.mu.Unlock()
		if d > 0 {
			// Read the body first: the server notices a client that went
			// away only once the body is consumed, and a canceled request
			// must end the wait.
			if body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20)); err == nil {
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				// Abort the connection: returning would send an empty 200
				// that a racing client could take for an answer.
				panic(http.ErrAbortHandler)
			}
		}
		switch {
		case doThrottle:
			f.throttled.Add(1)
			throttled(w, r)
		case doFail:
			f.failed.Add(1)
			failed(w, r)
		default:
			h.ServeHTTP(w, r)
		}
	})
}
