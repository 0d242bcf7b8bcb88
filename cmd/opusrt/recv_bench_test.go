package main

import (
	encbin "encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// BenchmarkReceiverFlood measures what a datagram of a flood costs recv
// while it follows a stream: random bytes (a quarter look like RTP, a few
// like stamped frames) from ever new addresses.
func BenchmarkReceiverFlood(b *testing.B) {
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0))
	r := &receiver{rtb: rtb, pt: -1, rtp: rtp.NewReceiver(rtp.StampedSink(rtb))}
	me := netip.MustParseAddrPort("127.0.0.1:1")
	now := time.Now()
	s0 := opusrt.FromTime(now)
	r.handle(opusrt.ToStamped(voice20, s0), me, now)
	r.handle(opusrt.ToStamped(voice20, s0+20), me, now)
	rng := rand.New(rand.NewPCG(1, 1))
	dgs := make([][]byte, 256)
	for i := range dgs {
		dgs[i] = make([]byte, 20+rng.IntN(200))
		for j := range dgs[i] {
			dgs[i][j] = byte(rng.Uint32())
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(i))
		r.handle(dgs[i%len(dgs)], from, now)
	}
}

// BenchmarkReceiverBeforeAudio is the flood before any stream is
// followed: every datagram is looked at as a candidate.
func BenchmarkReceiverBeforeAudio(b *testing.B) {
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0))
	r := &receiver{rtb: rtb, pt: -1, rtp: rtp.NewReceiver(rtp.StampedSink(rtb))}
	rng := rand.New(rand.NewPCG(1, 1))
	dgs := make([][]byte, 256)
	for i := range dgs {
		dgs[i] = make([]byte, 20+rng.IntN(200))
		for j := range dgs[i] {
			dgs[i][j] = byte(rng.Uint32())
		}
	}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		from := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(i))
		r.handle(dgs[i%len(dgs)], from, now)
	}
}

// BenchmarkReceiverStream is the cost of a frame of the followed stamped
// stream, from the datagram to the buffer, and its playout, on a fake clock
// moved on by a frame each time.
func BenchmarkReceiverStream(b *testing.B) {
	t0 := time.Unix(1_700_000_000, 0)
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	r := &receiver{rtb: rtb, pt: -1, rtp: rtp.NewReceiver(rtp.StampedSink(rtb), rtp.WithReceiverClock(clk))}
	me := netip.MustParseAddrPort("127.0.0.1:1")
	s0 := opusrt.FromTime(t0)
	dg := opusrt.ToStamped(voice20, s0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		clk.Set(now)
		encbin.BigEndian.PutUint64(dg, uint64(s0)+uint64(20*i))
		r.handle(dg, me, now)
		for {
			if _, _, err := rtb.TryFrame(); err != nil {
				break
			}
		}
	}
}
