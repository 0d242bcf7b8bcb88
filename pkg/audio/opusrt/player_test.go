package opusrt_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// TestPlayerPlaysManyStreamsOnSchedule plays 50 streams from two Run
// goroutines on a fake clock: each gets exactly what its own Frame loop
// would, at the same times.
func TestPlayerPlaysManyStreamsOnSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		p := opusrt.NewPlayer(opusrt.WithClock(clk))
		runs := make(chan error, 2)
		for range 2 {
			go func() { runs <- p.Run() }()
		}
		const n = 50
		var mu sync.Mutex
		results := make([][]string, n)
		finished := 0
		for i := range n {
			rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
			p.Add(rtb, func(f opusrt.Frame, loss time.Duration, err error) {
				mu.Lock()
				defer mu.Unlock()
				at := clk.Now().Sub(t0) - ms(i)
				switch {
				case errors.Is(err, io.EOF):
					finished++
				case err != nil:
					t.Errorf("stream %d: %v", i, err)
				case f != nil:
					results[i] = append(results[i], fmt.Sprintf("%v:#%d", at, f[1]))
				default:
					results[i] = append(results[i], fmt.Sprintf("%v:loss %v", at, loss))
				}
			})
			// Stream i starts i ms after t0; its third frame is lost.
			go func() {
				timer := clk.NewTimer(0)
				for k := range 5 {
					timer.Reset(t0.Add(ms(i + 20*k)).Sub(clk.Now()))
					<-timer.C()
					if k != 2 {
						rtb.Write(opusrt.ToStamped(voice(byte(k+1)), opusrt.EpochMillis(20*k)))
					}
				}
				rtb.CloseWrite()
			}()
		}
		for {
			synctest.Wait()
			mu.Lock()
			all := finished == n
			mu.Unlock()
			if all {
				break
			}
			if !clk.AdvanceToNext() {
				t.Fatalf("stuck with %d of %d streams finished", finished, n)
			}
		}
		want := "60ms:#1 80ms:#2 100ms:loss 20ms 120ms:#4 140ms:#5"
		for i, got := range results {
			if g := strings.Join(got, " "); g != want {
				t.Errorf("stream %d:\n got: %s\nwant: %s", i, g, want)
			}
		}
		if p.Streams() != 0 {
			t.Errorf("Streams = %d after every stream ended", p.Streams())
		}
		p.Close()
		for range 2 {
			if err := <-runs; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	})
}

// A stream whose buffer is closed while it waits for input gets io.EOF.
func TestPlayerDeliversEOFOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		p := opusrt.NewPlayer(opusrt.WithClock(clk))
		go p.Run()
		defer p.Close()
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		got := make(chan error, 1)
		p.Add(rtb, func(_ opusrt.Frame, _ time.Duration, err error) {
			if err != nil {
				got <- err
			}
		})
		synctest.Wait()
		rtb.Close()
		if err := <-got; !errors.Is(err, io.EOF) {
			t.Fatalf("deliver got %v, want io.EOF", err)
		}
	})
}

func TestRealtimeTryFrame(t *testing.T) {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	if _, _, err := rtb.TryFrame(); err != opusrt.ErrNotDue {
		t.Fatalf("TryFrame before input: %v, want ErrNotDue", err)
	}
	rtb.Write(opusrt.ToStamped(voice(1), 0))
	if _, _, err := rtb.TryFrame(); err != opusrt.ErrNotDue {
		t.Fatalf("TryFrame before due: %v, want ErrNotDue", err)
	}
	due, _ := rtb.NextDue()
	clk.Set(due)
	if f, _, err := rtb.TryFrame(); err != nil || f[1] != 1 {
		t.Fatalf("TryFrame when due: %x, %v", f, err)
	}
}

// TryFrame never waits for a Frame call blocked on the same buffer (on the
// first version it queued behind it until input came).
func TestTryFrameDoesNotWaitForFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		blocked := make(chan error, 1)
		go func() {
			_, _, err := rtb.Frame() // nothing written: waits for input
			blocked <- err
		}()
		synctest.Wait()
		tried := make(chan error, 1)
		go func() {
			_, _, err := rtb.TryFrame()
			tried <- err
		}()
		synctest.Wait()
		select {
		case err := <-tried:
			if err != opusrt.ErrNotDue {
				t.Errorf("TryFrame = %v, want ErrNotDue", err)
			}
		default:
			t.Error("TryFrame waits for the blocked Frame")
			rtb.Close()
			<-tried
		}
		rtb.Close()
		if err := <-blocked; !errors.Is(err, io.EOF) {
			t.Errorf("Frame after Close: %v", err)
		}
	})
}

// NextDue for a frame put straight into the Buffer: seen at the first
// call, which anchors the schedule, it stays put as the clock moves (on
// the first version it said now + delay at every call, always ahead), and
// Frame returns then.
func TestNextDueForAFrameInTheBuffer(t *testing.T) {
	clk := fakeclock.New(t0)
	buf := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	rtb := opusrt.RealtimeFrom(buf, opusrt.WithPlayoutDelay(ms(40)))
	buf.Append(voice(1), 0)
	clk.Advance(ms(100))
	first, ok := rtb.NextDue()
	if !ok || first != t0.Add(ms(140)) {
		t.Fatalf("NextDue = %v, %v; want 140ms", first.Sub(t0), ok)
	}
	clk.Advance(ms(30))
	if due, _ := rtb.NextDue(); due != first {
		t.Fatalf("NextDue moved from %v to %v as the clock did", first.Sub(t0), due.Sub(t0))
	}
	if _, _, err := rtb.TryFrame(); err != opusrt.ErrNotDue {
		t.Fatalf("TryFrame before due: %v", err)
	}
	clk.Set(first)
	if f, _, err := rtb.TryFrame(); err != nil || f[1] != 1 {
		t.Fatalf("TryFrame at NextDue = %x, %v", f, err)
	}
}

// A Player delivers events: the discontinuity of a stamp jump comes with
// the frame after it, at its due time.
func TestPlayerAddEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		p := opusrt.NewPlayer(opusrt.WithClock(clk))
		go p.Run()
		defer p.Close()
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		var got []string
		done := make(chan struct{})
		p.AddEvents(rtb, func(ev opusrt.Event, err error) {
			if err != nil {
				close(done)
				return
			}
			got = append(got, fmt.Sprintf("%v:%v@%d", clk.Now().Sub(t0), ev.Kind, ev.Stamp()))
		})
		rtb.Write(opusrt.ToStamped(voice(1), 0))
		rtb.Write(opusrt.ToStamped(voice(2), 40))
		rtb.Write(opusrt.ToStamped(voice(3), 600000))
		rtb.CloseWrite()
		for {
			synctest.Wait()
			select {
			case <-done:
				want := "60ms:frame@0 80ms:loss@20 100ms:frame@40 120ms:discontinuity@600000 120ms:frame@600000"
				if g := strings.Join(got, " "); g != want {
					t.Errorf("delivered\n got %s\nwant %s", g, want)
				}
				return
			default:
			}
			if !clk.AdvanceToNext() {
				t.Fatalf("stuck after %v", got)
			}
		}
	})
}
