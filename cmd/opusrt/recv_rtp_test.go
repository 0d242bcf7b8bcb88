package main

import (
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// rtpStream writes RTP packets of one 20 ms Opus stream.
type rtpStream struct {
	pt   uint8
	ssrc uint32
	seq  uint16
	ts   uint32
	sent uint32 // packets sent
}

// next returns the next packet, and moves on; skip leaves it unsent (lost).
func (s *rtpStream) next(frame opusrt.Frame, skip bool) []byte {
	p := rtp.Packet{Header: rtp.Header{PayloadType: s.pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}, Payload: frame}
	s.seq++
	s.ts += uint32(frame.Samples())
	if skip {
		return nil
	}
	s.sent++
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// send sends n packets on c, leaving out those lost says.
func (s *rtpStream) send(t *testing.T, c net.Conn, n int, lost func(i int) bool) {
	t.Helper()
	for i := range n {
		if b := s.next(voice20, lost != nil && lost(i)); b != nil {
			if _, err := c.Write(b); err != nil {
				t.Fatal(err)
			}
		}
		if i%32 == 31 {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// senderReport is an SR of s at now, as a compound datagram.
func (s *rtpStream) senderReport(now time.Time) []byte {
	sr := &rtp.SenderReport{SSRC: s.ssrc, NTPTime: rtp.NTPTimeOf(now), RTPTime: s.ts, PacketCount: s.sent}
	return rtp.AppendRTCP(nil, sr, rtp.CNAME(s.ssrc, "test"))
}

// TestRecvRTP: an RTP stream with RTCP multiplexed (as WebRTC sends it),
// three packets lost: recorded with the loss filled, and receiver reports
// come back to the sender's port with the loss in them.
func TestRecvRTP(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "1500ms", "--json")
	c := dialFrom(t, "127.0.0.1", r.addr)
	s := &rtpStream{pt: 111, ssrc: 0xdecafbad, seq: 65500, ts: 1<<32 - 48000}
	c.Write(s.senderReport(time.Now()))
	s.send(t, c, 2, nil)
	c.Write(s.senderReport(time.Now())) // muxed: reports come back here
	s.send(t, c, 98, func(i int) bool { return i == 40 || i == 41 || i == 70 })
	// Read the receiver reports until recv stops.
	var last *rtp.ReceiverReport
	reports := 0
	buf := make([]byte, 1500)
	c.SetReadDeadline(time.Now().Add(4 * time.Second))
	for {
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		pkts, err := rtp.UnmarshalRTCP(buf[:n])
		if err != nil {
			t.Fatalf("report: %v", err)
		}
		if rr, ok := pkts[0].(*rtp.ReceiverReport); ok {
			last, reports = rr, reports+1
		}
		select {
		case res := <-r.done:
			r.done <- res
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		default:
		}
	}
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if sum.RTP == nil || sum.RTP.SSRC != 0xdecafbad || sum.RTP.PayloadType != 111 || sum.RTP.Lost != 3 || !sum.RTP.RTCPMuxed || sum.RTP.SenderReports != 1 {
		t.Errorf("rtp summary %+v", sum.RTP)
	}
	if sum.Played != 97 || sum.OutputMs != 2000 || sum.ConcealedMs != 60 {
		t.Errorf("played %d, recorded %v ms with %v ms filled; want 97, 2000 and 60", sum.Played, sum.OutputMs, sum.ConcealedMs)
	}
	if !strings.HasPrefix(sum.Sender, c.LocalAddr().String()+" (RTP, SSRC 0xdecafbad)") {
		t.Errorf("sender %q", sum.Sender)
	}
	if last == nil || reports < 2 || len(last.Reports) != 1 {
		t.Fatalf("%d reports, last %+v", reports, last)
	}
	b := last.Reports[0]
	if b.SSRC != 0xdecafbad || b.CumulativeLost != 3 || b.ExtendedHighestSequence != 1<<16+63 || b.LastSR == 0 {
		t.Errorf("report block %+v: want SSRC decafbad, 3 lost, highest 65599 after a wrap, an LSR", b)
	}
}

// TestRecvRTPGarbageFirst: random datagrams that look like RTP of the
// right type, then a real stream from another port.
func TestRecvRTPGarbageFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "2s", "--json", "--pt", "111")
	g := dialFrom(t, "127.0.0.1", r.addr)
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 100)
	for i := range 2000 {
		n := 13 + rng.IntN(len(buf)-13)
		for j := range n {
			buf[j] = byte(rng.Uint32())
		}
		buf[0] = 0x80 | buf[0]&0x3f
		buf[1] = 111 | buf[1]&0x80
		g.Write(buf[:n])
		if i%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
	c := dialFrom(t, "127.0.0.1", r.addr)
	s := &rtpStream{pt: 111, ssrc: 7, seq: 1, ts: 1}
	s.send(t, c, 100, nil)
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if res.code != 0 || sum.Played != 100 || sum.RTP == nil || sum.RTP.SSRC != 7 {
		t.Errorf("exit %d, played %d of 100, rtp %+v: %s", res.code, sum.Played, sum.RTP, res.stderr)
	}
}

// TestRecvRTPRestart: the RTP sender goes quiet and comes back from a new
// port with a new SSRC; both streams are recorded.
func TestRecvRTPRestart(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "3s", "--json")
	a := dialFrom(t, "127.0.0.1", r.addr)
	(&rtpStream{pt: 96, ssrc: 1, seq: 100, ts: 5000}).send(t, a, 25, nil)
	time.Sleep(takeoverAfter + 200*time.Millisecond)
	b := dialFrom(t, "127.0.0.1", r.addr)
	(&rtpStream{pt: 96, ssrc: 2, seq: 9000, ts: 77}).send(t, b, 25, nil)
	time.Sleep(100 * time.Millisecond)
	r.cancel()
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if sum.Takeovers != 1 || sum.Played != 50 || sum.RTP == nil || sum.RTP.SSRC != 2 || sum.RTP.Streams != 2 {
		t.Errorf("%d takeovers, played %d of 50, rtp %+v: %s", sum.Takeovers, sum.Played, sum.RTP, res.stderr)
	}
}

// TestRecvStampedAndRTP: the first to send valid audio is followed,
// whichever format; the other is ignored.
func TestRecvStampedAndRTP(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "400ms", "--json")
	st := dialFrom(t, "127.0.0.1", r.addr)
	rt := dialFrom(t, "127.0.0.1", r.addr)
	sendFrames(t, st, voice20, opusrt.Now(), 50)
	(&rtpStream{pt: 111, ssrc: 5}).send(t, rt, 50, nil)
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if sum.Sender != st.LocalAddr().String() || sum.Played != 50 || sum.Ignored != 50 || sum.RTP != nil {
		t.Errorf("followed %s, played %d, ignored %d: %+v", sum.Sender, sum.Played, sum.Ignored, sum)
	}
}

// TestRecvRTPNotOpus: RTP of a payload type that is not the one expected
// records nothing, and the reason says what came.
func TestRecvRTPNotOpus(t *testing.T) {
	for _, tc := range []struct {
		pt   uint8
		args []string
		want string
	}{
		{0, nil, "of 30 datagrams, 30 were RTP with payload type 0 (and others), not the one expected, a dynamic one (96-127) carrying Opus; try --sdp or --pt"},
		{97, []string{"--pt", "111"}, "of 30 datagrams, 30 were RTP with payload type 97 (and others), not the one expected, 111; try --sdp or --pt"},
	} {
		out := filepath.Join(t.TempDir(), "rec.opus")
		r := startRecv(t, append([]string{"-o", out, "--idle", "300ms"}, tc.args...)...)
		(&rtpStream{pt: tc.pt, ssrc: 5}).send(t, dialFrom(t, "127.0.0.1", r.addr), 30, nil)
		checkLastLineError(t, r.wait(t, 5*time.Second), 1, tc.want)
	}
}
