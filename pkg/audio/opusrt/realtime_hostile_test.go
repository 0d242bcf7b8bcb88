package opusrt_test

import (
	"errors"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// playUntil plays rtb on clk at each NextDue up to end, with TryEvent, and
// checks as it goes that the audio handed out never runs ahead of the
// clock: before each event, the sum of the events' durations since start
// is at most the time since start (plus the tolerance of whole-ms stamps).
func playUntil(t *testing.T, rtb *opusrt.RealtimeBuffer, clk *fakeclock.Clock, start, end time.Time) []opusrt.Event {
	t.Helper()
	var evs []opusrt.Event
	var out time.Duration
	for {
		due, ok := rtb.NextDue()
		if !ok || due.After(end) {
			return evs
		}
		clk.Set(due)
		ev, err := rtb.TryEvent()
		if errors.Is(err, io.EOF) {
			return evs
		}
		if err != nil {
			t.Fatalf("TryEvent at NextDue %v: %v", due.Sub(t0), err)
		}
		if ahead := out - clk.Now().Sub(start); ahead > opusrt.StampTolerance {
			t.Fatalf("at %v: %v of audio handed out, %v ahead of the clock", clk.Now().Sub(t0), out, ahead)
		}
		out += ev.Duration
		evs = append(evs, ev)
		if len(evs) > 1_000_000 {
			t.Fatal("a million events")
		}
	}
}

func total(evs []opusrt.Event) (audio time.Duration, frames int) {
	for _, ev := range evs {
		audio += ev.Duration
		if ev.Kind == opusrt.EventFrame {
			frames++
		}
	}
	return audio, frames
}

// One frame at S, then 1000 frames stamped S − 4.9 s·k, then 2 s of the
// real stream: on the first version this made a 38-minute recording in 3 s
// of wall time. Frames whose slot on the schedule passed before they came
// are late (or, beyond 5 s, a resync): the real stream plays on time.
func TestRealtimeFramesStampedBeforeTheFirst(t *testing.T) {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	const s = 1_000_000_000
	var evs []opusrt.Event
	write := func(stamp opusrt.EpochMillis) {
		rtb.Write(opusrt.ToStamped(voice(1), stamp))
	}
	write(s)
	clk.Set(t0.Add(time.Millisecond))
	for k := 1; k <= 1000; k++ {
		write(s - opusrt.EpochMillis(4900*k))
	}
	for i := 1; i <= 100; i++ {
		at := t0.Add(ms(20 * i))
		evs = append(evs, playUntil(t, rtb, clk, t0, at)...)
		clk.Set(at)
		write(s + opusrt.EpochMillis(20*i))
	}
	rtb.CloseWrite()
	evs = append(evs, playUntil(t, rtb, clk, t0, t0.Add(time.Hour))...)
	audio, frames := total(evs)
	if wall := clk.Now().Sub(t0); audio > wall+opusrt.StampTolerance || wall > 3*time.Second {
		t.Errorf("%v of audio in %v of wall time", audio, wall)
	}
	t.Logf("%v of audio, %d frames, in %v; %+v", audio, frames, clk.Now().Sub(t0), rtb.Stats())
	if frames < 100 {
		t.Errorf("%d frames played, want the real stream's 100 at least", frames)
	}
	if st := rtb.Stats(); st.LostDuration > time.Second {
		t.Errorf("%v reported lost", st.LostDuration)
	}
}

// With NewBuffer(100ms), frames put straight into the Buffer far before
// the schedule's first, and the overflow that drops them, must not make
// the schedule start in the past: on the first version Frame returned
// 1,284,764 underrun losses (7 h) in 200 ms without waiting.
func TestRealtimeOverflowDoesNotRunAhead(t *testing.T) {
	clk := fakeclock.New(t0)
	buf := opusrt.NewBuffer(100*time.Millisecond, opusrt.WithClock(clk))
	rtb := opusrt.RealtimeFrom(buf)
	const s = 1_000_000_000
	rtb.Write(opusrt.ToStamped(voice(1), s))
	for k := 1; k <= 1000; k++ {
		buf.Append(voice(2), s-opusrt.EpochMillis(4900*k))
	}
	evs := playUntil(t, rtb, clk, t0, t0.Add(200*time.Millisecond))
	// A loss is handed out whole at its start: what comes before the last
	// event fits in the 200 ms.
	if audio, _ := total(evs[:len(evs)-1]); audio > 200*time.Millisecond || len(evs) > 20 {
		t.Errorf("%v of audio handed out in 200ms before the last of %d events", audio, len(evs))
	}
}

// Stamps jumping across the whole range Write takes, 0 to 2⁴² ms, and back: every counter
// stays sane (on the first version LostDuration read −237,377 h and Jitter
// 2,443,352 h), and each jump is a resync, not loss.
func TestRealtimeStatsAfterHugeJumps(t *testing.T) {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	stamps := []opusrt.EpochMillis{0, 20, 1<<42 - 1000, 1<<42 - 980, 40, 60, 1<<42 - 500, 1<<42 - 480}
	var evs []opusrt.Event
	for i, s := range stamps {
		at := t0.Add(ms(200 * (i / 2))) // in pairs, each pair played out before the next
		if i%2 == 1 {
			at = clk.Now()
		}
		evs = append(evs, playUntil(t, rtb, clk, t0, at)...)
		clk.Set(at)
		if _, err := rtb.Write(opusrt.ToStamped(voice(byte(i+1)), s)); err != nil {
			t.Fatalf("Write(%d): %v", s, err)
		}
	}
	rtb.CloseWrite()
	evs = append(evs, playUntil(t, rtb, clk, t0, t0.Add(time.Hour))...)
	st := rtb.Stats()
	if _, frames := total(evs); frames != len(stamps) || st.PacketsPlayed != uint64(len(stamps)) {
		t.Errorf("%d frames played, want %d", frames, len(stamps))
	}
	if st.LostDuration < 0 || st.LostDuration > time.Second || st.Jitter > time.Second || st.PacketsLost > 50 {
		t.Errorf("counters after the jumps: %+v", st)
	}
	if st.Resyncs != 3 {
		t.Errorf("Resyncs = %d, want 3", st.Resyncs)
	}
}

// Every call from its own goroutine at once — writers with absurd stamps,
// a blocking reader, a polling reader, Reset, NextDue — on a manual clock:
// no race, no deadlock, and Close ends it all.
func TestRealtimeConcurrentUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(200*time.Millisecond), opusrt.WithClock(clk))
		stamps := []opusrt.EpochMillis{0, 20, 40, 1 << 40, 60, 80, 0, 7000, 100, 1<<42 - 1}
		var wg sync.WaitGroup
		var ticks []chan int
		worker := func(act func(i int)) {
			tick := make(chan int, 1)
			ticks = append(ticks, tick)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range tick {
					act(i)
				}
			}()
		}
		for w := range 3 {
			worker(func(i int) {
				rtb.Write(opusrt.ToStamped(voice(byte(i)), stamps[(i+w)%len(stamps)]+opusrt.EpochMillis(20*i)))
			})
		}
		worker(func(int) { rtb.TryEvent(); rtb.NextDue() })
		worker(func(i int) {
			if i%97 == 0 {
				rtb.Reset()
			}
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, _, err := rtb.Frame(); errors.Is(err, io.EOF) {
					return
				}
			}
		}()
		for i := range 500 {
			for _, tick := range ticks {
				tick <- i
			}
			synctest.Wait()
			clk.Advance(time.Duration(i%7) * 5 * time.Millisecond)
			synctest.Wait()
		}
		for _, tick := range ticks {
			close(tick)
		}
		rtb.Close()
		wg.Wait()
		if _, _, err := rtb.Frame(); !errors.Is(err, io.EOF) {
			t.Fatalf("Frame after Close: %v", err)
		}
	})
}
