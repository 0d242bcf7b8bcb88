package opusrt_test

import (
	"bytes"
	"encoding/hex"
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

// Three hybrid packets libopus made with in-band FEC on (opusenc
// --expect-loss 20 --set-ctl-int 4012=1; from codec/opus's testdata/fec20):
// the last of the silence before a word, the word's first packet, and the
// next one, which carries the first one's audio again as LBRR.
var (
	fecSilence = mustHex("6808ae9a0a54d40c792701fe7a8715f8575aa98ac0a2a0")
	fecWord1   = mustHex("688004046743faf7768cea0cdf9ff23ae637c73baced02be94284f6679984d426e96bc2773e99cf2")
	fecWord2   = mustHex("68c007046743faf77682c3de23a0a7e53bbb65bbde836515498935381ef1b216222a2ef8d9e9ceec2be77f81722ab9e2add6c51019894a8704f00498cf40d560")
)

func mustHex(s string) opusrt.Frame {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// A loss carries the next frame as FEC only when that frame has the LBRR
// flag and the loss is the one frame before it.
func TestLossCarriesFEC(t *testing.T) {
	tests := []struct {
		name    string
		next    opusrt.Frame
		gapMs   int
		wantFEC bool
	}{
		{"one frame lost, next has LBRR", fecWord2, 20, true},
		{"two frames lost", fecWord2, 40, false},
		{"next without LBRR", fecWord1, 20, false},
		{"next is silence without LBRR", fecSilence, 20, false},
		{"CELT has no LBRR", opusrt.Frame{0xf8, 0xff, 0xfe}, 20, false},
		{"one frame lost, stamps 1 ms off", fecWord2, 21, true},
		{"one frame lost, stamps 2 ms off", fecWord2, 18, true},
		{"three ms off", fecWord2, 23, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
			mustAppend(t, b, fecSilence, 1000)
			mustAppend(t, b, tt.next, opusrt.EpochMillis(1020+tt.gapMs))
			b.Frame()
			ev, err := b.Event()
			if err != nil || ev.Kind != opusrt.EventLoss || ev.Duration != ms(tt.gapMs) {
				t.Fatalf("Event = %+v, %v; want a loss of %dms", ev, err, tt.gapMs)
			}
			if got := ev.FEC != nil; got != tt.wantFEC {
				t.Fatalf("FEC = %x, want FEC %v", ev.FEC, tt.wantFEC)
			}
			if tt.wantFEC && !bytes.Equal(ev.FEC, tt.next) {
				t.Fatalf("FEC = %x, want the next frame %x", ev.FEC, tt.next)
			}
			if next, _ := b.Event(); next.Kind != opusrt.EventFrame || !bytes.Equal(next.Frame, tt.next) {
				t.Fatalf("after the loss: %+v, want the frame itself", next)
			}
		})
	}
}

// On a RealtimeBuffer the loss at its due time carries the FEC frame held
// for the slot after it.
func TestRealtimeLossCarriesFEC(t *testing.T) {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	rtb.Write(opusrt.ToStamped(fecSilence, 0))
	rtb.Write(opusrt.ToStamped(fecWord2, 40))
	var got []opusrt.Event
	got = append(got, playUntil(t, rtb, clk, t0, t0.Add(time.Second))...)
	if len(got) < 3 || got[1].Kind != opusrt.EventLoss || !bytes.Equal(got[1].FEC, fecWord2) || got[2].Kind != opusrt.EventFrame {
		t.Fatalf("events %+v: want frame, loss with FEC, frame", got)
	}
}
