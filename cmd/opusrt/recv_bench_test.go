package main

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
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
