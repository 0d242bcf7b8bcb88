package rtp

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// TestReceiverAbsurdTimestamps is the four-datagram attack in RTP form:
// consecutive sequence numbers whose timestamps jump back, then 12 hours
// ahead, then on. The Receiver must pass the jumps on as stamps (the
// Buffer's resync rules deal with them) without overflowing anything, and
// what the Buffer then reports must stay bounded: no gap longer than its
// resync threshold.
func TestReceiverAbsurdTimestamps(t *testing.T) {
	clk := fakeclock.New(t0)
	buf := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	r := NewReceiver(buf, WithReceiverClock(clk))
	ts := []uint32{0, 960, 960 - 48, 960 + 1<<31 - 1, 960 + 1<<31 - 1 + 200*48, 1 << 31, 0}
	for i, v := range ts {
		clk.Advance(time.Millisecond)
		r.Receive(rtpPacket{seq: uint16(i), ts: v, ssrc: 1, toc: 0x08}.wire()) // 20 ms SILK frames
	}
	s := r.Stats()
	if s.PacketsLost != 0 || s.DTXDuration != 180*time.Millisecond || s.PacketsReceived != uint64(len(ts)) || s.TimestampJumps != 2 {
		t.Errorf("stats %+v", s)
	}
	var total time.Duration
	for range 100 {
		_, loss, err := buf.Frame()
		if err != nil {
			break
		}
		if loss > 5*time.Second {
			t.Errorf("the buffer reports a gap of %v", loss)
		}
		total += loss
	}
	if total > 20*time.Second {
		t.Errorf("%v of loss from %d packets", total, len(ts))
	}
}

// TestReceiverTimestampRunaway sends thousands of packets whose timestamp
// each jumps as far ahead as unwrapping allows: every one is a clock jump,
// stamped near its arrival, and the stamps never go back.
func TestReceiverTimestampRunaway(t *testing.T) {
	clk := fakeclock.New(t0)
	var last opusrt.EpochMillis
	sink := sinkFunc(func(_ opusrt.Frame, stamp opusrt.EpochMillis) error {
		if stamp < last {
			t.Fatalf("stamp went back from %d to %d", last, stamp)
		}
		last = stamp
		return nil
	})
	r := NewReceiver(sink, WithReceiverClock(clk), WithoutProbation())
	var ts uint32
	for i := range 5000 {
		clk.Advance(20 * time.Millisecond)
		r.Receive(rtpPacket{seq: uint16(i), ts: ts, ssrc: 1}.wire())
		ts += 1<<31 - 1
	}
	s := r.Stats()
	if s.TimestampJumps != 4999 || s.DTXGaps != 0 || s.PacketsLost != 0 {
		t.Errorf("stats %+v", s)
	}
	if last-ms0 > 5000*20+5000 {
		t.Errorf("last stamp %d ms after the first", last-ms0)
	}
	if saturatingAdd(math.MaxInt64-5, 10) != math.MaxInt64 || saturatingAdd(1, 2) != 3 {
		t.Error("saturatingAdd")
	}
}

// TestReceiverFloodOfStrangers: a flood of valid-looking packets from other
// SSRCs while a stream plays costs no memory per stranger and leaves the
// stream alone.
func TestReceiverFloodOfStrangers(t *testing.T) {
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	for _, p := range steady(2, 1, 0, 1) {
		r.Receive(p.wire())
	}
	wire := make([]byte, 0, 64)
	stranger := Packet{Header: Header{PayloadType: 111}, Payload: []byte{toc20ms, 1, 2}}
	allocs := testing.AllocsPerRun(10000, func() {
		stranger.SSRC++
		stranger.SequenceNumber++
		wire = stranger.AppendTo(wire[:0])
		r.Receive(wire)
	})
	// Each ignored packet costs its error value, nothing kept.
	if allocs > 3 {
		t.Errorf("%v allocations per ignored packet", allocs)
	}
	r.Receive(rtpPacket{seq: 3, ts: 1920, ssrc: 1}.wire())
	if s := r.Stats(); s.IgnoredSSRC < 10000 || s.SSRC != 1 || len(sink.got) != 3 {
		t.Errorf("stats %+v, %d frames", s, len(sink.got))
	}
}

type sinkFunc func(opusrt.Frame, opusrt.EpochMillis) error

func (f sinkFunc) Append(fr opusrt.Frame, s opusrt.EpochMillis) error { return f(fr, s) }

func TestReceiverTimestampJumpOrSilence(t *testing.T) {
	const min10 = 10 * time.Minute
	tests := []struct {
		name    string
		packets []rtpPacket
		want    []stamped
		jumps   uint64
		dtx     time.Duration
	}{
		{
			name: "ten minutes of silence, the timestamp in step: DTX",
			packets: []rtpPacket{{seq: 1, ts: 0, ssrc: 1}, {seq: 2, ts: 960, ssrc: 1, after: 20 * time.Millisecond},
				{seq: 3, ts: 1920 + 48000*600, ssrc: 1, after: min10 + 20*time.Millisecond}},
			want: []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 40 + 600000, 3}},
			dtx:  min10,
		},
		{
			name: "a flush of queued audio faster than real time: no jump",
			packets: func() []rtpPacket {
				ps := steady(300, 1, 0, 1) // 6 s of audio
				for i := range ps[1:] {
					ps[i+1].after = time.Millisecond // in 0.3 s
				}
				return ps[:300:300]
			}(),
			jumps: 0,
		},
		{
			name: "a jump ahead beyond the arrival gap: new mapping",
			packets: []rtpPacket{{seq: 1, ts: 0, ssrc: 1}, {seq: 2, ts: 960, ssrc: 1, after: 20 * time.Millisecond},
				{seq: 3, ts: 1920 + 48000*6, ssrc: 1, after: 20 * time.Millisecond}, {seq: 4, ts: 2880 + 48000*6, ssrc: 1, after: 20 * time.Millisecond}},
			want:  []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 40, 3}, {ms0 + 60, 4}},
			jumps: 1,
		},
		{
			name: "a jump back: new mapping, after the audio already stamped",
			packets: []rtpPacket{{seq: 1, ts: 48000 * 10, ssrc: 1}, {seq: 2, ts: 48000*10 + 960, ssrc: 1, after: 20 * time.Millisecond},
				{seq: 3, ts: 0, ssrc: 1, after: 5 * time.Millisecond}, {seq: 4, ts: 960, ssrc: 1, after: 20 * time.Millisecond}},
			want:  []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 40, 3}, {ms0 + 60, 4}},
			jumps: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, got, errs, _ := run(t, tt.packets)
			noErrors(t, errs)
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("sink got %v\nwant %v", got, tt.want)
			}
			if tt.want == nil {
				for i, g := range got {
					if g.stamp != ms0+opusrt.EpochMillis(20*i) {
						t.Fatalf("frame %d stamped %d", i, g.stamp-ms0)
					}
				}
			}
			if s := r.Stats(); s.TimestampJumps != tt.jumps || s.DTXDuration != tt.dtx {
				t.Errorf("jumps %d DTX %v; want %d %v", s.TimestampJumps, s.DTXDuration, tt.jumps, tt.dtx)
			}
		})
	}
}
