package opusrt_test

import (
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// benchRealtimeAppendFrame writes one 20 ms frame and plays one, on a fake
// clock moved 20 ms per frame: the per-frame cost of real-time playout,
// with following the network as opts set it.
func benchRealtimeAppendFrame(b *testing.B, opts ...opusrt.RealtimeOption) {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), append([]opusrt.RealtimeOption{opusrt.WithClock(clk)}, opts...)...)
	stamped := make([]byte, 0, 64)
	f := speech(1)
	// 3 frames ahead, so that each played frame was held 60 ms.
	for i := range 3 {
		stamped = opusrt.AppendStamped(stamped[:0], f, opusrt.EpochMillis(20*i))
		rtb.Write(stamped)
	}
	clk.Advance(opusrt.DefaultPlayoutDelay)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		stamped = opusrt.AppendStamped(stamped[:0], f, opusrt.EpochMillis(20*(i+3)))
		if _, err := rtb.Write(stamped); err != nil {
			b.Fatal(err)
		}
		if _, _, err := rtb.TryFrame(); err != nil {
			b.Fatal(err)
		}
		clk.Advance(20 * time.Millisecond)
	}
}

func BenchmarkRealtimeAppendFrameFrozen(b *testing.B) {
	benchRealtimeAppendFrame(b, opusrt.WithoutFollowing())
}
func BenchmarkRealtimeAppendFrameFixed(b *testing.B) { benchRealtimeAppendFrame(b) }
func BenchmarkRealtimeAppendFrameAdaptive(b *testing.B) {
	benchRealtimeAppendFrame(b, opusrt.WithAdaptivePlayout(20*time.Millisecond, time.Second))
}
