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

// BufferOption configures a Buffer (NewBuffer): WithClock,
// WithResyncThreshold, WithoutArrivalTimes.
type BufferOption interface{ applyBuffer(*bufferConfig) }

// RealtimeOption configures a RealtimeBuffer (RealtimeFrom): WithClock,
// WithResyncThreshold, WithPlayoutDelay, WithAdaptivePlayout,
// WithoutFollowing.
type RealtimeOption interface{ applyRealtime(*realtimeConfig) }

// PlayerOption configures a Player (NewPlayer): WithClock.
type PlayerOption interface{ applyPlayer(*playerConfig) }

type bufferConfig struct {
	clock           Clock         // nil: SystemClock
	resyncThreshold time.Duration // 0: DefaultResyncThreshold
	untimed         bool
}

type realtimeConfig struct {
	clock           Clock         // nil: the Buffer's
	resyncThreshold time.Duration // 0: the Buffer's
	playoutDelay    time.Duration

	adaptive           bool // WithAdaptivePlayout
	frozen             bool // WithoutFollowing
	minDelay, maxDelay time.Duration
}

type playerConfig struct {
	clock Clock // nil: SystemClock
}

func newBufferConfig(opts []BufferOption) bufferConfig {
	var c bufferConfig
	for _, o := range opts {
		if o != nil {
			o.applyBuffer(&c)
		}
	}
	return c
}

func newRealtimeConfig(opts []RealtimeOption) realtimeConfig {
	c := realtimeConfig{playoutDelay: DefaultPlayoutDelay}
	for _, o := range opts {
		if o != nil {
			o.applyRealtime(&c)
		}
	}
	return c
}

func newPlayerConfig(opts []PlayerOption) playerConfig {
	var c playerConfig
	for _, o := range opts {
		if o != nil {
			o.applyPlayer(&c)
		}
	}
	return c
}

// bufferOptionFunc and realtimeOptionFunc make the options that serve one
// constructor.
type bufferOptionFunc func(*bufferConfig)

func (f bufferOptionFunc) applyBuffer(c *bufferConfig) { f(c) }

type realtimeOptionFunc func(*realtimeConfig)

func (f realtimeOptionFunc) applyRealtime(c *realtimeConfig) { f(c) }

// ClockOption is the option of WithClock: a BufferOption, a RealtimeOption
// and a PlayerOption.
type ClockOption struct{ clock Clock }

func (o ClockOption) applyBuffer(c *bufferConfig)     { c.clock = o.clock }
func (o ClockOption) applyRealtime(c *realtimeConfig) { c.clock = o.clock }
func (o ClockOption) applyPlayer(c *playerConfig)     { c.clock = o.clock }

// WithClock sets the clock. For a Buffer it times arrivals (jitter and
// delay statistics); for a RealtimeBuffer it also paces playout (and
// becomes its Buffer's clock, so arrivals and playout share one); a Player
// schedules its streams on it, and must share it with them. The default is
// SystemClock; a RealtimeBuffer defaults to its Buffer's clock.
func WithClock(c Clock) ClockOption { return ClockOption{clock: c} }

// ResyncThresholdOption is the option of WithResyncThreshold: a
// BufferOption and a RealtimeOption.
type ResyncThresholdOption struct{ threshold time.Duration }

func (o ResyncThresholdOption) applyBuffer(c *bufferConfig) {
	if o.threshold > 0 {
		c.resyncThreshold = o.threshold
	}
}

func (o ResyncThresholdOption) applyRealtime(c *realtimeConfig) {
	if o.threshold > 0 {
		c.resyncThreshold = o.threshold
	}
}

// WithResyncThreshold sets how far a stamp may jump before the buffer
// takes it for a sender whose clock or stream restarted: back, instead of
// reporting the frame late; forward, instead of reporting the gap as loss
// (a discontinuity). 0 or less keeps the default, DefaultResyncThreshold
// (a RealtimeBuffer's default is its Buffer's).
func WithResyncThreshold(d time.Duration) ResyncThresholdOption {
	return ResyncThresholdOption{threshold: d}
}

// WithPlayoutDelay sets how long after its arrival the first frame is
// played. Every later frame is due that long after the first one's arrival
// plus the difference of their stamps. A negative delay is taken as 0.
func WithPlayoutDelay(d time.Duration) RealtimeOption {
	return realtimeOptionFunc(func(c *realtimeConfig) { c.playoutDelay = max(d, 0) })
}

// WithoutArrivalTimes makes a Buffer read no clock in Append and Write:
// for offline use — reordering a capture, reading a file — where arrival
// times mean nothing. Jitter then stays 0. It saves one clock read per
// frame (about 25 ns on a VM). Frames written through a RealtimeBuffer are
// still timed, since playout reads the clock anyway.
func WithoutArrivalTimes() BufferOption {
	return bufferOptionFunc(func(c *bufferConfig) { c.untimed = true })
}
