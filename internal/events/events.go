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

// Hub delivers events to subscribers.
type Hub struct {
	mu     sync.Mutex
	nextID uint64
	subs   map[chan Event]struct{}
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

// Subscribers is how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
