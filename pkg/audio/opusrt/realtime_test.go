package opusrt_test

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// arrival is a stamped frame reaching the RealtimeBuffer at a time after t0.
type arrival struct {
	at    time.Duration
	stamp opusrt.EpochMillis
	id    byte
}

// played is one Frame result and when it came, after t0.
type played struct {
	at time.Duration
	event
}

func (p played) String() string {
	if p.id != 0 {
		return fmt.Sprintf("%v:#%d", p.at, p.id)
	}
	return fmt.Sprintf("%v:loss %v", p.at, p.loss)
}

// sim plays arrivals through a RealtimeBuffer on a fake clock inside a
// synctest bubble: a sender goroutine writes each arrival at its time (then
// calls CloseWrite if closeWrite), and the test reads Frame until io.EOF or
// limit events. Whenever both goroutines are blocked, the clock moves to the
// earliest armed timer. It returns what was played and each Write's error.
func sim(t *testing.T, arrivals []arrival, closeWrite bool, limit int, opts ...opusrt.RealtimeOption) ([]played, []error, opusrt.Stats) {
	t.Helper()
	var out []played
	var errs []error
	var stats opusrt.Stats
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		buf := opusrt.NewBuffer(0)
		rtb := opusrt.RealtimeFrom(buf, append([]opusrt.RealtimeOption{opusrt.WithClock(clk)}, opts...)...)
		errs = make([]error, len(arrivals))
		go func() {
			timer := clk.NewTimer(0)
			for i, a := range arrivals {
				timer.Reset(t0.Add(a.at).Sub(clk.Now()))
				<-timer.C()
				_, errs[i] = rtb.Write(opusrt.ToStamped(voice(a.id), a.stamp))
			}
			if closeWrite {
				rtb.CloseWrite()
			}
		}()
		type result struct {
			f    opusrt.Frame
			loss time.Duration
			err  error
			at   time.Time
		}
		for len(out) < limit {
			ch := make(chan result, 1)
			go func() {
				f, loss, err := rtb.Frame()
				ch <- result{f, loss, err, clk.Now()}
			}()
			var r result
		wait:
			for {
				synctest.Wait()
				select {
				case r = <-ch:
					break wait
				default:
				}
				if !clk.AdvanceToNext() {
					t.Fatalf("Frame blocks with no timer armed after %v", out)
				}
			}
			if errors.Is(r.err, io.EOF) {
				break
			}
			if r.err != nil {
				t.Fatalf("Frame: %v", r.err)
			}
			p := played{at: r.at.Sub(t0), event: event{loss: r.loss}}
			if r.f != nil {
				p.id = r.f[1]
			}
			out = append(out, p)
		}
		rtb.Close()
		stats = rtb.Stats()
	})
	return out, errs, stats
}

// steady returns n frames of 20 ms sent every 20 ms from stamp, arriving
// after latency, with ids from first.
func steady(n int, stamp opusrt.EpochMillis, latency time.Duration, first byte) []arrival {
	var as []arrival
	for i := range n {
		as = append(as, arrival{at: latency + ms(20*i), stamp: stamp + opusrt.EpochMillis(20*i), id: first + byte(i)})
	}
	return as
}

func expect(t *testing.T, got []played, want string) {
	t.Helper()
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	if g := strings.Join(s, " "); g != want {
		t.Errorf("played\n got: %s\nwant: %s", g, want)
	}
}

func TestRealtimeStartupDelayAndSteadyPlay(t *testing.T) {
	got, _, _ := sim(t, steady(4, 5000, ms(3), 1), true, 100)
	expect(t, got, "63ms:#1 83ms:#2 103ms:#3 123ms:#4")
}

func TestRealtimePlayoutDelayOption(t *testing.T) {
	got, _, _ := sim(t, steady(2, 5000, 0, 1), true, 100, opusrt.WithPlayoutDelay(ms(100)))
	expect(t, got, "100ms:#1 120ms:#2")
}

func TestRealtimeGapIsReportedAtItsTime(t *testing.T) {
	as := steady(5, 0, 0, 1)
	as = slices.Delete(as, 2, 4) // frames 3 and 4 never arrive
	got, _, _ := sim(t, as, true, 100)
	expect(t, got, "60ms:#1 80ms:#2 100ms:loss 40ms 140ms:#5")
}

func TestRealtimeReorderingInsideTheDelay(t *testing.T) {
	as := []arrival{
		{at: 0, stamp: 0, id: 1},
		{at: ms(50), stamp: 40, id: 3}, // overtakes frame 2
		{at: ms(65), stamp: 20, id: 2}, // still before its due time, 80 ms
		{at: ms(70), stamp: 60, id: 4},
	}
	got, errs, stats := sim(t, as, true, 100)
	expect(t, got, "60ms:#1 80ms:#2 100ms:#3 120ms:#4")
	if stats.PacketsLate != 0 || stats.PacketsPlayed != 4 {
		t.Errorf("stats %+v", stats)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Write %d: %v", i, err)
		}
	}
}

func TestRealtimeLateFrame(t *testing.T) {
	as := []arrival{
		{at: 0, stamp: 0, id: 1},
		{at: ms(10), stamp: 40, id: 3},
		{at: ms(90), stamp: 20, id: 2}, // its slot was 80 ms
	}
	got, errs, stats := sim(t, as, true, 100)
	expect(t, got, "60ms:#1 80ms:loss 20ms 100ms:#3")
	if stats.PacketsLate != 1 || stats.PacketsPlayed != 2 || stats.ConcealmentEvents != 1 {
		t.Errorf("stats %+v", stats)
	}
	if !errors.Is(errs[2], opusrt.ErrDisorderedPacket) {
		t.Errorf("late Write: %v, want ErrDisorderedPacket", errs[2])
	}
}

func TestRealtimeUnderrunGivesSteadyLossCadence(t *testing.T) {
	as := steady(2, 0, 0, 1)
	as = append(as, arrival{at: ms(150), stamp: 100, id: 6}) // sender resumes
	got, _, _ := sim(t, as, true, 100)
	// After frame 2 (80 ms) nothing is held: a 20 ms loss every 20 ms, until
	// frame 6 arrives at 150 ms for its slot at 160 ms.
	expect(t, got, "60ms:#1 80ms:#2 100ms:loss 20ms 120ms:loss 20ms 140ms:loss 20ms 160ms:#6")
}

func TestRealtimeUnderrunStepIsLastFrameDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		long := opusrt.Frame{3 << 3, 1} // SILK 60 ms
		if _, err := rtb.Write(opusrt.ToStamped(long, 0)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(ms(60))
		if f, _, _ := rtb.Frame(); f == nil {
			t.Fatal("no frame at its due time")
		}
		clk.Advance(ms(60))
		if _, loss, _ := rtb.Frame(); loss != ms(60) {
			t.Fatalf("underrun loss %v, want the last frame's 60ms", loss)
		}
	})
}

func TestRealtimeCloseWriteDrainsThenEOF(t *testing.T) {
	as := steady(3, 0, 0, 1)
	as = slices.Delete(as, 1, 2)
	got, _, _ := sim(t, as, true, 100)
	// Gap still reported, then io.EOF at once after the last held frame.
	expect(t, got, "60ms:#1 80ms:loss 20ms 100ms:#3")
}

func TestRealtimeCloseUnblocksFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(fakeclock.New(t0)))
		done := make(chan error)
		go func() {
			_, _, err := rtb.Frame() // nothing written: waits for input
			done <- err
		}()
		synctest.Wait()
		rtb.Close()
		if err := <-done; !errors.Is(err, io.EOF) {
			t.Fatalf("Frame after Close: %v, want io.EOF", err)
		}
		if _, _, err := rtb.Frame(); !errors.Is(err, io.EOF) {
			t.Fatalf("later Frame: %v", err)
		}
		if _, err := rtb.Write(opusrt.ToStamped(voice(1), 0)); !errors.Is(err, opusrt.ErrDone) {
			t.Fatalf("Write after Close: %v, want ErrDone", err)
		}
		if err := rtb.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func TestRealtimeCloseWriteWithNothingHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(fakeclock.New(t0)))
		rtb.CloseWrite()
		if _, _, err := rtb.Frame(); !errors.Is(err, io.EOF) {
			t.Fatalf("Frame: %v, want io.EOF", err)
		}
		if _, err := rtb.Write(opusrt.ToStamped(voice(1), 0)); !errors.Is(err, opusrt.ErrDone) {
			t.Fatalf("Write after CloseWrite: %v, want ErrDone", err)
		}
	})
}

func TestRealtimeResetForgetsAnchor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		rtb.Write(opusrt.ToStamped(voice(1), 0))
		rtb.Write(opusrt.ToStamped(voice(2), 20))
		clk.Advance(ms(60))
		if f, _, _ := rtb.Frame(); f == nil || f[1] != 1 {
			t.Fatalf("first frame %x", f)
		}
		rtb.Reset()
		if s := rtb.Stats(); s.PacketsCleared != 1 || s.BufferedPackets != 0 {
			t.Fatalf("stats after Reset %+v", s)
		}
		clk.Advance(ms(1000))
		// An older stamp is not late after Reset, and anchors anew.
		if _, err := rtb.Write(opusrt.ToStamped(voice(3), 0)); err != nil {
			t.Fatalf("Write after Reset: %v", err)
		}
		due, ok := rtb.NextDue()
		if !ok || due != t0.Add(ms(1120)) {
			t.Fatalf("NextDue = %v, %v; want 1.12s after t0", due.Sub(t0), ok)
		}
	})
}

func TestRealtimeStampJumpForwardReanchors(t *testing.T) {
	as := steady(2, 0, 0, 1)
	as = append(as, steady(2, 600000, ms(40), 10)...) // sender clock jumps 10 minutes
	got, errs, stats := sim(t, as, true, 100)
	// The jumped-to frame is due one playout delay after it arrives (40+60),
	// with no loss reported for the jump.
	expect(t, got, "60ms:#1 80ms:#2 100ms:#10 120ms:#11")
	if stats.Resyncs != 1 || stats.ConcealmentEvents != 0 || stats.PacketsPlayed != 4 {
		t.Errorf("stats %+v: want one resync, no loss", stats)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Write %d: %v", i, err)
		}
	}
}

func TestRealtimeStampJumpBackResyncs(t *testing.T) {
	as := steady(3, 600000, 0, 1)
	as = append(as, steady(2, 0, ms(210), 10)...) // sender restarted its clock
	got, errs, stats := sim(t, as, true, 100)
	// The loss cadence goes on until the new timeline is due, 210+60 ms,
	// with no silent hole: the last loss is cut to end there.
	expect(t, got, "60ms:#1 80ms:#2 100ms:#3 120ms:loss 20ms 140ms:loss 20ms 160ms:loss 20ms 180ms:loss 20ms 200ms:loss 20ms 220ms:loss 20ms 240ms:loss 20ms 260ms:loss 10ms 270ms:#10 290ms:#11")
	if stats.Resyncs != 1 || stats.PacketsResynced != 0 || stats.PacketsPlayed != 5 {
		t.Errorf("stats %+v: want one resync", stats)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Write %d: %v", i, err)
		}
	}
}

func TestRealtimeFrameInBufferAnchorsAtFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		buf := opusrt.NewBuffer(0)
		rtb := opusrt.RealtimeFrom(buf, opusrt.WithClock(clk), opusrt.WithPlayoutDelay(ms(40)))
		buf.Append(voice(1), 0)
		clk.Advance(ms(500))
		go func() { synctest.Wait(); clk.AdvanceToNext() }()
		f, _, err := rtb.Frame()
		if err != nil || f[1] != 1 || clk.Now() != t0.Add(ms(540)) {
			t.Fatalf("Frame = %x, %v at %v; want frame 1 at 540ms", f, err, clk.Now().Sub(t0))
		}
	})
}

// TestRealtimeSystemClockSmoke plays 2 s of 20 ms frames on the real clock
// and checks they come out on schedule, with generous bounds: a smoke test
// of the system clock path, not a measurement.
func TestRealtimeSystemClockSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock smoke test skipped in -short mode")
	}
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0))
	// The schedule starts at the first Write: on a loaded machine (-race,
	// other work) the 100 writes took 9 ms, which made every frame look
	// early when timed from after them.
	start := time.Now()
	for i := range 100 {
		if _, err := rtb.Write(opusrt.ToStamped(voice(1), opusrt.EpochMillis(i*20))); err != nil {
			t.Fatal(err)
		}
	}
	rtb.CloseWrite()
	n := 0
	for {
		f, loss, err := rtb.Frame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || f == nil || loss != 0 {
			t.Fatalf("Frame %d = %x, %v, %v", n, f, loss, err)
		}
		due := opusrt.DefaultPlayoutDelay + ms(20*n)
		if late := time.Since(start) - due; late < -ms(5) || late > ms(250) {
			t.Errorf("frame %d at %v, due at %v", n, time.Since(start), due)
		}
		n++
	}
	if n != 100 {
		t.Fatalf("played %d frames, want 100", n)
	}
}

func fakeclockAt(d time.Duration) *fakeclock.Clock { return fakeclock.New(t0.Add(d)) }

func TestRealtimeJitterBufferDelay(t *testing.T) {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	// Frame i arrives at 20i ms and is due at 20i+60 ms: interleave the
	// arrivals and the playout in time order.
	sent, played := 0, 0
	for played < 10 {
		due, ok := rtb.NextDue()
		if sent < 10 && (!ok || t0.Add(ms(20*sent)).Before(due)) {
			clk.Set(t0.Add(ms(20 * sent)))
			rtb.Write(opusrt.ToStamped(voice(1), opusrt.EpochMillis(20*sent)))
			sent++
			continue
		}
		clk.Set(due)
		if f, _, err := rtb.Frame(); f == nil || err != nil {
			t.Fatalf("Frame %d: %x, %v", played, f, err)
		}
		played++
	}
	s := rtb.Stats()
	if s.JitterBufferEmittedCount != 10 || s.MeanJitterBufferDelay() != opusrt.DefaultPlayoutDelay {
		t.Fatalf("delay %v over %d, want %v over 10", s.MeanJitterBufferDelay(), s.JitterBufferEmittedCount, opusrt.DefaultPlayoutDelay)
	}
}

// Two forward jumps within one playout delay: the second timeline must not
// wait out its jump on the first's schedule.
func TestRealtimeTwoStampJumpsForward(t *testing.T) {
	as := []arrival{
		{at: 0, stamp: 0, id: 1},
		{at: ms(20), stamp: 20, id: 2},
		{at: ms(30), stamp: 600000, id: 10},
		{at: ms(35), stamp: 1200000, id: 20},
	}
	got, errs, stats := sim(t, as, true, 100)
	// #10 is due 30+60 ms but the old timeline ends at 100 ms; #20 is due
	// 35+60 ms but #10's timeline ends at 120 ms.
	expect(t, got, "60ms:#1 80ms:#2 100ms:#10 120ms:#20")
	if stats.Resyncs != 2 || stats.ConcealmentEvents != 0 || stats.PacketsPlayed != 4 {
		t.Errorf("stats %+v: want two resyncs, no loss", stats)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Write %d: %v", i, err)
		}
	}
}

// The first frame to arrive is not the first sent: the one sent before it
// arrives inside the playout delay and is due earlier, so a Frame already
// waiting must wake for it.
func TestRealtimeEarlierFrameArrivesSecond(t *testing.T) {
	as := []arrival{
		{at: 0, stamp: 20, id: 2},
		{at: ms(5), stamp: 0, id: 1},
		{at: ms(10), stamp: 40, id: 3},
	}
	got, _, _ := sim(t, as, true, 100)
	expect(t, got, "40ms:#1 60ms:#2 80ms:#3")
}
