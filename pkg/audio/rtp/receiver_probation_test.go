package rtp

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// garbage returns n random datagrams of 12 to 200 bytes, about 1 in 100 of
// which pass for RTP with a dynamic payload type and a valid Opus payload
// (the test counts them).
func garbage(seed uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	var ds [][]byte
	for range n {
		d := make([]byte, 12+rng.IntN(189))
		for i := range d {
			d[i] = byte(rng.Uint32())
		}
		ds = append(ds, d)
	}
	return ds
}

func TestReceiverGarbageFirst(t *testing.T) {
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	probed := 0
	for _, d := range garbage(1, 2000) {
		if errors.Is(r.Receive(d), ErrProbation) {
			probed++
		}
	}
	if probed < 10 {
		t.Fatalf("only %d of 2000 random datagrams passed for Opus RTP: the test does not test probation", probed)
	}
	if s := r.Stats(); s.Streams != 0 || len(sink.got) != 0 {
		t.Fatalf("garbage started a stream: %+v", s)
	}
	// The real sender, with more garbage between its packets.
	noise := garbage(2, 1000)
	for i, p := range steady(10, 500, 0, 0x5EED) {
		clk.Advance(p.after)
		if err := r.Receive(p.wire()); !taken(err) {
			t.Fatalf("packet %d: %v", i, err)
		}
		for _, d := range noise[i*100 : i*100+100] {
			r.Receive(d)
		}
	}
	s := r.Stats()
	if s.SSRC != 0x5EED || s.Streams != 1 || s.PayloadType != 111 || s.PacketsLost != 0 || len(sink.got) != 10 {
		t.Fatalf("stats %+v, %d frames", s, len(sink.got))
	}
	if sink.got[0] != (stamped{ms0, 500}) || sink.got[9] != (stamped{ms0 + 180, 509}) {
		t.Errorf("frames %v", sink.got)
	}
	if s.IgnoredUnconfirmed+uint64(s.HeldOnProbation) < uint64(probed) {
		t.Errorf("%d probed, %d unconfirmed, %d held", probed, s.IgnoredUnconfirmed, s.HeldOnProbation)
	}
}

func TestReceiverProbation(t *testing.T) {
	tests := []struct {
		name    string
		packets []rtpPacket
		want    []stamped
		held    int
	}{
		{"a lone packet waits", []rtpPacket{{seq: 1, ts: 0, ssrc: 1}}, nil, 1},
		{
			name:    "the first two swapped",
			packets: []rtpPacket{{seq: 2, ts: 960, ssrc: 1}, {seq: 1, ts: 0, ssrc: 1, after: 5 * time.Millisecond}, {seq: 3, ts: 1920, ssrc: 1, after: 15 * time.Millisecond}},
			want:    []stamped{{ms0, 2}, {ms0 - 20, 1}, {ms0 + 20, 3}},
		},
		{
			name:    "a second packet far away replaces the first",
			packets: []rtpPacket{{seq: 1, ts: 0, ssrc: 1}, {seq: 1000, ts: 0, ssrc: 1, after: time.Second}, {seq: 1001, ts: 960, ssrc: 1, after: 20 * time.Millisecond}},
			want:    []stamped{{ms0 + 1000, 1000}, {ms0 + 1020, 1001}},
		},
		{
			name: "interleaved would-be streams: the first confirmed wins",
			packets: []rtpPacket{
				{seq: 1, ts: 0, ssrc: 1}, {seq: 7, ts: 0, ssrc: 2}, {seq: 8, ts: 960, ssrc: 2, after: 20 * time.Millisecond},
				{seq: 2, ts: 960, ssrc: 1}, {seq: 9, ts: 1920, ssrc: 2, after: 20 * time.Millisecond},
			},
			want: []stamped{{ms0, 7}, {ms0 + 20, 8}, {ms0 + 40, 9}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, got, errs, _ := run(t, tt.packets)
			for i, err := range errs {
				if !taken(err) && !errors.Is(err, ErrIgnored) {
					t.Errorf("packet %d: %v", i, err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sink got %v, want %v", got, tt.want)
			}
			if s := r.Stats(); s.HeldOnProbation != tt.held {
				t.Errorf("held %d, want %d", s.HeldOnProbation, tt.held)
			}
		})
	}
}

func TestReceiverProbationSlots(t *testing.T) {
	// Nine would-be streams, one packet each, then a second packet of each:
	// the first one's candidate gave way to the ninth, so it starts over
	// (held again) and the second one's stream is confirmed.
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	for ssrc := uint32(1); ssrc <= 9; ssrc++ {
		clk.Advance(time.Millisecond)
		if err := r.Receive(rtpPacket{seq: 1, ssrc: ssrc}.wire()); !errors.Is(err, ErrProbation) {
			t.Fatalf("SSRC %d: %v", ssrc, err)
		}
	}
	if s := r.Stats(); s.HeldOnProbation != probationSlots || s.IgnoredUnconfirmed != 1 {
		t.Fatalf("stats %+v", s)
	}
	if err := r.Receive(rtpPacket{seq: 2, ts: 960, ssrc: 1}.wire()); !errors.Is(err, ErrProbation) {
		t.Errorf("evicted SSRC 1: %v", err)
	}
	if err := r.Receive(rtpPacket{seq: 2, ts: 960, ssrc: 3}.wire()); err != nil {
		t.Errorf("SSRC 3: %v", err)
	}
	if s := r.Stats(); s.SSRC != 3 || s.HeldOnProbation != 0 || len(sink.got) != 2 {
		t.Errorf("stats %+v, sink %v", s, sink.got)
	}
}

func TestReceiverQuietStreamKeepsItsPlace(t *testing.T) {
	// The stream goes quiet for longer than the timeout; one stray packet
	// of another SSRC does not take its place, and the stream resumes.
	packets := append(steady(3, 1, 0, 1),
		rtpPacket{seq: 99, ts: 5, ssrc: 2, after: 3 * time.Second},
		rtpPacket{seq: 4, ts: 2880, ssrc: 1, after: 20 * time.Millisecond},
	)
	r, got, errs, _ := run(t, packets)
	if !errors.Is(errs[3], ErrProbation) || errs[4] != nil {
		t.Errorf("errors %v", errs)
	}
	want := []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 40, 3}, {ms0 + 60, 4}}
	if !slices.Equal(got, want) {
		t.Errorf("sink got %v, want %v", got, want)
	}
	if s := r.Stats(); s.Streams != 1 || s.SSRC != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverWithoutProbation(t *testing.T) {
	r, got, errs, _ := run(t, []rtpPacket{{seq: 1, ts: 0, ssrc: 1}}, WithoutProbation())
	if errs[0] != nil || len(got) != 1 || r.Stats().Streams != 1 {
		t.Errorf("errors %v, sink %v", errs, got)
	}
}
