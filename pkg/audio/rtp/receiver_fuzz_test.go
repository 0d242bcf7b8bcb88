package rtp

import (
	"errors"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// FuzzReceiver feeds a Receiver, and a Buffer behind it, a run of
// arbitrary datagrams: the input is a sequence of (clock step in ms, length,
// bytes). Nothing may panic, every error must wrap a known sentinel, the
// counters must add up, and the buffer must stay within its bound.
func FuzzReceiver(f *testing.F) {
	seed := func(ds ...[]byte) []byte {
		var b []byte
		for _, d := range ds {
			b = append(b, 20, byte(len(d)))
			b = append(b, d...)
		}
		return b
	}
	f.Add(seed(rtpPacket{seq: 1, ts: 0, ssrc: 1}.wire(), rtpPacket{seq: 2, ts: 960, ssrc: 1}.wire(), rtpPacket{seq: 9, ts: 0, ssrc: 2}.wire()))
	f.Add(seed(rtpPacket{seq: 65535, ts: 1<<32 - 960, ssrc: 1}.wire(), rtpPacket{seq: 0, ts: 0, ssrc: 1}.wire(), hexBytes(f, srWire)))
	f.Add(seed(hexBytes(f, chromeOpus), rtpPacket{seq: 40000, ts: 1 << 31, ssrc: 0xdeadbeef}.wire(), rtpPacket{seq: 40001, ts: 1<<31 + 960, ssrc: 0xdeadbeef}.wire()))
	f.Fuzz(func(t *testing.T, input []byte) {
		clk := fakeclock.New(t0)
		buf := opusrt.NewBuffer(10*time.Second, opusrt.WithClock(clk))
		r := NewReceiver(buf, WithReceiverClock(clk))
		datagrams := 0
		for len(input) >= 2 {
			step, n := time.Duration(input[0])*time.Millisecond, int(input[1])
			input = input[2:]
			n = min(n, len(input))
			d := input[:n]
			input = input[n:]
			clk.Advance(step)
			datagrams++
			err := r.Receive(d)
			if err != nil && !errors.Is(err, ErrIgnored) && !errors.Is(err, ErrProbation) && !errors.Is(err, ErrInvalidPacket) && !errors.Is(err, ErrInvalidRTCP) &&
				!errors.Is(err, opusrt.ErrInvalidFrame) && !errors.Is(err, opusrt.ErrDisorderedPacket) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(d) > 0 && d[0] == 0x42 {
				r.AppendReport(nil, clk.Now())
			}
		}
		s := r.Stats()
		if s.FramesDelivered > s.PacketsReceived || s.SinkErrors > s.FramesDelivered {
			t.Fatalf("counters do not add up: %+v", s)
		}
		handled := s.PacketsReceived + s.PacketsInvalid + s.PacketsIgnored + s.RTCPReceived + s.RTCPInvalid
		ignored := s.IgnoredPayloadType + s.IgnoredSSRC + s.IgnoredSequenceJump + s.IgnoredEmpty + s.IgnoredNotRTP + s.IgnoredUnconfirmed + s.IgnoredOggHeaders
		if ignored != s.PacketsIgnored {
			t.Fatalf("PacketsIgnored %d is not the sum of its parts %d", s.PacketsIgnored, ignored)
		}
		// Every datagram is counted once.
		if handled+uint64(s.HeldOnProbation) != uint64(datagrams) {
			t.Fatalf("%d datagrams, %d counted: %+v", datagrams, handled, s)
		}
		if buf.Buffered() > 10*time.Second+120*time.Millisecond {
			t.Fatalf("buffer holds %v", buf.Buffered())
		}
	})
}
