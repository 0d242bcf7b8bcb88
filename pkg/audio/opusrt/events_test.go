package opusrt_test

import (
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

func TestEventKindString(t *testing.T) {
	tests := []struct {
		k    opusrt.EventKind
		want string
	}{
		{opusrt.EventFrame, "frame"},
		{opusrt.EventLoss, "loss"},
		{opusrt.EventInserted, "inserted"},
		{opusrt.EventDiscontinuity, "discontinuity"},
		{0, "EventKind(0)"},
		{200, "EventKind(200)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", tt.k, got, tt.want)
		}
	}
}

func TestEventStampRoundsDown(t *testing.T) {
	tests := []struct {
		start time.Duration
		want  opusrt.EpochMillis
	}{
		{0, 0},
		{2500 * time.Microsecond, 2},
		{-500 * time.Microsecond, -1},
		{-time.Millisecond, -1},
		{(1 << 42) * time.Millisecond, 1 << 42},
	}
	for _, tt := range tests {
		if got := (opusrt.Event{Start: tt.start}).Stamp(); got != tt.want {
			t.Errorf("Stamp of %v = %d, want %d", tt.start, got, tt.want)
		}
	}
}

// The Buffer's events: frames with their exact start (2.5 ms frames
// stamped in whole ms), the loss between, a discontinuity for a jump back
// and one for a jump forward.
func TestBufferEvents(t *testing.T) {
	b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
	short := opusrt.Frame{16 << 3, 1} // CELT 2.5 ms
	mustAppend(t, b, short, 100)
	mustAppend(t, b, short, 102) // starts at 102.5 ms in truth: within the tolerance
	mustAppend(t, b, voice(3), 110)
	type ev struct {
		kind     opusrt.EventKind
		start    time.Duration
		dur      time.Duration
		jump     time.Duration
		hasFrame bool
	}
	var got []ev
	read := func() {
		for {
			e, err := b.Event()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev{e.Kind, e.Start, e.Duration, e.Jump, e.Frame != nil})
		}
	}
	read()
	if err := b.Append(voice(4), 0); !errors.Is(err, opusrt.ErrDisorderedPacket) { // 130 ms back: late
		t.Fatalf("Append 130 ms back: %v", err)
	}
	mustAppend(t, b, voice(4), 130-6000) // 6 s back: a resync
	read()
	mustAppend(t, b, voice(5), 130-6000+20+7000) // 7 s ahead: a jump
	read()
	want := []ev{
		{opusrt.EventFrame, ms(100), 2500 * time.Microsecond, 0, true},
		{opusrt.EventFrame, ms(102), 2500 * time.Microsecond, 0, true},
		{opusrt.EventLoss, ms(102) + 2500*time.Microsecond, ms(8) - 2500*time.Microsecond, 0, false},
		{opusrt.EventFrame, ms(110), ms(20), 0, true},
		{opusrt.EventDiscontinuity, ms(130 - 6000), 0, -ms(6000), false},
		{opusrt.EventFrame, ms(130 - 6000), ms(20), 0, true},
		{opusrt.EventDiscontinuity, ms(130 - 6000 + 20 + 7000), 0, ms(7000), false},
		{opusrt.EventFrame, ms(130 - 6000 + 20 + 7000), ms(20), 0, true},
	}
	if len(got) != len(want) {
		t.Fatalf("events\n got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if s := b.Stats(); s.Resyncs != 2 || s.ConcealmentEvents != 1 || s.PacketsLate != 1 {
		t.Errorf("stats %+v: want 2 resyncs, 1 loss, 1 late", s)
	}
}

// A RealtimeBuffer's events: the forward jump comes as a discontinuity at
// the jumped-to frame's due time, with the frame right after it; Frame
// passes over it; TryEvent returns what is due without waiting.
func TestRealtimeEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		rtb.Write(opusrt.ToStamped(voice(1), 0))
		rtb.Write(opusrt.ToStamped(voice(2), 600000))
		if _, err := rtb.TryEvent(); err != opusrt.ErrNotDue {
			t.Fatalf("TryEvent before due: %v", err)
		}
		clk.Set(t0.Add(ms(60)))
		e, err := rtb.TryEvent()
		if err != nil || e.Kind != opusrt.EventFrame || e.Start != 0 || e.Duration != ms(20) {
			t.Fatalf("TryEvent = %+v, %v", e, err)
		}
		clk.Set(t0.Add(ms(80)))
		e, err = rtb.Event()
		if err != nil || e.Kind != opusrt.EventDiscontinuity || e.Start != ms(600000) || e.Jump != ms(600000-20) {
			t.Fatalf("Event = %+v, %v; want the discontinuity", e, err)
		}
		e, err = rtb.TryEvent()
		if err != nil || e.Kind != opusrt.EventFrame || e.Frame[1] != 2 {
			t.Fatalf("TryEvent after the discontinuity = %+v, %v", e, err)
		}
		rtb.CloseWrite()
		if _, err := rtb.Event(); !errors.Is(err, io.EOF) {
			t.Fatalf("Event after the last frame: %v", err)
		}
	})
}
