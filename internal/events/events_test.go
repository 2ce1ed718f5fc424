package events

import "testing"

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
