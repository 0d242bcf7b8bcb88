package main

import (
	"net/netip"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// TestReceiverCopyConfirmsNothing: a datagram that comes twice (the
// network duplicated it, or someone replays it) is one datagram: it does
// not make a sender followed, stamped or RTP; a second, different one
// does.
func TestReceiverCopyConfirmsNothing(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	t0 := time.Unix(1_700_000_000, 0)
	s0 := opusrt.FromTime(t0)
	for _, isRTP := range []bool{false, true} {
		s := newRecvSim(t, t0)
		st := &rtpStream{pt: 111, ssrc: 7, seq: 1}
		next := func(i int) []byte {
			if isRTP {
				return st.next(voice20, false)
			}
			return opusrt.ToStamped(voice20, s0+opusrt.EpochMillis(20*i))
		}
		first := next(0)
		for range 3 {
			s.send(a, t0, first)
		}
		if c, _, ok, _, _ := s.rc.counts(); ok || c.Unconfirmed+c.RTPUnconfirmed != 3 {
			t.Fatalf("rtp=%v: following after one datagram sent three times: %+v", isRTP, c)
		}
		s.send(a, t0.Add(20*time.Millisecond), next(1))
		if c, followed, ok, _, _ := s.rc.counts(); !ok || followed.addr != a || c.Audio != 2 {
			t.Errorf("rtp=%v: not following after a second datagram: %+v", isRTP, c)
		}
	}
}
