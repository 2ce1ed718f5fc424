// Package events fans change notifications out to live subscribers (the
// browsers' Server-Sent Events streams). A slow subscriber loses events
// rather than slowing the publisher; it is told so with a "resync" event.
package events

import (
	"encoding/json"
	"sync"
	"time"
)

// Event is one change.
type Event struct {
	ID   uint64          `json:"id"`
	Type string          `json:"type"` // e.g. "node.online", "node.offline", "node.added", "preauthkey.created"
	Time time.Time       `json:"time"`
	Data json.RawMessage `json:"data,omitempty"`
}

// backlogSize is how many recent events a Hub keeps for clients that
// reconnect with Last-Event-ID.
const backlogSize = 1024

// Hub delivers events to subscribers and keeps the latest few for replay.
type Hub struct {
	mu      sync.Mutex
	nextID  uint64
	subs    map[chan Event]struct{}
	backlog []Event // ring of the last backlogSize events, oldest at start
	start   int
}

// NewHub returns an empty Hub.
func NewHub() *Hub { return &Hub{subs: map[chan Event]struct{}{}} }

// Publish sends an event of type typ with data marshalled to JSON.
func (h *Hub) Publish(typ string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		raw = nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	e := Event{ID: h.nextID, Type: typ, Time: time.Now().UTC(), Data: raw}
	if len(h.backlog) < backlogSize {
		h.backlog = append(h.backlog, e)
	} else {
		h.backlog[h.start] = e
		h.start = (h.start + 1) % backlogSize
	}
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			// The subscriber is behind: drop the event, and make sure it
			// learns that it must reload.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- Event{ID: e.ID, Type: "resync", Time: e.Time}:
			default:
			}
		}
	}
}

// Subscribe returns a channel of events and a function that ends the subscription.
func (h *Hub) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
		})
	}
}

// SubscribeSince is Subscribe for a client that last saw event lastID: it
// also returns the events after lastID that it missed. When they are no
// longer all kept (or lastID is from before a restart), the backlog is one
// "resync" event: the client must reload.
func (h *Hub) SubscribeSince(lastID uint64) ([]Event, <-chan Event, func()) {
	h.mu.Lock()
	var missed []Event
	n := len(h.backlog)
	switch {
	case lastID > h.nextID:
		missed = []Event{{ID: h.nextID, Type: "resync", Time: time.Now().UTC()}}
	case lastID < h.nextID:
		oldest := h.nextID - uint64(n) + 1
		if n == 0 || lastID+1 < oldest {
			missed = []Event{{ID: h.nextID, Type: "resync", Time: time.Now().UTC()}}
			break
		}
		for i := range n {
			if e := h.backlog[(h.start+i)%n]; e.ID > lastID {
				missed = append(missed, e)
			}
		}
	}
	ch := make(chan Event, 64)
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return missed, ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs, ch)
			h.mu.Unlock()
		})
	}
}

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
