package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
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
		{0, nil, "of 30 datagrams, 30 were RTP with payload type 0, not the one expected, a dynamic one (96-127) carrying Opus; try --sdp or --pt"},
		{97, []string{"--pt", "111"}, "of 30 datagrams, 30 were RTP with payload type 97, not the one expected, 111; try --sdp or --pt"},
	} {
		out := filepath.Join(t.TempDir(), "rec.opus")
		r := startRecv(t, append([]string{"-o", out, "--idle", "300ms"}, tc.args...)...)
		(&rtpStream{pt: tc.pt, ssrc: 5}).send(t, dialFrom(t, "127.0.0.1", r.addr), 30, nil)
		checkLastLineError(t, r.wait(t, 5*time.Second), 1, tc.want)
	}
}

// TestRecvRTPRandom: 2000 datagrams that look like RTP of payload type 97
// (a type recv takes without --pt), each of a random SSRC, sequence number
// and payload: nothing is recorded, and the reason says that the packets
// of type 97 carried no Opus, or no second packet confirmed them.
func TestRecvRTPRandom(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "500ms")
	c := dialFrom(t, "127.0.0.1", r.addr)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		p := rtp.Packet{Header: rtp.Header{PayloadType: 97, SequenceNumber: uint16(rng.Uint32()), Timestamp: rng.Uint32(), SSRC: rng.Uint32()},
			Payload: make([]byte, 1+rng.IntN(100))}
		for j := range p.Payload {
			p.Payload[j] = byte(rng.Uint32())
		}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		c.Write(b)
		if i%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
	res := r.wait(t, 5*time.Second)
	checkLastLineError(t, res, 1, "no valid audio: of 2000 datagrams, ")
	for _, want := range []string{" were RTP of payload type 97 with no valid Opus packet in them, ", " were RTP Opus packets that no second packet of their SSRC confirmed; "} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr %q, want %q", res.stderr, want)
		}
	}
	if strings.Contains(res.stderr, "not the one expected") || strings.Contains(res.stderr, "stamped") {
		t.Errorf("stderr %q: the packets were of the type expected, and RTP", res.stderr)
	}
}

// TestSendRecvRTP: send --rtp on a lossy, reordering network into recv:
// the loss and jitter in recv's receiver reports are what send drew, and
// send prints the round-trip time from them.
func TestSendRecvRTP(t *testing.T) {
	if testing.Short() {
		t.Skip("a real-time RTP stream of 3 s")
	}
	out := filepath.Join(t.TempDir(), "rec.opus")
	sdpFile := filepath.Join(t.TempDir(), "s.sdp")
	r := startRecv(t, "-o", out, "--idle", "1s", "--json")
	sr := runOpusrt(t, nil, "send", "--rtp", "--to", r.addr, "--sdp", sdpFile, "--ssrc", "0x1234abcd", "--json",
		"--loss", "5", "--reorder", "5", "--jitter", "10ms", "--jitter-dist", "uniform", "--seed", "7", sample(t, "stereo.opus"))
	if sr.code != 0 {
		t.Fatalf("send: exit %d: %s", sr.code, sr.stderr)
	}
	var sent sendSummary
	if err := json.Unmarshal([]byte(sr.stdout), &sent); err != nil {
		t.Fatalf("send JSON: %v\n%s", err, sr.stdout)
	}
	res := r.wait(t, 5*time.Second)
	got := res.summary(t)
	if res.code != 0 {
		t.Fatalf("recv: exit %d: %s", res.code, res.stderr)
	}
	s := sent.RTP
	if s == nil || s.SSRC != 0x1234abcd || s.PayloadType != 111 || s.SenderReports < 2 || s.ReceiverReports < 2 {
		t.Fatalf("send's RTP summary %+v", s)
	}
	if sent.Lost == 0 || int(s.ReportedLost) != sent.Lost || got.RTP.Lost != int64(sent.Lost) {
		t.Errorf("send drew %d lost; the last receiver report says %d, recv counted %d", sent.Lost, s.ReportedLost, got.RTP.Lost)
	}
	t.Logf("reported jitter %.2f ms, drawn %.2f ms, sent %.2f ms, rtt %.2f ms", s.ReportedJitterMs, s.DrawnJitterMs, s.SentJitterMs, s.RTTMs)
	// Jitter: what the receiver measured on loopback is the jitter of the
	// datagrams as send wrote them: what the network drew plus the
	// lateness of send's timer, which on a loaded machine is more than the
	// draw (drawn 15 ms, sent 24 ms, seen). The loopback adds little.
	if d, tol := s.ReportedJitterMs-s.SentJitterMs, max(1, 0.1*s.SentJitterMs); s.DrawnJitterMs < 5 || d < -tol || d > tol {
		t.Errorf("reported jitter %.2f ms, sent %.2f ms (drawn %.2f ms)", s.ReportedJitterMs, s.SentJitterMs, s.DrawnJitterMs)
	}
	// The round trip on loopback is scheduling: recv stamps an SR when it
	// reads it, send an RR when it reads it, and on a saturated machine
	// under the race detector either can wait (772 ms seen). Only its
	// sense is checked: positive, and not the seconds or hours a wrong
	// LSR, DLSR or unit would give.
	if s.RTTMs <= 0 || s.RTTMs > 3000 {
		t.Errorf("round trip %v ms", s.RTTMs)
	}
	if got.RTP.SenderReports < 2 || got.RTP.ReceiverReports < 2 || got.RTP.RTCPMuxed {
		t.Errorf("recv's RTP summary %+v", got.RTP)
	}
	if got.Played+got.Late != uint64(sent.Datagrams) || got.OutputMs < sent.AudioMs-100 {
		t.Errorf("played %d + late %d of %d datagrams, recorded %v of %v ms", got.Played, got.Late, sent.Datagrams, got.OutputMs, sent.AudioMs)
	}
	text := string(readFile(t, sdpFile))
	if !strings.Contains(text, "m=audio "+r.addr[strings.LastIndex(r.addr, ":")+1:]+" RTP/AVP 111\r\n") || !strings.Contains(text, "a=rtpmap:111 opus/48000/2\r\n") {
		t.Errorf("SDP:\n%s", text)
	}
	// The text summary says the round trip.
	sr = runOpusrt(t, nil, "send", "--rtp", "--to", r.addr, sample(t, "stereo.opus"), "--pt", "96")
	if sr.code != 0 || !strings.Contains(sr.stderr, "RTP: SSRC 0x") || !strings.Contains(sr.stderr, "payload type 96") {
		t.Errorf("send: exit %d: %s", sr.code, sr.stderr)
	}
}

func TestSendRTPFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"send", "--to", "127.0.0.1:9", "--pt", "96"}, "--pt is for RTP: add --rtp"},
		{[]string{"send", "--to", "127.0.0.1:9", "--sdp", "x.sdp"}, "--sdp is for RTP: add --rtp"},
		{[]string{"send", "--rtp", "--to", "127.0.0.1:9", "--pt", "128"}, "--pt 128: want an RTP payload type"},
		{[]string{"recv", "-o", "x.opus", "--pt", "200"}, "--pt 200: want an RTP payload type"},
	} {
		checkOneLineError(t, runOpusrt(t, nil, tc.args...), 2, tc.want)
	}
}

// TestRecvSDP: recv --sdp takes the payload type and port from the file.
func TestRecvSDP(t *testing.T) {
	dir := t.TempDir()
	sdpFile := filepath.Join(dir, "s.sdp")
	out := filepath.Join(dir, "rec.opus")
	var addr string
	done := make(chan result, 1)
	for try := 0; ; try++ {
		// A free port, which another process may take before recv does:
		// then try another.
		addr = freeAddr(t)
		_, port, _ := net.SplitHostPort(addr)
		// As ffmpeg -f rtp prints it.
		os.WriteFile(sdpFile, []byte("SDP:\nv=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\n"+
			"m=audio "+port+" RTP/AVP 97\na=rtpmap:97 opus/48000/2\na=fmtp:97 sprop-stereo=1\n"), 0o644)
		errb := &syncBuffer{}
		go func() {
			var outb bytes.Buffer
			code := run(context.Background(), []string{"recv", "--sdp", sdpFile, "-o", out, "--idle", "300ms", "--json"},
				bytes.NewReader(nil), &outb, errb)
			done <- result{outb.String(), errb.String(), code}
		}()
		for !strings.HasPrefix(errb.String(), "listening on "+addr) && len(done) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		if len(done) == 0 {
			break
		}
		if res := <-done; try == 2 || !strings.Contains(res.stderr, "address already in use") {
			t.Fatalf("recv: exit %d: %s", res.code, res.stderr)
		}
	}
	c := dialFrom(t, "127.0.0.1", addr)
	(&rtpStream{pt: 96, ssrc: 1}).send(t, c, 20, nil) // another type: ignored
	(&rtpStream{pt: 97, ssrc: 2}).send(t, c, 20, nil)
	res := <-done
	sum := res.summary(t)
	if sum.Played != 20 || sum.RTP == nil || sum.RTP.PayloadType != 97 || sum.NotAudio != 20 {
		t.Errorf("played %d, rtp %+v, not audio %d: %s", sum.Played, sum.RTP, sum.NotAudio, res.stderr)
	}
	checkOneLineError(t, runOpusrt(t, nil, "recv", "--sdp", sdpFile, "-o", out, "--pt", "111"), 2, "--pt 111, but")
	os.WriteFile(sdpFile, []byte("v=0\nm=audio 5004 RTP/AVP 0\n"), 0o644)
	checkOneLineError(t, runOpusrt(t, nil, "recv", "--sdp", sdpFile, "-o", out), 1, "no opus stream")
	os.WriteFile(sdpFile, []byte("v=0\nc=IN IP4 127.0.0.1\nm=audio 5004 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\n"), 0o644)
	checkOneLineError(t, runOpusrt(t, nil, "recv", "--sdp", sdpFile, "-o", out), 1, "the stream is SRTP (UDP/TLS/RTP/SAVPF), encrypted")
}

// TestReceiverRTPReordered: the first two packets of a stream arrive out
// of order; both are taken.
func TestReceiverRTPReordered(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0))
	r := &receiver{rtb: rtb, pt: -1, rtp: rtp.NewReceiver(rtp.StampedSink(rtb))}
	s := &rtpStream{pt: 111, ssrc: 9, seq: 65535}
	p1, p2, p3 := s.next(voice20, false), s.next(voice20, false), s.next(voice20, false)
	t0 := time.Now()
	for i, p := range [][]byte{p2, p1, p3} {
		r.handle(p, a, t0.Add(time.Duration(i)*time.Millisecond))
	}
	c, f, ok, _, _ := r.counts()
	if !ok || f.ssrc != 9 || c.Audio != 3 || rtb.Stats().PacketsReceived != 3 {
		t.Errorf("following %v %v, counts %+v, buffer %+v", f, ok, c, rtb.Stats())
	}
}

// TestRecvRTPAbsurdTimestamps is the four-datagram attack over RTP:
// timestamps that jump half the 32-bit range, and back. The recording
// stays small: no gap is filled with more than the resync threshold.
func TestRecvRTPAbsurdTimestamps(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "300ms", "--json")
	c := dialFrom(t, "127.0.0.1", r.addr)
	s := &rtpStream{pt: 111, ssrc: 3, seq: 10, ts: 1000}
	for _, ts := range []uint32{1000, 1960, 1960 + 1<<31, 1000 + 48000*3600, 2920} {
		s.ts = ts
		c.Write(s.next(opusrt.Frame{0xf8}, false))
	}
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if limit := 5*20 + 4*ms(maxFill); res.code != 0 || sum.OutputMs > limit || sum.OutputBytes > 4096 {
		t.Errorf("exit %d: recorded %v ms (at most %v) in %d bytes: %s", res.code, sum.OutputMs, limit, sum.OutputBytes, res.stderr)
	}
}

// TestRecvRTPJumps: a live RTP stream whose timestamps jump by 2³¹ and
// whose sequence numbers jump by 2¹⁵ and wrap, mid-stream: the recording
// holds the packets that are audio and no more fill than the resync
// threshold per jump.
func TestRecvRTPJumps(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "500ms", "--json", "--playout-delay", "2s")
	c := dialFrom(t, "127.0.0.1", r.addr)
	s := &rtpStream{pt: 111, ssrc: 3, seq: 65000, ts: 1 << 31}
	s.send(t, c, 50, nil)
	s.ts += 1 << 31 // half the clock's range ahead: or behind
	s.send(t, c, 50, nil)
	s.seq += 1 << 15 // a sequence jump, then a wrap
	s.send(t, c, 50, nil)
	s.ts -= 1 << 31
	s.send(t, c, 50, nil)
	res := r.wait(t, 10*time.Second)
	sum := res.summary(t)
	t.Logf("played %d of 200, recorded %v ms (%v ms filled, %d gaps capped), %d bytes; rtp %+v", sum.Played, sum.OutputMs, sum.ConcealedMs, sum.CappedGaps, sum.OutputBytes, sum.RTP)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if limit := float64(sum.Played)*20 + 3*ms(maxFill); sum.OutputMs > limit {
		t.Errorf("recorded %v ms for %d packets, want at most %v", sum.OutputMs, sum.Played, limit)
	}
	if sum.Played < 150 {
		t.Errorf("played %d of 200", sum.Played)
	}
}
