package opusrt_test

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// Adaptive playout sets the delay from the jitter it measures. Here a
// stream of 20 ms frames crosses a network whose delay varies by up to
// 35 ms; the buffer starts at a generous 200 ms and comes down to what the
// jitter needs, by removing frames (inactive ones first), then plays on
// with no frame late.
func ExampleWithAdaptivePlayout() {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk),
		opusrt.WithPlayoutDelay(200*time.Millisecond),
		opusrt.WithAdaptivePlayout(20*time.Millisecond, time.Second))

	jitter := []time.Duration{0, 35, 10, 20, 5, 30, 15, 25} // ms, repeating
	const n = 1500                                          // 30 s
	next := 0
	for {
		// Interleave the arrivals with playout, in time order.
		due, ok := rtb.NextDue()
		if next < n {
			at := time.Duration(next)*20*time.Millisecond + 40*time.Millisecond + jitter[next%len(jitter)]*time.Millisecond
			if !ok || !t0.Add(at).After(due) {
				clk.Set(t0.Add(at))
				frame := opusrt.Frame{9 << 3, 0x80, byte(next)} // SILK, voice active
				rtb.Write(opusrt.ToStamped(frame, opusrt.EpochMillis(20*next)))
				if next++; next == n {
					rtb.CloseWrite()
				}
				continue
			}
		}
		if due.After(clk.Now()) {
			clk.Set(due)
		}
		if _, _, err := rtb.TryFrame(); errors.Is(err, io.EOF) {
			break
		}
	}
	s := rtb.Stats()
	fmt.Println("target delay:", s.TargetDelay)
	fmt.Println("removed:", time.Duration(s.RemovedSamplesForAcceleration)*time.Second/48000)
	fmt.Println("late:", s.PacketsLate)
	fmt.Println("played:", s.PacketsPlayed+s.PacketsRemoved == n)
	// Output:
	// target delay: 40ms
	// removed: 140ms
	// late: 0
	// played: true
}
