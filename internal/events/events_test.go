package events

import (
	"fmt"
	"testing"
)

func TestHubDeliversAndDropsForSlowSubscribers(t *testing.T) {
	h := NewHub()
	fast, stopFast := h.Subscribe()
	slow, stopSlow := h.Subscribe()
	defer stopSlow()
	for i := range 200 {
		h.Publish("node.online", map[string]int{"id": i})
		<-fast
	}
	stopFast()
	stopFast() // idempotent
	if n := h.Subscribers(); n != 1 {
		t.Fatalf("Subscribers() = %d, want 1", n)
	}
	sawResync := false
	for len(slow) > 0 {
		if e := <-slow; e.Type == "resync" {
			sawResync = true
		}
	}
	if !sawResync {
		t.Errorf("slow subscriber got no resync event after overflowing")
	}
}

func TestSubscribeSinceReplaysWhatWasMissed(t *testing.T) {
	h := NewHub()
	for i := range 5 {
		h.Publish("node.online", i)
	}
	ids := func(es []Event) []uint64 {
		var out []uint64
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		last uint64
		want string
	}{
		{5, "[]"},
		{3, "[4 5]"},
		{0, "[1 2 3 4 5]"},
		{9, "resync"}, // an id from before a restart
	}
	for _, tt := range tests {
		missed, _, stop := h.SubscribeSince(tt.last)
		stop()
		got := fmt.Sprint(ids(missed))
		if tt.want == "resync" {
			if len(missed) != 1 || missed[0].Type != "resync" {
				t.Errorf("SubscribeSince(%d) = %v, want one resync", tt.last, missed)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("SubscribeSince(%d) = %s, want %s", tt.last, got, tt.want)
		}
	}
	// Once the backlog wrapped past lastID, the client must reload.
	for i := range backlogSize + 10 {
		h.Publish("vm.state", i)
	}
	missed, _, stop := h.SubscribeSince(3)
	stop()
	if len(missed) != 1 || missed[0].Type != "resync" {
		t.Errorf("after the backlog wrapped: %d events, first %v; want one resync", len(missed), missed[0].Type)
	}
	missed, _, stop = h.SubscribeSince(h.nextID - 2)
	stop()
	if got := fmt.Sprint(ids(missed)); got != fmt.Sprint([]uint64{h.nextID - 1, h.nextID}) {
		t.Errorf("recent replay after wrapping = %s", got)
	}
}
