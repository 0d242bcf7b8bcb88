package opusrt

import "time"

// Clock is the source of time for the buffers: arrival times for the
// statistics, and the playout schedule of a RealtimeBuffer. The default is
// the system clock; tests and simulations pass a manual one (package
// fakeclock) so that nothing sleeps. A Clock must be safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d
	// has passed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer of a Clock, with the semantics of time.Timer
// since Go 1.23: after Stop or Reset returns, no stale value is received.
type Timer interface {
	// C returns the channel on which the timer delivers its time.
	C() <-chan time.Time
	// Reset arms the timer to fire after d, whether or not it had fired or
	// been stopped. It reports whether the timer was active.
	Reset(d time.Duration) bool
	// Stop disarms the timer. It reports whether the timer was active.
	Stop() bool
}

// SystemClock returns the Clock that reads the system clock and uses
// runtime timers. It is the default of every option that takes a Clock.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time        { return t.t.C }
func (t systemTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }
func (t systemTimer) Stop() bool                 { return t.t.Stop() }
