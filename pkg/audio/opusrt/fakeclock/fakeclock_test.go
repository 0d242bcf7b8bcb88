package fakeclock

import (
	"testing"
	"time"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fired(t *Timer) (time.Time, bool) {
	select {
	case v := <-t.C():
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestTimersFireInOrderAtTheirDeadlines(t *testing.T) {
	c := New(start)
	a := c.NewTimer(30 * time.Millisecond).(*Timer)
	b := c.NewTimer(10 * time.Millisecond).(*Timer)
	if c.Timers() != 2 {
		t.Fatalf("Timers = %d", c.Timers())
	}
	if d, ok := c.Next(); !ok || d != start.Add(10*time.Millisecond) {
		t.Fatalf("Next = %v, %v", d, ok)
	}
	c.Advance(20 * time.Millisecond)
	if v, ok := fired(b); !ok || v != start.Add(10*time.Millisecond) {
		t.Fatalf("b fired %v, %v", v, ok)
	}
	if _, ok := fired(a); ok {
		t.Fatal("a fired early")
	}
	c.Set(start) // never back
	if c.Now() != start.Add(20*time.Millisecond) {
		t.Fatalf("Now = %v", c.Now())
	}
	if !c.AdvanceToNext() || c.Now() != start.Add(30*time.Millisecond) {
		t.Fatalf("AdvanceToNext to %v", c.Now())
	}
	if _, ok := fired(a); !ok {
		t.Fatal("a did not fire")
	}
	if c.AdvanceToNext() {
		t.Fatal("AdvanceToNext with no timer")
	}
}

func TestStopAndResetDropStaleValues(t *testing.T) {
	c := New(start)
	tm := c.NewTimer(time.Millisecond).(*Timer)
	c.Advance(time.Millisecond)
	if tm.Stop() {
		t.Fatal("Stop of a fired timer reported active")
	}
	if _, ok := fired(tm); ok {
		t.Fatal("stale value after Stop")
	}
	tm.Reset(5 * time.Millisecond)
	if !tm.Reset(10 * time.Millisecond) {
		t.Fatal("Reset of an armed timer reported inactive")
	}
	c.Advance(5 * time.Millisecond)
	if _, ok := fired(tm); ok {
		t.Fatal("fired at the old deadline")
	}
	tm.Reset(0)
	if _, ok := fired(tm); !ok {
		t.Fatal("Reset(0) did not fire at once")
	}
}

func TestBlockUntilTimers(t *testing.T) {
	c := New(start)
	done := make(chan struct{})
	go func() {
		c.BlockUntilTimers(1)
		close(done)
	}()
	c.NewTimer(time.Second)
	<-done
}
