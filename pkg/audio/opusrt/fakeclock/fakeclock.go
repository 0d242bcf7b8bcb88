// Package fakeclock provides a manual clock for testing code that runs on an
// opusrt.Clock: time stands still until the test moves it, and timers fire
// exactly when it passes their deadline. Nothing sleeps, so tests of real-time
// playout run in microseconds and never flake.
//
// A typical test starts the code under test in a goroutine, waits until it
// is blocked on a timer (BlockUntilTimers, or testing/synctest's Wait), then
// moves the clock with Advance, Set or AdvanceToNext.
package fakeclock

import (
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// Clock is a manual opusrt.Clock. The zero value is not usable; call New.
// It is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	changed sync.Cond // broadcast when timers are armed or disarmed
	now     time.Time
	timers  map[*Timer]struct{} // the armed timers
}

var _ opusrt.Clock = (*Clock)(nil)

// New returns a clock that reads start until it is moved.
func New(start time.Time) *Clock {
	c := &Clock{now: start, timers: make(map[*Timer]struct{})}
	c.changed.L = &c.mu
	return c
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when the clock reaches Now()+d. A
// timer with d ≤ 0 fires at once.
func (c *Clock) NewTimer(d time.Duration) opusrt.Timer {
	t := &Timer{clock: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// Advance moves the clock forward by d and fires every timer whose deadline
// it reaches, earliest first. A negative d is ignored.
func (c *Clock) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.Set(target)
}

// Set moves the clock to t, firing every timer whose deadline lies at or
// before t, earliest first. Setting a time before Now is ignored: the clock
// never goes back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		return
	}
	for {
		next := c.nextLocked()
		if next == nil || next.deadline.After(t) {
			break
		}
		c.now = next.deadline
		c.fireLocked(next)
	}
	c.now = t
}

// AdvanceToNext moves the clock to the earliest armed timer's deadline and
// fires it (and any other timer due then). It reports false, and leaves
// the clock alone, when no timer is armed.
func (c *Clock) AdvanceToNext() bool {
	c.mu.Lock()
	next := c.nextLocked()
	if next == nil {
		c.mu.Unlock()
		return false
	}
	deadline := next.deadline
	c.mu.Unlock()
	c.Set(deadline)
	return true
}

// Next returns the earliest deadline among the armed timers; ok is false
// when none is armed.
func (c *Clock) Next() (deadline time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if next := c.nextLocked(); next != nil {
		return next.deadline, true
	}
	return time.Time{}, false
}

// Timers returns how many timers are armed.
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// BlockUntilTimers waits until at least n timers are armed: the sign that
// the code under test is waiting for the clock to move.
func (c *Clock) BlockUntilTimers(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.timers) < n {
		c.changed.Wait()
	}
}

func (c *Clock) nextLocked() *Timer {
	var next *Timer
	for t := range c.timers {
		if next == nil || t.deadline.Before(next.deadline) {
			next = t
		}
	}
	return next
}

func (c *Clock) fireLocked(t *Timer) {
	delete(c.timers, t)
	select {
	case t.ch <- c.now:
	default: // an unreceived earlier value is still there
	}
	c.changed.Broadcast()
}

// Timer is a timer of a fake Clock.
type Timer struct {
	clock    *Clock
	ch       chan time.Time
	deadline time.Time
}

// C returns the channel the timer sends its deadline on.
func (t *Timer) C() <-chan time.Time { return t.ch }

// Reset arms the timer to fire d after the clock's current time, dropping
// any value not yet received. It reports whether the timer was armed.
func (t *Timer) Reset(d time.Duration) bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	_, active := c.timers[t]
	t.drain()
	t.deadline = c.now.Add(d)
	if d <= 0 {
		delete(c.timers, t)
		c.fireLocked(t)
		return active
	}
	c.timers[t] = struct{}{}
	c.changed.Broadcast()
	return active
}

// Stop disarms the timer and drops any value not yet received. It reports
// whether the timer was armed.
func (t *Timer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	_, active := c.timers[t]
	delete(c.timers, t)
	t.drain()
	c.changed.Broadcast()
	return active
}

func (t *Timer) drain() {
	select {
	case <-t.ch:
	default:
	}
}
