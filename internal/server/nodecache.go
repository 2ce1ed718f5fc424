package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/neogenesys/console/internal/inventory"
	"github.com/neogenesys/console/internal/tailnet"
)

// nodeJSONCache holds the JSON of the newest node snapshot, encoded once:
// a list request then copies bytes instead of encoding thousands of nodes,
// so many readers cost the console little and Headscale nothing.
type nodeJSONCache struct {
	mu  sync.Mutex
	cur *encodedNodes
}

// encodedNodes is one snapshot in JSON. It is never modified once built.
type encodedNodes struct {
	at   time.Time
	each [][]byte // one encoded node per snapshot node, same order
	full []byte   // the unfiltered answer

	gzOnce sync.Once
	gz     []byte // full, gzip-compressed, built on first demand
}

// get returns the encoding of snap, building it if snap is newer than the
// cache; vmOf gives the VM each node runs on.
func (c *nodeJSONCache) get(snap tailnet.Snapshot, vmOf func(uint64) *inventory.NodeVM) *encodedNodes {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && c.cur.at.Equal(snap.FetchedAt) {
		return c.cur
	}
	// Expiry is judged at the snapshot's time, so one snapshot has one answer.
	e := &encodedNodes{at: snap.FetchedAt, each: make([][]byte, len(snap.Nodes))}
	size := 0
	for i, n := range snap.Nodes {
		b, err := json.Marshal(nodeOut(n, snap.FetchedAt, vmOf(n.ID)))
		if err != nil {
			b = []byte("null")
		}
		e.each[i] = b
		size += len(b) + 1
	}
	var buf bytes.Buffer
	buf.Grow(size + 100)
	e.writeBody(&buf, func(int) bool { return true })
	e.full = buf.Bytes()
	c.cur = e
	return e
}

// writeBody writes {"nodes":[…],"total":N,"fetchedAt":"…"} with the nodes keep selects.
func (e *encodedNodes) writeBody(buf *bytes.Buffer, keep func(i int) bool) {
	buf.WriteString(`{"nodes":[`)
	n := 0
	for i, b := range e.each {
		if !keep(i) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(b)
		n++
	}
	buf.WriteString(`],"total":`)
	buf.WriteString(strconv.Itoa(n))
	buf.WriteString(`,"fetchedAt":"`)
	buf.WriteString(e.at.UTC().Format(time.RFC3339Nano))
	buf.WriteString("\"}\n")
}

// gzipped returns the unfiltered answer compressed.
func (e *encodedNodes) gzipped() []byte {
	e.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		_, _ = zw.Write(e.full)
		_ = zw.Close()
		e.gz = buf.Bytes()
	})
	return e.gz
}
