package rtp

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

func TestPacketizerBytes(t *testing.T) {
	clk := fakeclock.New(t0)
	p := NewPacketizer(WithSSRC(0x01020304), WithInitialSequence(65535), WithInitialTimestamp(1<<32-960), WithSenderClock(clk))
	frames := []opusrt.Frame{
		{toc20ms, 0xaa},
		{toc20ms, 0xbb, 0xcc},
		{toc60ms | 3, 0x02, 1, 2}, // code 3: two 60 ms frames of 1 byte (CBR)
		{toc20ms},
	}
	want := []string{
		`80 ef ff ff  ff ff fc 40  01 02 03 04  78 aa`,
		`80 6f 00 00  00 00 00 00  01 02 03 04  78 bb cc`,
		`80 6f 00 01  00 00 03 c0  01 02 03 04  1b 02 01 02`,
		`80 6f 00 02  00 00 1a 40  01 02 03 04  78`, // 960 + 2·2880
	}
	var dst []byte
	for i, f := range frames {
		var err error
		start := len(dst)
		dst, err = p.AppendPacket(dst, f)
		if err != nil {
			t.Fatal(err)
		}
		if got, w := dst[start:], hexBytes(t, want[i]); !bytes.Equal(got, w) {
			t.Errorf("packet %d =\n% x\nwant\n% x", i, got, w)
		}
	}
	if p.SSRC() != 0x01020304 {
		t.Errorf("SSRC = %08x", p.SSRC())
	}
}

func TestPacketizerRandomStart(t *testing.T) {
	seeded := NewPacketizer(WithRandom(bytes.NewReader([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})))
	pkt, err := seeded.Packetize(opusrt.Frame{toc20ms})
	if err != nil {
		t.Fatal(err)
	}
	if pkt.SSRC != 0x01020304 || pkt.SequenceNumber != 0x0506 || pkt.Timestamp != 0x0708090a || !pkt.Marker || pkt.PayloadType != 111 {
		t.Errorf("seeded packet %+v", pkt.Header)
	}
	// Fixed fields draw nothing: the seed goes to the others in order.
	partly := NewPacketizer(WithSSRC(9), WithRandom(bytes.NewReader([]byte{5, 6, 7, 8, 9, 10})))
	if pkt, _ := partly.Packetize(opusrt.Frame{toc20ms}); pkt.SequenceNumber != 0x0506 || pkt.Timestamp != 0x0708090a {
		t.Errorf("partly seeded %+v", pkt.Header)
	}
	// A short seed falls back to crypto/rand rather than zeros.
	short := NewPacketizer(WithRandom(bytes.NewReader([]byte{1})))
	a, b := NewPacketizer(), NewPacketizer()
	if a.SSRC() == b.SSRC() && a.header.Timestamp == b.header.Timestamp {
		t.Errorf("two random packetizers share SSRC %08x and timestamp", a.SSRC())
	}
	if short.SSRC() == 0 && short.header.SequenceNumber == 0 {
		t.Errorf("short seed gave zeros")
	}
}

func TestPacketizerPayloadType(t *testing.T) {
	p := NewPacketizer(WithSendPayloadType(96), WithSSRC(1))
	pkt, _ := p.Packetize(opusrt.Frame{toc20ms})
	if pkt.PayloadType != 96 {
		t.Errorf("PT %d", pkt.PayloadType)
	}
	if pkt, _ := NewPacketizer(WithSendPayloadType(255)).Packetize(opusrt.Frame{toc20ms}); pkt.PayloadType != 127 {
		t.Errorf("PT 255 became %d", pkt.PayloadType)
	}
}

func TestPacketizerSkip(t *testing.T) {
	p := NewPacketizer(WithSSRC(1), WithInitialSequence(10), WithInitialTimestamp(0))
	var got []Header
	send := func() {
		pkt, err := p.Packetize(opusrt.Frame{toc20ms})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pkt.Header)
	}
	send()
	send()
	p.Skip(400 * time.Millisecond)
	send()
	send()
	p.Skip(0)
	send()
	type hdr struct {
		seq    uint16
		ts     uint32
		marker bool
	}
	var g []hdr
	for _, h := range got {
		g = append(g, hdr{h.SequenceNumber, h.Timestamp, h.Marker})
	}
	want := []hdr{{10, 0, true}, {11, 960, false}, {12, 1920 + 19200, true}, {13, 2880 + 19200, false}, {14, 3840 + 19200, true}}
	if !slices.Equal(g, want) {
		t.Errorf("headers %v, want %v", g, want)
	}

	// Skips that are not whole samples do not drift.
	q := NewPacketizer(WithInitialTimestamp(0))
	step := time.Millisecond / 7
	for range 7000 {
		q.Skip(step)
	}
	if want := samplesIn(7000 * step); int64(q.header.Timestamp) != want {
		t.Errorf("7000 skips of %v: timestamp %d, want %d", step, q.header.Timestamp, want)
	}
}

func TestPacketizerInvalidFrame(t *testing.T) {
	p := NewPacketizer(WithSSRC(1), WithInitialSequence(5), WithInitialTimestamp(0))
	for _, f := range []opusrt.Frame{nil, {0x03, 0x00}, append(opusrt.Frame{toc20ms}, make([]byte, 1276)...)} {
		dst, err := p.AppendPacket([]byte{0xEE}, f)
		if !errors.Is(err, opusrt.ErrInvalidFrame) || !bytes.Equal(dst, []byte{0xEE}) {
			t.Errorf("frame % x: %v, dst % x", []byte(f)[:min(len(f), 4)], err, dst)
		}
	}
	if pkt, _ := p.Packetize(opusrt.Frame{toc20ms}); pkt.SequenceNumber != 5 || !pkt.Marker {
		t.Errorf("state moved on invalid frames: %+v", pkt.Header)
	}
	if sr := p.SenderReport(t0); sr.PacketCount != 1 || sr.OctetCount != 1 {
		t.Errorf("counts %+v", sr)
	}
}

func TestPacketizerSenderReport(t *testing.T) {
	clk := fakeclock.New(t0)
	p := NewPacketizer(WithSSRC(0x01020304), WithInitialSequence(0), WithInitialTimestamp(1000), WithSenderClock(clk), WithSenderCNAME("tx"))
	if sr := p.SenderReport(t0); sr.RTPTime != 1000 || sr.PacketCount != 0 {
		t.Errorf("before any packet: %+v", sr)
	}
	for i := range 3 {
		if i > 0 {
			clk.Advance(20 * time.Millisecond)
		}
		if _, err := p.Packetize(opusrt.Frame{toc20ms, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	}
	// The last packet (timestamp 1000 + 1920) was made at t0 + 40 ms; the
	// report at t0 + 50 ms is 480 samples later.
	now := t0.Add(50 * time.Millisecond)
	got := p.AppendReport(nil, now)
	want := hexBytes(t, `80 c8 00 06  01 02 03 04
		ed 00 37 80 0c cc cc cd
		00 00 0d 48  00 00 00 03  00 00 00 0c
		81 ca 00 03  01 02 03 04  01 02 74 78  00 00 00 00`)
	if !bytes.Equal(got, want) {
		t.Errorf("AppendReport =\n% x\nwant\n% x", got, want)
	}
	if n := NTPTimeOf(now); n != 0xed0037800ccccccd {
		t.Errorf("NTP of now %x", uint64(n))
	}
}

// TestPacketizerToReceiver sends frames through a Packetizer and a
// Receiver: the Buffer behind plays them back with the loss and the DTX
// gap on their timeline.
func TestPacketizerToReceiver(t *testing.T) {
	clk := fakeclock.New(t0)
	tx := NewPacketizer(WithSenderClock(clk))
	buf := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	var infos []FrameInfo
	rx := NewReceiver(buf, WithReceiverClock(clk), WithFrameHook(func(fi FrameInfo) { infos = append(infos, fi) }))
	frames := []opusrt.Frame{{toc20ms, 0}, {toc20ms, 1}, {toc20ms, 2}, {toc20ms, 3}, {toc20ms, 4}}
	var wire []byte
	for i, f := range frames {
		if i == 3 {
			tx.Skip(100 * time.Millisecond) // DTX: nothing sent for 100 ms
		}
		var err error
		wire, err = tx.AppendPacket(wire[:0], f)
		if err != nil {
			t.Fatal(err)
		}
		if i != 1 { // lost on the way
			if err := rx.Receive(wire); !taken(err) {
				t.Fatal(err)
			}
		}
		clk.Advance(20 * time.Millisecond)
	}
	var got []string
	for {
		f, loss, err := buf.Frame()
		if err != nil {
			break
		}
		if loss > 0 {
			got = append(got, loss.String())
		} else {
			got = append(got, string(rune('0'+f[1])))
		}
	}
	if want := []string{"0", "20ms", "2", "100ms", "3", "4"}; !slices.Equal(got, want) {
		t.Errorf("played %v, want %v", got, want)
	}
	s := rx.Stats()
	if s.PacketsLost != 1 || s.DTXGaps != 1 || s.DTXDuration != 100*time.Millisecond || s.Markers != 2 || s.SSRC != tx.SSRC() {
		t.Errorf("receiver stats %+v", s)
	}
	if !infos[0].Marker || !infos[2].Marker || infos[2].Silence != 100*time.Millisecond {
		t.Errorf("frame infos %+v", infos)
	}
}

// TestPacketizerRoundTrip is a sender's view of the round trip: its SR
// goes out, the Receiver's RR comes back, and the sender finds its block
// and measures the round trip on its own clock.
func TestPacketizerRoundTrip(t *testing.T) {
	clk := fakeclock.New(t0)
	tx := NewPacketizer(WithSenderClock(clk))
	rx := NewReceiver(sinkFunc(func(opusrt.Frame, opusrt.EpochMillis) error { return nil }), WithReceiverClock(clk))
	oneWay := 35 * time.Millisecond
	for range 3 {
		wire, _ := tx.AppendPacket(nil, opusrt.Frame{toc20ms})
		clk.Advance(oneWay)
		if err := rx.Receive(wire); !taken(err) {
			t.Fatal(err)
		}
		clk.Advance(20*time.Millisecond - oneWay)
	}
	sr := tx.AppendReport(nil, clk.Now())
	clk.Advance(oneWay)
	if err := rx.Receive(sr); err != nil {
		t.Fatal(err)
	}
	clk.Advance(700 * time.Millisecond) // the receiver's own report timer
	rr := rx.AppendReport(nil, clk.Now())
	clk.Advance(oneWay)
	pkts, err := UnmarshalRTCP(rr)
	if err != nil {
		t.Fatal(err)
	}
	rb, ok := FindReport(pkts, tx.SSRC())
	if !ok {
		t.Fatal("no report block about the sender")
	}
	rtt, ok := RoundTripTime(clk.Now(), rb)
	if !ok || rtt < 2*oneWay-50*time.Microsecond || rtt > 2*oneWay+50*time.Microsecond {
		t.Errorf("round trip %v, %v; want %v", rtt, ok, 2*oneWay)
	}
	if rb.CumulativeLost != 0 || rb.ExtendedHighestSequence&0xFFFF != uint32(uint16(tx.header.SequenceNumber-1)) {
		t.Errorf("report block %+v", rb)
	}
}
