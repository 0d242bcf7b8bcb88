package opusrt_test

import (
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// Following the network on unusual streams, adaptively and at a fixed
// delay: an outage of 3 s delivered as a burst after it (its frames are
// late; the stream after it is not), 2.5 ms frames on a FIFO path, and
// 120 ms packets. Nothing late after recovery, the latency bounded. (The
// 120 ms packets were held 180–200 ms adaptively: the target was rounded
// up to a whole 120 ms frame.)
func TestFollowUnusualStreams(t *testing.T) {
	type tc struct {
		name    string
		s       stream
		maxLate int
		maxHeld time.Duration
	}
	celt := func(i int) opusrt.Frame { return opusrt.Frame{16 << 3, 0, byte(i >> 16), byte(i >> 8), byte(i)} }
	long := func(i int) opusrt.Frame {
		return opusrt.Frame{9<<3 | 3, 6, byte(i >> 16), byte(i >> 8), byte(i), 0x80, 0, 0}
	}
	per := func(d time.Duration) func(int) time.Duration {
		return func(i int) time.Duration { return time.Duration(i) * d }
	}
	jit := jittery(3, 40*time.Millisecond, 20*time.Millisecond)
	var last time.Duration
	fifo := func(send func(int) time.Duration, net func(int) time.Duration) func(int) time.Duration {
		return func(i int) time.Duration {
			last = max(last, send(i)+net(i))
			return last - send(i)
		}
	}
	outage := func(i int) time.Duration {
		if i >= 1000 && i < 1150 {
			return time.Duration(1150-i)*20*time.Millisecond + 40*time.Millisecond
		}
		return jit(i)
	}
	cases := []tc{
		{"outage 3s", stream{n: 3000, send: per(20 * time.Millisecond), net: outage}, 150, 140 * time.Millisecond},
		{"2.5ms", stream{n: 24000, send: per(2500 * time.Microsecond), net: fifo(per(2500*time.Microsecond), jit),
			frame: celt, stamp: func(i int) int64 { return int64(i) * 5 / 2 }}, 0, 100 * time.Millisecond},
		{"120ms", stream{n: 500, send: per(120 * time.Millisecond), net: jit,
			frame: long, stamp: func(i int) int64 { return int64(i) * 120 }}, 0, 100 * time.Millisecond},
	}
	for _, c := range cases {
		for _, ad := range []bool{false, true} {
			last = 0
			var opts []opusrt.RealtimeOption
			if ad {
				opts = append(opts, opusrt.WithAdaptivePlayout(0, 2*time.Second))
			}
			o := playStream(t, c.s, opts...)
			lo, hi := o.heldRange(10 * time.Second)
			if len(o.lateAt) > c.maxLate || o.lateAfter(30*time.Second) > 0 || lo < 0 || hi > c.maxHeld ||
				o.played+int(o.stats.PacketsRemoved)+len(o.lateAt) != c.s.n {
				t.Errorf("%s adaptive=%v: played %d, removed %d, late %d (%d after 30 s) of %d; held %v to %v after 10 s, want at most %v",
					c.name, ad, o.played, o.stats.PacketsRemoved, len(o.lateAt), o.lateAfter(30*time.Second), c.s.n, lo, hi, c.maxHeld)
			}
		}
	}
}

// Stamp jumps of ±2⁴² ms and of ±6 minutes, 20 s into a stream, adaptively
// and at a fixed delay: one resync, the stream after it plays on time,
// the counters sane.
func TestFollowStampJumps(t *testing.T) {
	for _, ad := range []bool{false, true} {
		for _, jump := range []int64{1 << 42, -(1 << 42), 360_000, -360_000} {
			clk := fakeclock.New(t0)
			opts := []opusrt.RealtimeOption{opusrt.WithClock(clk)}
			if ad {
				opts = append(opts, opusrt.WithAdaptivePlayout(0, 0))
			}
			rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opts...)
			var evs []opusrt.Event
			base := int64(1_000_000)
			if jump < 0 {
				base = 1<<42 - 10_000_000
			}
			if jump == 1<<42 || jump == -(1<<42) {
				jump = jump / (1 << 42) * (1<<42 - 20_000_000)
			}
			late := 0
			for i := range 3000 {
				at := t0.Add(time.Duration(i)*20*time.Millisecond + 40*time.Millisecond)
				evs = append(evs, playUntil(t, rtb, clk, t0, at)...)
				clk.Set(at)
				st := base + int64(i)*20
				if i >= 1000 {
					st += jump
				}
				if _, err := rtb.Write(opusrt.ToStamped(voice(byte(i)), opusrt.EpochMillis(st))); err != nil {
					late++
				}
			}
			rtb.CloseWrite()
			evs = append(evs, playUntil(t, rtb, clk, t0, t0.Add(2*time.Hour))...)
			s := rtb.Stats()
			_, frames := total(evs)
			if late > 0 || frames < 2995 || s.PacketsLost > 3 || s.LostDuration > 60*time.Millisecond || s.Resyncs != 1 ||
				s.TargetDelay < 0 || s.TargetDelay > 2*time.Second || s.Jitter > time.Second || s.PacketsRemoved > 3 {
				t.Errorf("adaptive %v, jump %d ms: %d frames played, %d refused; %+v", ad, jump, frames, late, s)
			}
		}
	}
}

// Our clock jumps 20 s into a stream (a suspend, an NTP step): back 5 s,
// forward 3 s. Back: nothing lost. Forward: the frames in flight are late
// (their slots passed), then it plays on; the schedule follows as after a
// step, by inserting. Back is not a network that got 5 s faster: the
// frames are held, not cut. (A step back of 2 s was cut, 2 s of audio
// removed, at a fixed delay and adaptively; 5 s escaped only because its
// frames lay beyond the resync threshold from the playout position.)
func TestFollowClockJumps(t *testing.T) {
	for _, ad := range []bool{false, true} {
		for _, c := range []struct{ jump, net time.Duration }{
			{-5 * time.Second, 40 * time.Millisecond}, {3 * time.Second, 40 * time.Millisecond},
			{-5 * time.Second, 25 * time.Millisecond}, {-5 * time.Second, 60 * time.Millisecond},
			{-2 * time.Second, 40 * time.Millisecond},
		} {
			jump := c.jump
			clk := fakeclock.New(t0)
			opts := []opusrt.RealtimeOption{opusrt.WithClock(clk)}
			if ad {
				opts = append(opts, opusrt.WithAdaptivePlayout(0, 0))
			}
			rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opts...)
			var evs []opusrt.Event
			late := 0
			off := time.Duration(0)
			for i := range 3000 {
				if i == 1000 {
					off = jump
				}
				at := t0.Add(off + time.Duration(i)*20*time.Millisecond + c.net)
				if !at.Before(clk.Now()) {
					evs = append(evs, playUntil(t, rtb, clk, clk.Now(), at)...)
				}
				clk.Set(at)
				if _, err := rtb.Write(opusrt.ToStamped(voice(byte(i)), opusrt.EpochMillis(1000+i*20))); err != nil {
					late++
				}
			}
			rtb.CloseWrite()
			evs = append(evs, playUntil(t, rtb, clk, clk.Now(), clk.Now().Add(2*time.Hour))...)
			s := rtb.Stats()
			_, frames := total(evs)
			maxLate := 0
			if jump > 0 {
				maxLate = int(jump/(20*time.Millisecond)) + 2
			}
			if late > maxLate || frames+late+int(s.PacketsRemoved) != 3000 || s.PacketsRemoved > 3 || s.Resyncs != 0 {
				t.Errorf("adaptive %v, clock %+v, network %v: %d frames played, %d late; %+v", ad, jump, c.net, frames, late, s)
			}
		}
	}
}

// A sender whose stamps jump 2 s ahead every 10 s (a clock that steps
// forward, within the resync threshold): each jump is a sudden fall of the
// transit, held as a lead, but the gap it leaves is skipped against that
// lead, not played. Playing each gap made the latency grow by 2 s a jump
// (held 10 s after 50 s, 10 s of loss played); now the latency stays at
// one jump's worth and only the first gap is heard.
func TestFollowSenderJumpsAhead(t *testing.T) {
	for _, ad := range []bool{false, true} {
		s := stream{
			n:     3000,
			send:  func(i int) time.Duration { return time.Duration(i) * 20 * time.Millisecond },
			net:   func(int) time.Duration { return 40 * time.Millisecond },
			frame: speech,
			stamp: func(i int) int64 { return int64(1_000_000+20*i) + int64(i/500)*2000 },
		}
		var opts []opusrt.RealtimeOption
		if ad {
			opts = append(opts, opusrt.WithAdaptivePlayout(0, time.Second))
		}
		o := playStream(t, s, opts...)
		_, hi := o.heldRange(50 * time.Second)
		if hi > 2100*time.Millisecond || o.stats.LostDuration > 2500*time.Millisecond || len(o.lateAt) > 0 {
			t.Errorf("adaptive %v: frames held up to %v after 50 s, %v of loss played, %d late; want at most 2.1 s, 2.5 s, none",
				ad, hi, o.stats.LostDuration, len(o.lateAt))
		}
	}
}
