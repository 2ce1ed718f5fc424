package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencies summarises a set of call durations.
type latencies struct {
	n             int
	p50, p99, max time.Duration
}

func summarize(d []time.Duration) latencies {
	if len(d) == 0 {
		return latencies{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return latencies{n: len(s), p50: quantile(s, 0.50), p99: quantile(s, 0.99), max: s[len(s)-1]}
}

// quantile is the nearest-rank quantile of sorted samples.
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sequential times calls one after another, after warm warm-up calls.
func sequential(warm, calls int, op func() error) ([]time.Duration, error) {
	for range warm {
		if err := op(); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, 0, calls)
	for range calls {
		t := time.Now()
		if err := op(); err != nil {
			return out, err
		}
		out = append(out, time.Since(t))
	}
	return out, nil
}

// load is the outcome of concurrent readers.
type load struct {
	lat      []time.Duration
	errs     int
	firstErr error
	elapsed  time.Duration // first call to last answer
}

func (l load) rps() float64 { return float64(len(l.lat)) / l.elapsed.Seconds() }

// concurrent runs op from workers goroutines, each starting calls until d
// has passed; calls in flight at the deadline finish and count.
func concurrent(workers int, d time.Duration, op func() error) load {
	var (
		mu  sync.Mutex
		out load
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var errs int
			var first error
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := op(); err != nil {
					errs++
					if first == nil {
						first = err
					}
					time.Sleep(10 * time.Millisecond)
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			out.lat = append(out.lat, lat...)
			out.errs += errs
			if out.firstErr == nil {
				out.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	return out
}

// nodesReader reads GET /api/v1/nodes whole, as a client would, and records
// how old the served snapshot was (now minus its fetchedAt). With gzip it
// asks for a gzip-encoded answer and reads the compressed bytes (their
// decompression is the client's cost, not the console's), and records no age.
type nodesReader struct {
	url, token string
	client     *http.Client
	gzip       bool

	mu       sync.Mutex
	maxAge   time.Duration
	ages     []time.Duration
	lastSize int64
}

func (r *nodesReader) get() error {
	req, err := http.NewRequest("GET", r.url+"/api/v1/nodes", nil)
	if err != nil {
		return err
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if r.gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got := time.Now()
	// Keep only both ends of the body: fetchedAt is the first key (encoding/json
	// sorts a map's keys) or the last (the console's cached encoding).
	var ends endsWriter
	size, err := io.Copy(&ends, resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/v1/nodes: %d %s", resp.StatusCode, ends.head)
	}
	if r.gzip {
		if resp.Header.Get("Content-Encoding") != "gzip" {
			return fmt.Errorf("GET /api/v1/nodes with Accept-Encoding: gzip: answer not gzip-encoded")
		}
		r.mu.Lock()
		r.lastSize = size
		r.mu.Unlock()
		return nil
	}
	fetched, err := fetchedAt(ends.head, ends.tail)
	if err != nil {
		return err
	}
	age := got.Sub(fetched)
	r.mu.Lock()
	r.ages = append(r.ages, age)
	r.maxAge = max(r.maxAge, age)
	r.lastSize = size
	r.mu.Unlock()
	return nil
}

func (r *nodesReader) resetAges() {
	r.mu.Lock()
	r.ages, r.maxAge = nil, 0
	r.mu.Unlock()
}

// endsWriter keeps the first and the last 128 bytes written to it.
type endsWriter struct {
	head, tail []byte
}

func (e *endsWriter) Write(p []byte) (int, error) {
	const keep = 128
	if n := min(keep-len(e.head), len(p)); n > 0 {
		e.head = append(e.head, p[:n]...)
	}
	e.tail = append(e.tail, p[max(0, len(p)-keep):]...)
	if len(e.tail) > keep {
		e.tail = append(e.tail[:0], e.tail[len(e.tail)-keep:]...)
	}
	return len(p), nil
}

// fetchedAt finds "fetchedAt":"…" in the head or the tail of a nodes answer.
func fetchedAt(head, tail []byte) (time.Time, error) {
	const key = `"fetchedAt":"`
	for _, part := range [][]byte{head, tail} {
		i := bytes.Index(part, []byte(key))
		if i < 0 {
			continue
		}
		v, _, ok := bytes.Cut(part[i+len(key):], []byte(`"`))
		if !ok {
			continue
		}
		return time.Parse(time.RFC3339Nano, string(v))
	}
	return time.Time{}, fmt.Errorf("nodes answer holds no fetchedAt at either end: %q … %q", head, tail)
}

// scrape reads Prometheus text from url and returns the samples whose
// "name{labels}" is in want (labels exactly as exposed).
func scrape(client *http.Client, url string, want ...string) (map[string]float64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") || !slices.Contains(want, line[:i]) {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// procMem is a process's resident memory now and at its peak, from /proc.
func procMem(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "123456 kB"
		if len(f) < 1 {
			continue
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

// procCPU is the CPU time a process has used (user + system), from
// /proc/PID/stat, assuming the usual 100 clock ticks a second.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state); utime is 14, stime 15
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }
