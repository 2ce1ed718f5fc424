package sim

import (
	"errors"
	"testing"
	"time"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := NewFleet(), NewFleet()
	spec := Spec{N: 50, Regions: []string{"r1", "r2"}, Seed: 7}
	a.Generate(spec)
	b.Generate(spec)
	la, lb := a.List(nil), b.List(nil)
	if len(la) != 50 || len(lb) != 50 {
		t.Fatalf("lens %d %d", len(la), len(lb))
	}
	running := 0
	for i := range la {
		if la[i].ID != lb[i].ID || la[i].State != lb[i].State || la[i].Type != lb[i].Type {
			t.Fatalf("vm %d differs: %+v vs %+v", i, la[i], lb[i])
		}
		if la[i].State == Running {
			running++
		}
	}
	if running == 0 || running == 50 {
		t.Errorf("running = %d of 50, want a mix", running)
	}
	if got := a.Regions(); len(got) != 2 {
		t.Errorf("Regions = %v", got)
	}
}

func TestPowerTransitions(t *testing.T) {
	f := NewFleet()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return now }
	f.Transition = time.Second
	f.Add(VM{ID: "a", State: Running})

	steps := []struct {
		a        Action
		advance  time.Duration
		wantCur  State
		wantThen State
		wantErr  error
	}{
		{Stop, 0, Stopping, Stopping, nil},
		{Start, 0, "", "", ErrInvalidState}, // mid-transition
		{"", 2 * time.Second, "", Stopped, nil},
		{Stop, 0, Stopped, Stopped, nil}, // idempotent
		{Reboot, 0, "", "", ErrInvalidState},
		{Start, 0, Pending, Pending, nil},
		{"", 2 * time.Second, "", Running, nil},
		{Reboot, 0, Rebooting, Rebooting, nil},
		{"", 2 * time.Second, "", Running, nil},
	}
	for i, s := range steps {
		if s.a != "" {
			_, cur, err := f.Power("a", s.a)
			if !errors.Is(err, s.wantErr) || (s.wantErr == nil && cur != s.wantCur) {
				t.Fatalf("step %d: Power(%s) = %s, %v", i, s.a, cur, err)
			}
		}
		now = now.Add(s.advance)
		if s.wantThen != "" {
			if vm, _ := f.Get("a"); vm.State != s.wantThen {
				t.Fatalf("step %d: state %s, want %s", i, vm.State, s.wantThen)
			}
		}
	}
	if _, _, err := f.Power("nope", Start); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown vm: %v", err)
	}
}
