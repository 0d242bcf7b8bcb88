package opusrt_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// benchFrames returns n valid 20 ms SILK wideband packets of the sizes a
// 16–24 kbit/s voice stream has (40–60 bytes).
func benchFrames(n int) []opusrt.Frame {
	rng := rand.New(rand.NewPCG(1, 2))
	frames := make([]opusrt.Frame, n)
	for i := range frames {
		f := make(opusrt.Frame, 40+rng.IntN(21))
		f[0] = 9 << 3
		for j := 1; j < len(f); j++ {
			f[j] = byte(rng.Uint32())
		}
		frames[i] = f
	}
	return frames
}

// benchAppendFrame appends frames in the given stamp order, keeping held
// frames in the buffer, and reads one for each appended: one op is one
// Append plus one Frame in steady state.
func benchAppendFrame(b *testing.B, held int, order func(i int) int, opts ...opusrt.BufferOption) {
	frames := benchFrames(1024)
	buf := opusrt.NewBuffer(time.Hour, opts...)
	for i := range held {
		buf.Append(frames[i%len(frames)], opusrt.EpochMillis(20*order(i)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i + held
		if err := buf.Append(frames[k%len(frames)], opusrt.EpochMillis(20*order(k))); err != nil {
			b.Fatal(err)
		}
		if _, _, err := buf.Frame(); err != nil {
			b.Fatal(err)
		}
	}
}

func inOrder(i int) int { return i }

// reorder10 swaps every tenth frame with the one after it: 10 % of frames
// arrive one place late.
func reorder10(i int) int {
	switch i % 20 {
	case 9:
		return i + 1
	case 10:
		return i - 1
	}
	return i
}

func BenchmarkBufferAppendFrameInOrder(b *testing.B)   { benchAppendFrame(b, 5, inOrder) }
func BenchmarkBufferAppendFrameReorder10(b *testing.B) { benchAppendFrame(b, 5, reorder10) }
func BenchmarkBufferAppendFrameHeld100(b *testing.B)   { benchAppendFrame(b, 100, reorder10) }

// Without arrival times the buffer reads no clock: the cost of the jitter
// buffer itself.
func BenchmarkBufferAppendFrameUntimed(b *testing.B) {
	benchAppendFrame(b, 5, inOrder, opusrt.WithoutArrivalTimes())
}

func BenchmarkBufferWrite(b *testing.B) {
	frames := benchFrames(1024)
	stamped := make([][]byte, len(frames))
	buf := opusrt.NewBuffer(time.Hour)
	b.ReportAllocs()
	b.SetBytes(int64(len(frames[0]) + 8))
	for i := range b.N {
		if i%len(frames) == 0 {
			for j := range frames {
				stamped[j] = opusrt.AppendStamped(stamped[j][:0], frames[j], opusrt.EpochMillis(20*(i+j)))
			}
		}
		if _, err := buf.Write(stamped[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
		if _, _, err := buf.Frame(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFromStamped(b *testing.B) {
	data := opusrt.ToStamped(benchFrames(1)[0], 1700000000000)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for range b.N {
		if _, _, ok := opusrt.FromStamped(data); !ok {
			b.Fatal("rejected")
		}
	}
}

// benchHeld48000 holds 48,000 TOC-only 2.5 ms frames (two minutes, stamped
// in whole milliseconds) and writes one 9-byte datagram per op, a copy of
// the held frame at index at: the worst case of a hostile sender, which a
// linear scan from the tail paid 50 µs for. The copy is a duplicate,
// dropped, so every op does the same work.
func benchHeld48000(b *testing.B, at int) {
	const n = 48000
	buf := opusrt.NewBuffer(2*time.Minute, opusrt.WithoutArrivalTimes())
	short := opusrt.Frame{16 << 3}
	stamp := func(i int) opusrt.EpochMillis { return opusrt.EpochMillis(i * 5 / 2) }
	for i := range n {
		if err := buf.Append(short, stamp(i)); err != nil {
			b.Fatal(err)
		}
	}
	if buf.Len() != n {
		b.Fatalf("holds %d frames, want %d", buf.Len(), n)
	}
	datagram := opusrt.ToStamped(short, stamp(at))
	b.ReportAllocs()
	b.SetBytes(int64(len(datagram)))
	b.ResetTimer()
	for range b.N {
		if _, err := buf.Write(datagram); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s := buf.Stats(); s.PacketsDuplicated != uint64(b.N) || buf.Len() != n {
		b.Fatalf("%d duplicates of %d, %d held", s.PacketsDuplicated, b.N, buf.Len())
	}
}

func BenchmarkBufferHeld48000ReorderedNearHead(b *testing.B) { benchHeld48000(b, 3) }
func BenchmarkBufferHeld48000ReorderedMiddle(b *testing.B)   { benchHeld48000(b, 24000) }

// BenchmarkBufferHeld48000EverySecondLate holds 48,000 20 ms frames and
// has every second frame arrive late, into the middle of what is held: a
// reordered insert that is not a duplicate, every time. The held window
// is 24,000 whole frames (the late odd ones have arrived) then 24,000 even
// ones whose odd neighbours are still to come. One op is the next even
// frame (in order), the odd frame 24,000 places behind the back (the
// middle), and the two frames read from the front.
func BenchmarkBufferHeld48000EverySecondLate(b *testing.B) {
	const whole, gapped = 24000, 24000 // frames held without and with gaps
	frames := benchFrames(1024)
	buf := opusrt.NewBuffer(time.Hour, opusrt.WithoutArrivalTimes())
	add := func(i int) {
		if err := buf.Append(frames[i%len(frames)], opusrt.EpochMillis(20*i)); err != nil {
			b.Fatal(err)
		}
	}
	read := func() {
		if f, _, err := buf.Frame(); err != nil || f == nil {
			b.Fatalf("Frame = %x, %v", f, err)
		}
	}
	for i := range whole {
		add(i)
	}
	for i := range gapped {
		add(whole + 2*i)
	}
	step := func(j int) {
		add(whole + 2*(gapped+j)) // the next even frame, in order
		add(whole + 2*j + 1)      // its late odd neighbour, into the middle
		read()
		read()
	}
	// Steady state: the whole frames held are those whose odd half came
	// late, as will be.
	for j := range whole / 2 {
		step(j)
	}
	if buf.Len() != whole+gapped {
		b.Fatalf("holds %d frames, want %d", buf.Len(), whole+gapped)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for j := range b.N {
		step(whole/2 + j)
	}
	b.StopTimer()
	if buf.Len() != whole+gapped {
		b.Fatalf("holds %d frames, want %d", buf.Len(), whole+gapped)
	}
	if s := buf.Stats(); s.PacketsLate != 0 || s.PacketsLost != 0 || s.PacketsDuplicated != 0 || s.PacketsDropped != 0 {
		b.Fatalf("stats %+v: a frame was not held and played", s)
	}
}

// BenchmarkRealtimeWriteFrame is the playout path per frame: a Write as
// the frame arrives and the TryFrame that plays it when due, on a manual
// clock moved 20 ms per frame, 3 frames held (the playout delay).
func BenchmarkRealtimeWriteFrame(b *testing.B) {
	frames := benchFrames(1024)
	stamped := make([][]byte, len(frames))
	clk := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	write := func(i int) {
		if i%len(frames) == 0 {
			for j := range frames {
				stamped[j] = opusrt.AppendStamped(stamped[j][:0], frames[j], opusrt.EpochMillis(20*(i+j)))
			}
		}
		if _, err := rtb.Write(stamped[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 3 {
		write(i)
		clk.Advance(20 * time.Millisecond)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		write(i + 3)
		if f, _, err := rtb.TryFrame(); err != nil || f == nil {
			b.Fatalf("TryFrame = %x, %v", f, err)
		}
		clk.Advance(20 * time.Millisecond)
	}
}
