package opusrt

import "time"

// Defaults of the options.
const (
	// DefaultMaxDuration is the most audio a Buffer holds when NewBuffer is
	// given 0 or less.
	DefaultMaxDuration = 2 * time.Minute
	// DefaultResyncThreshold is how far a stamp may jump before the buffers
	// take it for a sender whose clock or stream restarted.
	DefaultResyncThreshold = 5 * time.Second
	// DefaultPlayoutDelay is how long a RealtimeBuffer holds the first frame
	// before playing it: room for 2–3 frames of 20 ms to arrive out of order
	// or late, small enough for a conversation.
	DefaultPlayoutDelay = 60 * time.Millisecond
	// StampTolerance is how far a frame's start may lie from where the one
	// before it ended and still count as contiguous: it covers the
	// whole-millisecond stamps of 2.5 ms frames and a sender's clock skew.
	StampTolerance = 2 * time.Millisecond
)

// Option configures a Buffer (NewBuffer) or a RealtimeBuffer (RealtimeFrom).
// Each option says which of the two it applies to; the other ignores it.
type Option func(*config)

type config struct {
	clock           Clock         // nil: the default
	resyncThreshold time.Duration // 0: the default
	playoutDelay    time.Duration
	untimed         bool

	adaptive           bool // WithAdaptivePlayout
	frozen             bool // WithoutFollowing
	minDelay, maxDelay time.Duration
}

func newConfig(opts []Option) config {
	c := config{playoutDelay: DefaultPlayoutDelay}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}

// WithClock sets the clock. For a Buffer it times arrivals (jitter and
// delay statistics); for a RealtimeBuffer it also paces playout. The default
// is SystemClock; a RealtimeBuffer defaults to its Buffer's clock.
func WithClock(c Clock) Option { return func(cfg *config) { cfg.clock = c } }

// WithResyncThreshold sets how far a stamp may jump (backward for a Buffer,
// either way for a RealtimeBuffer) before the buffer resyncs instead of
// reporting the frame late or waiting the gap out. 0 or less keeps the
// default, DefaultResyncThreshold. Applies to both buffers.
func WithResyncThreshold(d time.Duration) Option {
	return func(cfg *config) {
		if d > 0 {
			cfg.resyncThreshold = d
		}
	}
}

// WithPlayoutDelay sets how long after its arrival the first frame is
// played (RealtimeBuffer only). Every later frame is due that long after
// the first one's arrival plus the difference of their stamps. A negative
// delay is taken as 0.
func WithPlayoutDelay(d time.Duration) Option {
	return func(cfg *config) { cfg.playoutDelay = max(d, 0) }
}

// WithoutArrivalTimes makes a Buffer read no clock in Append and Write
// (Buffer only): for offline use — reordering a capture, reading a file —
// where arrival times mean nothing. Jitter then stays 0. It saves one clock
// read per frame (about 25 ns on a VM). Frames written through a
// RealtimeBuffer are still timed, since playout reads the clock anyway.
func WithoutArrivalTimes() Option { return func(cfg *config) { cfg.untimed = true } }
