package opusrt_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// voice returns a valid 20 ms SILK wideband packet whose payload byte tells
// frames apart.
func voice(id byte) opusrt.Frame { return opusrt.Frame{9 << 3, id, 0xaa} }

// event is one result of Frame.
type event struct {
	id   byte // payload id of a frame; 0 for a loss
	loss time.Duration
}

func drain(t *testing.T, b *opusrt.Buffer) []event {
	t.Helper()
	var got []event
	for {
		f, loss, err := b.Frame()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatalf("Frame: %v", err)
		}
		if f != nil {
			got = append(got, event{id: f[1]})
		} else {
			got = append(got, event{loss: loss})
		}
	}
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestBufferOrdersAndReportsLoss(t *testing.T) {
	tests := []struct {
		name   string
		stamps []int // ms; frame id is the stamp/20 + 1
		want   []event
	}{
		{"in order", []int{0, 20, 40}, []event{{id: 1}, {id: 2}, {id: 3}}},
		{"reordered", []int{40, 0, 20}, []event{{id: 1}, {id: 2}, {id: 3}}},
		{"one lost", []int{0, 40}, []event{{id: 1}, {loss: ms(20)}, {id: 3}}},
		{"burst lost", []int{0, 20, 100}, []event{{id: 1}, {id: 2}, {loss: ms(60)}, {id: 6}}},
		{"long gap", []int{0, 5000}, []event{{id: 1}, {loss: ms(4980)}, {id: 251}}},
		{"gap beyond the resync threshold", []int{0, 5040, 5060}, []event{{id: 1}, {id: 253}, {id: 254}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := opusrt.NewBuffer(time.Minute*2, opusrt.WithClock(fakeclock.New(t0)))
			for _, s := range tt.stamps {
				if err := b.Append(voice(byte(s/20+1)), opusrt.EpochMillis(s)); err != nil {
					t.Fatalf("Append(%d): %v", s, err)
				}
			}
			got := drain(t, b)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("event %d = %v, want %v (all: %v)", i, got[i], tt.want[i], got)
				}
			}
		})
	}
}

func TestBufferLateDuplicateInvalid(t *testing.T) {
	b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
	mustAppend(t, b, voice(1), 1000)
	mustAppend(t, b, voice(2), 1020)
	if err := b.Append(voice(9), 1020); err != nil {
		t.Fatalf("duplicate: %v, want nil", err)
	}
	if err := b.Append(opusrt.Frame{}, 1040); !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Fatalf("empty frame: %v, want ErrInvalidFrame", err)
	}
	if err := b.Append(opusrt.Frame{9<<3 | 1, 1}, 1040); !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Fatalf("code 1 of even length: %v, want ErrInvalidFrame", err)
	}
	if got := drain(t, b); len(got) != 2 || got[1].id != 2 {
		t.Fatalf("played %v, want frames 1 and 2 (the first of the duplicates)", got)
	}
	// Read position is 1040 now: 1010 is late, 1039 within tolerance is not.
	if err := b.Append(voice(3), 1010); !errors.Is(err, opusrt.ErrDisorderedPacket) {
		t.Fatalf("late frame: %v, want ErrDisorderedPacket", err)
	}
	if err := b.Append(voice(4), 1039); err != nil {
		t.Fatalf("frame 1 ms early: %v", err)
	}
	if got := drain(t, b); len(got) != 1 || got[0].id != 4 {
		t.Fatalf("played %v, want frame 4 with no loss", got)
	}
	s := b.Stats()
	if s.PacketsReceived != 5 || s.PacketsPlayed != 3 || s.PacketsDuplicated != 1 || s.PacketsLate != 1 || s.PacketsInvalid != 2 || s.PacketsDiscarded != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBufferResyncOnStampJumpBack(t *testing.T) {
	b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
	mustAppend(t, b, voice(1), 100000)
	mustAppend(t, b, voice(2), 100020)
	drain(t, b)
	mustAppend(t, b, voice(3), 100040)
	mustAppend(t, b, voice(4), 0) // sender restarted its clock
	if got := drain(t, b); len(got) != 1 || got[0].id != 4 {
		t.Fatalf("after resync played %v, want only frame 4", got)
	}
	s := b.Stats()
	if s.Resyncs != 1 || s.PacketsResynced != 1 || s.PacketsLate != 0 {
		t.Fatalf("stats %+v", s)
	}
	// The threshold is an option.
	b = opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)), opusrt.WithResyncThreshold(time.Second))
	mustAppend(t, b, voice(1), 10000)
	drain(t, b)
	if err := b.Append(voice(2), 8000); err != nil {
		t.Fatalf("2 s back with a 1 s threshold: %v, want a resync", err)
	}
	if b.Stats().Resyncs != 1 {
		t.Fatal("no resync")
	}
}

func TestBufferOverflowDropsOldestAsLoss(t *testing.T) {
	b := opusrt.NewBuffer(100*time.Millisecond, opusrt.WithClock(fakeclock.New(t0)))
	for i := range 8 {
		mustAppend(t, b, voice(byte(i+1)), opusrt.EpochMillis(i*20))
	}
	if b.Len() != 5 || b.Buffered() != ms(100) {
		t.Fatalf("Len %d Buffered %v, want 5 and 100ms", b.Len(), b.Buffered())
	}
	got := drain(t, b)
	want := []event{{loss: ms(60)}, {id: 4}, {id: 5}, {id: 6}, {id: 7}, {id: 8}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if s := b.Stats(); s.PacketsDropped != 3 || s.LostDuration != ms(60) || s.PacketsLost != 3 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBufferShortFramesWholeMillisecondStamps(t *testing.T) {
	b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
	celt := opusrt.Frame{16 << 3, 1} // 2.5 ms
	for i := range 40 {
		mustAppend(t, b, celt, opusrt.EpochMillis(i*5/2)) // 0, 2, 5, 7, 10, ...
	}
	for _, ev := range drain(t, b) {
		if ev.loss != 0 {
			t.Fatalf("loss %v between contiguous 2.5 ms frames", ev.loss)
		}
	}
}

func TestBufferWriteCopiesAndCountsBadData(t *testing.T) {
	b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
	data := opusrt.ToStamped(voice(7), 5000)
	if n, err := b.Write(data); n != len(data) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	data[9] = 0 // the buffer holds its own copy
	if n, err := b.Write([]byte{0, 1, 2}); n != 0 || !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Fatalf("short Write = %d, %v", n, err)
	}
	if n, err := b.Write(opusrt.ToStamped(voice(8), 5000)); n != len(data) || err != nil {
		t.Fatalf("duplicate Write = %d, %v", n, err)
	}
	f, _, err := b.Frame()
	if err != nil || f[1] != 7 {
		t.Fatalf("Frame = %x, %v", f, err)
	}
	if n, err := b.Write(opusrt.ToStamped(voice(9), 4000)); n != 0 || !errors.Is(err, opusrt.ErrDisorderedPacket) {
		t.Fatalf("late Write = %d, %v", n, err)
	}
	if s := b.Stats(); s.PacketsInvalid != 1 || s.PacketsLate != 1 || s.PacketsDuplicated != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBufferResetForgetsReadPosition(t *testing.T) {
	b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
	mustAppend(t, b, voice(1), 1000)
	drain(t, b)
	mustAppend(t, b, voice(2), 1020)
	b.Reset()
	if b.Len() != 0 || b.Buffered() != 0 {
		t.Fatal("Reset left frames")
	}
	mustAppend(t, b, voice(3), 500) // would be late without Reset
	if got := drain(t, b); len(got) != 1 || got[0].id != 3 {
		t.Fatalf("got %v", got)
	}
	if s := b.Stats(); s.PacketsCleared != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestBufferJitterAndDelay(t *testing.T) {
	clk := fakeclock.New(t0)
	b := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	// Frames every 20 ms, arriving alternately 0 and 10 ms late: |D| = 10 ms
	// each time, so J converges to 10 ms.
	for i := range 200 {
		clk.Set(t0.Add(ms(i*20 + (i%2)*10)))
		mustAppend(t, b, voice(1), opusrt.EpochMillis(i*20))
		clk.Advance(ms(5))
		if _, _, err := b.Frame(); err != nil {
			t.Fatal(err)
		}
	}
	s := b.Stats()
	if s.Jitter < ms(9) || s.Jitter > ms(10) {
		t.Fatalf("Jitter = %v, want about 10ms", s.Jitter)
	}
	// A Buffer read directly is read at the caller's pace: no playout delay.
	if s.JitterBufferDelay != 0 || s.JitterBufferEmittedCount != 0 {
		t.Fatalf("delay %v over %d", s.JitterBufferDelay, s.JitterBufferEmittedCount)
	}
}

func TestZeroBufferIsUsable(t *testing.T) {
	var b opusrt.Buffer
	mustAppend(t, &b, voice(1), 0)
	if f, _, err := b.Frame(); err != nil || f[1] != 1 {
		t.Fatalf("Frame = %x, %v", f, err)
	}
}

func mustAppend(t *testing.T, b *opusrt.Buffer, f opusrt.Frame, stamp opusrt.EpochMillis) {
	t.Helper()
	if err := b.Append(f, stamp); err != nil {
		t.Fatalf("Append(%d): %v", stamp, err)
	}
}

func TestBufferWithoutArrivalTimes(t *testing.T) {
	clk := fakeclock.New(t0)
	b := opusrt.NewBuffer(0, opusrt.WithClock(clk), opusrt.WithoutArrivalTimes())
	for i := range 50 {
		clk.Set(t0.Add(ms(i*20 + (i%2)*10)))
		mustAppend(t, b, voice(1), opusrt.EpochMillis(i*20))
	}
	if got := drain(t, b); len(got) != 50 {
		t.Fatalf("played %d frames", len(got))
	}
	if s := b.Stats(); s.Jitter != 0 || s.PacketsPlayed != 50 {
		t.Fatalf("stats %+v: want no jitter measured", s)
	}
}

// One datagram with an absurd stamp in a steady stream neither inflates the
// jitter (on the first version it read 2,443,352 h after a jump) nor wipes
// the estimate built so far.
func TestBufferJitterIgnoresAStrayStamp(t *testing.T) {
	clk := fakeclock.New(t0)
	b := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	for i := range 100 {
		if i == 50 {
			mustAppend(t, b, voice(0), 1<<41) // stray: 70 years ahead
		}
		clk.Advance(ms(20 + 4*(i%2))) // 4 ms of jitter each way
		mustAppend(t, b, voice(byte(i)), opusrt.EpochMillis(20*i))
	}
	if j := b.Stats().Jitter; j < ms(2) || j > ms(5) {
		t.Fatalf("Jitter %v, want about 4ms", j)
	}
}
