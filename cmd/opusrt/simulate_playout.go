package main

import (
	"fmt"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/spf13/pflag"
)

// The playout modes of --playout.
const (
	playoutFixed    = "fixed"
	playoutAdaptive = "adaptive"
)

// defaultPlayout is the mode simulate uses unless told otherwise, as the
// library advises for live streams.
const defaultPlayout = playoutAdaptive

// Bounds of adaptive playout's delay, by default.
const (
	defaultMinDelay = 20 * time.Millisecond
	defaultMaxDelay = 2 * time.Second
)

// playoutFlags are simulate's options of the RealtimeBuffer's playout.
type playoutFlags struct {
	mode               string
	delay              time.Duration
	minDelay, maxDelay time.Duration
}

func (p *playoutFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&p.mode, "playout", defaultPlayout, "playout: adaptive (the delay follows the network's jitter) or fixed (--playout-delay above the network's delay)")
	fs.DurationVar(&p.delay, "playout-delay", opusrt.DefaultPlayoutDelay, "the fixed delay, or adaptive playout's starting delay")
	fs.DurationVar(&p.minDelay, "min-delay", defaultMinDelay, "adaptive playout: the least delay it sets")
	fs.DurationVar(&p.maxDelay, "max-delay", defaultMaxDelay, "adaptive playout: the most delay it sets")
}

// playoutSpec is the playout the flags describe.
type playoutSpec struct {
	mode               string // playoutFixed or playoutAdaptive
	delay              time.Duration
	minDelay, maxDelay time.Duration // adaptive only
}

// config checks the flags, fs telling which were given.
func (p *playoutFlags) config(fs *pflag.FlagSet) (playoutSpec, error) {
	s := playoutSpec{mode: p.mode, delay: p.delay, minDelay: p.minDelay, maxDelay: p.maxDelay}
	switch p.mode {
	case playoutFixed:
		for _, name := range []string{"min-delay", "max-delay"} {
			if fs.Changed(name) {
				return playoutSpec{}, usagef("--%s is for --playout adaptive; a fixed playout holds --playout-delay", name)
			}
		}
	case playoutAdaptive:
	default:
		return playoutSpec{}, usagef("--playout %q: want adaptive or fixed", p.mode)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--playout-delay", p.delay}, {"--min-delay", p.minDelay}, {"--max-delay", p.maxDelay}} {
		if d.v < 0 {
			return playoutSpec{}, usagef("%s %v: must not be negative", d.name, d.v)
		}
		if d.v > opusrt.DefaultMaxDuration {
			return playoutSpec{}, usagef("%s %v: more than the buffer holds (%v)", d.name, d.v, opusrt.DefaultMaxDuration)
		}
	}
	if s.mode == playoutAdaptive && s.minDelay > s.maxDelay {
		return playoutSpec{}, usagef("--min-delay %v is more than --max-delay %v", s.minDelay, s.maxDelay)
	}
	return s, nil
}

// options returns the RealtimeBuffer options of s. Both modes follow the
// sender's clock and the network's delay steps (the library's default); a
// fixed delay is held above the network's.
func (s playoutSpec) options() []opusrt.RealtimeOption {
	if s.mode == playoutAdaptive {
		return []opusrt.RealtimeOption{opusrt.WithPlayoutDelay(s.delay), opusrt.WithAdaptivePlayout(s.minDelay, s.maxDelay)}
	}
	return []opusrt.RealtimeOption{opusrt.WithPlayoutDelay(s.delay)}
}

// String describes the playout in one line.
func (s playoutSpec) String() string {
	if s.mode == playoutAdaptive {
		return fmt.Sprintf("adaptive playout from %v, between %v and %v", s.delay, s.minDelay, s.maxDelay)
	}
	return fmt.Sprintf("fixed playout delay %v", s.delay)
}
