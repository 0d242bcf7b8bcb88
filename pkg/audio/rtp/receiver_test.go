package rtp

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// t0 is the fake clock's start: 2026-01-01 00:00:00 UTC.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const ms0 = opusrt.EpochMillis(1767225600000) // t0 in EpochMillis

// Opus TOC bytes used in the tests.
const (
	toc20ms  = 0x78 // config 15, hybrid fullband 20 ms, mono, code 0
	toc2_5ms = 0x80 // config 16, CELT narrowband 2.5 ms
	toc60ms  = 0x18 // config 3, SILK narrowband 60 ms
)

// rtpPacket is a packet to send in a receiver test.
type rtpPacket struct {
	seq    uint16
	ts     uint32
	ssrc   uint32
	pt     uint8 // 0 for 111
	marker bool
	toc    byte
	after  time.Duration // clock advance before it arrives
}

func (p rtpPacket) wire() []byte {
	pt, toc := p.pt, p.toc
	if pt == 0 {
		pt = 111
	}
	if toc == 0 {
		toc = toc20ms
	}
	pkt := Packet{
		Header:  Header{Marker: p.marker, PayloadType: pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc},
		Payload: []byte{toc, byte(p.seq), byte(p.seq >> 8)},
	}
	return pkt.AppendTo(nil)
}

// stamped is what a recording sink got.
type stamped struct {
	stamp opusrt.EpochMillis
	seq   uint16 // from the test payload
}

type recordingSink struct {
	got  []stamped
	errs []error // returned in turn, then nil
}

func (s *recordingSink) Append(f opusrt.Frame, stamp opusrt.EpochMillis) error {
	s.got = append(s.got, stamped{stamp, uint16(f[1]) | uint16(f[2])<<8})
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return err
	}
	return nil
}

// run sends packets to a new Receiver on a fake clock and returns the
// receiver, what the sink got and the errors Receive returned.
func run(t *testing.T, packets []rtpPacket, opts ...ReceiverOption) (*Receiver, []stamped, []error, *fakeclock.Clock) {
	t.Helper()
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, append([]ReceiverOption{WithReceiverClock(clk), WithReporterSSRC(0xAA)}, opts...)...)
	var errs []error
	for _, p := range packets {
		clk.Advance(p.after)
		errs = append(errs, r.Receive(p.wire()))
	}
	return r, sink.got, errs, clk
}

// noErrors checks that every packet was taken, the first held on
// probation until the second confirmed the stream.
func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if i == 0 && errors.Is(err, ErrProbation) {
			continue
		}
		if err != nil {
			t.Errorf("packet %d: %v", i, err)
		}
	}
}

// steady returns n 20 ms packets from seq, ts, 20 ms apart on the clock.
func steady(n int, seq uint16, ts uint32, ssrc uint32) []rtpPacket {
	var ps []rtpPacket
	for i := range n {
		ps = append(ps, rtpPacket{seq: seq + uint16(i), ts: ts + uint32(960*i), ssrc: ssrc, after: 20 * time.Millisecond})
	}
	ps[0].after = 0
	return ps
}

func TestReceiverStamps(t *testing.T) {
	tests := []struct {
		name    string
		packets []rtpPacket
		want    []stamped
	}{
		{
			name:    "20 ms frames",
			packets: steady(3, 100, 1000, 1),
			want:    []stamped{{ms0, 100}, {ms0 + 20, 101}, {ms0 + 40, 102}},
		},
		{
			name:    "stamps follow the timestamps, not the arrival jitter",
			packets: []rtpPacket{{seq: 1, ts: 0, ssrc: 1}, {seq: 2, ts: 960, ssrc: 1, after: 35 * time.Millisecond}, {seq: 3, ts: 1920, ssrc: 1, after: 2 * time.Millisecond}},
			want:    []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 40, 3}},
		},
		{
			name: "2.5 ms frames keep the sub-millisecond remainder",
			packets: []rtpPacket{
				{seq: 1, ts: 0, ssrc: 1, toc: toc2_5ms}, {seq: 2, ts: 120, ssrc: 1, toc: toc2_5ms},
				{seq: 3, ts: 240, ssrc: 1, toc: toc2_5ms}, {seq: 4, ts: 360, ssrc: 1, toc: toc2_5ms},
				{seq: 5, ts: 480, ssrc: 1, toc: toc2_5ms},
			},
			want: []stamped{{ms0, 1}, {ms0 + 2, 2}, {ms0 + 5, 3}, {ms0 + 7, 4}, {ms0 + 10, 5}},
		},
		{
			name:    "timestamp wraps",
			packets: steady(4, 7, 1<<32-960*2, 1),
			want:    []stamped{{ms0, 7}, {ms0 + 20, 8}, {ms0 + 40, 9}, {ms0 + 60, 10}},
		},
		{
			name:    "sequence wraps",
			packets: steady(4, 65534, 0, 1),
			want:    []stamped{{ms0, 65534}, {ms0 + 20, 65535}, {ms0 + 40, 0}, {ms0 + 60, 1}},
		},
		{
			name: "reordered across both wraps",
			packets: []rtpPacket{
				{seq: 65535, ts: 1<<32 - 960, ssrc: 1}, {seq: 1, ts: 960, ssrc: 1, after: 40 * time.Millisecond},
				{seq: 0, ts: 0, ssrc: 1, after: time.Millisecond},
			},
			want: []stamped{{ms0, 65535}, {ms0 + 40, 1}, {ms0 + 20, 0}},
		},
		{
			name:    "a packet older than the first",
			packets: []rtpPacket{{seq: 10, ts: 9600, ssrc: 1}, {seq: 9, ts: 8640, ssrc: 1, after: 5 * time.Millisecond}},
			want:    []stamped{{ms0, 10}, {ms0 - 20, 9}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, got, errs, _ := run(t, tt.packets)
			noErrors(t, errs)
			if !slices.Equal(got, tt.want) {
				t.Errorf("sink got %v\nwant %v", got, tt.want)
			}
			if s := r.Stats(); s.PacketsLost != 0 || s.PacketsReceived != uint64(len(tt.packets)) {
				t.Errorf("lost %d received %d", s.PacketsLost, s.PacketsReceived)
			}
		})
	}
}

func TestReceiverLossAndDTX(t *testing.T) {
	// 1, 2, then 3 and 4 lost, 5, 6; then DTX: 7 follows 6 in sequence
	// but 400 ms later in time; then 8 duplicated.
	packets := []rtpPacket{
		{seq: 1, ts: 0, ssrc: 1}, {seq: 2, ts: 960, ssrc: 1, after: 20 * time.Millisecond},
		{seq: 5, ts: 3840, ssrc: 1, after: 60 * time.Millisecond}, {seq: 6, ts: 4800, ssrc: 1, after: 20 * time.Millisecond},
		{seq: 7, ts: 4800 + 960 + 19200, ssrc: 1, marker: true, after: 420 * time.Millisecond},
		{seq: 8, ts: 4800 + 960*2 + 19200, ssrc: 1, after: 20 * time.Millisecond},
		{seq: 8, ts: 4800 + 960*2 + 19200, ssrc: 1, after: time.Millisecond},
	}
	var infos []FrameInfo
	r, got, errs, _ := run(t, packets, WithFrameHook(func(fi FrameInfo) { infos = append(infos, fi) }))
	noErrors(t, errs)
	want := []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 80, 5}, {ms0 + 100, 6}, {ms0 + 520, 7}, {ms0 + 540, 8}}
	if !slices.Equal(got, want) {
		t.Errorf("sink got %v\nwant %v", got, want)
	}
	s := r.Stats()
	if s.PacketsLost != 2-1 { // two lost, one duplicate (A.3)
		t.Errorf("PacketsLost = %d, want 1", s.PacketsLost)
	}
	if s.PacketsDuplicated != 1 || s.PacketsReceived != 7 || s.FramesDelivered != 6 {
		t.Errorf("duplicated %d received %d delivered %d", s.PacketsDuplicated, s.PacketsReceived, s.FramesDelivered)
	}
	if s.DTXGaps != 1 || s.DTXDuration != 400*time.Millisecond {
		t.Errorf("DTX gaps %d of %v, want 1 of 400ms", s.DTXGaps, s.DTXDuration)
	}
	if s.Markers != 1 || !infos[4].Marker || infos[4].Silence != 400*time.Millisecond || infos[3].Marker {
		t.Errorf("markers %d, info[4] %+v", s.Markers, infos[4])
	}
	if !infos[0].NewStream || infos[1].NewStream {
		t.Errorf("NewStream flags: %v %v", infos[0].NewStream, infos[1].NewStream)
	}
	if infos[2].Silence != 0 {
		t.Errorf("a loss was taken for DTX: %+v", infos[2])
	}
	if s.ExtendedHighestSequence != 8 || s.Streams != 1 || s.SSRC != 1 || s.PayloadType != 111 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverPayloadType(t *testing.T) {
	tests := []struct {
		name        string
		opts        []ReceiverOption
		pts         []uint8
		taken       []bool
		ignored     uint64
		lastIgnored int
		locked      int
	}{
		{"first dynamic type", nil, []uint8{111, 111}, []bool{true, true}, 0, -1, 111},
		{"static types skipped", nil, []uint8{9, 8, 96, 96}, []bool{false, false, true, true}, 2, 8, 96},
		{"locked on the first", nil, []uint8{111, 111, 97, 111}, []bool{true, true, false, true}, 1, 97, 111},
		// Before a stream is confirmed, another type is a candidate of
		// its own, dropped when the first type's stream is confirmed.
		{"candidates of two types", nil, []uint8{97, 111, 111}, []bool{true, true, true}, 0, -1, 111},
		{"expected type", []ReceiverOption{WithPayloadType(97)}, []uint8{111, 97, 111, 97}, []bool{false, true, false, true}, 2, 111, 97},
		{"expected static type", []ReceiverOption{WithPayloadType(9)}, []uint8{9, 111}, []bool{true, false}, 1, 111, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps []rtpPacket
			for i, pt := range tt.pts {
				ps = append(ps, rtpPacket{seq: uint16(i), ts: uint32(960 * i), ssrc: 5, pt: pt, after: 20 * time.Millisecond})
			}
			r, _, errs, _ := run(t, ps, tt.opts...)
			for i, err := range errs {
				if taken := taken(err); taken != tt.taken[i] {
					t.Errorf("packet %d (PT %d): error %v", i, tt.pts[i], err)
				}
				if !taken(err) && !errors.Is(err, ErrIgnored) {
					t.Errorf("packet %d: error %v does not wrap ErrIgnored", i, err)
				}
			}
			s := r.Stats()
			if s.IgnoredPayloadType != tt.ignored || s.PacketsIgnored != tt.ignored+s.IgnoredUnconfirmed || s.LastIgnoredPayloadType != tt.lastIgnored || s.PayloadType != tt.locked {
				t.Errorf("ignored %d (total %d) last %d locked %d; want %d last %d locked %d",
					s.IgnoredPayloadType, s.PacketsIgnored, s.LastIgnoredPayloadType, s.PayloadType, tt.ignored, tt.lastIgnored, tt.locked)
			}
		})
	}
}

func TestReceiverInvalidPayload(t *testing.T) {
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	bad := Packet{Header: Header{PayloadType: 111, SequenceNumber: 1, SSRC: 1}, Payload: []byte{0x03, 0x00}} // code 3, M = 0
	err := r.Receive(bad.AppendTo(nil))
	if !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Fatalf("invalid Opus: error %v", err)
	}
	// Garbage with a valid RTP header does not lock the payload type.
	for _, good := range []rtpPacket{{seq: 9, ts: 0, ssrc: 2, pt: 97}, {seq: 10, ts: 960, ssrc: 2, pt: 97}} {
		if err := r.Receive(good.wire()); !taken(err) {
			t.Fatalf("valid packet after garbage: %v", err)
		}
	}
	if err := r.Receive([]byte{0x80, 0x6f, 0, 1}); !errors.Is(err, ErrIgnored) {
		t.Errorf("4-byte datagram: %v", err)
	}
	if err := r.Receive([]byte{0x90, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0xbe, 0xde}); !errors.Is(err, ErrInvalidPacket) {
		t.Errorf("truncated extension: %v", err)
	}
	s := r.Stats()
	if s.PacketsInvalid != 2 || s.PayloadType != 97 || s.SSRC != 2 || len(sink.got) != 2 || s.IgnoredNotRTP != 1 {
		t.Errorf("stats %+v, sink %v", s, sink.got)
	}
}

func TestReceiverNotRTP(t *testing.T) {
	r, _, _, _ := run(t, nil)
	for _, d := range [][]byte{
		nil,
		opusrt.ToStamped(opusrt.Frame{toc20ms, 1, 2}, ms0),
		{0x40, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x78},
	} {
		if err := r.Receive(d); !errors.Is(err, ErrIgnored) {
			t.Errorf("Receive(% x) = %v, want ErrIgnored", d, err)
		}
	}
	if s := r.Stats(); s.IgnoredNotRTP != 3 || s.Streams != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverSSRCChange(t *testing.T) {
	timeout := 2 * time.Second
	packets := append(steady(3, 100, 5000, 1), // stream 1: stamps 0, 20, 40
		rtpPacket{seq: 7, ts: 0, ssrc: 2, after: 20 * time.Millisecond},         // live stream 1: ignored
		rtpPacket{seq: 103, ts: 5000 + 3*960, ssrc: 1, after: time.Millisecond}, // stamp 60
		rtpPacket{seq: 8, ts: 960, ssrc: 2, after: timeout},                     // quiet long enough: stream 2
		rtpPacket{seq: 9, ts: 1920, ssrc: 2, after: 20 * time.Millisecond},
		rtpPacket{seq: 104, ts: 5000 + 4*960, ssrc: 1, after: 20 * time.Millisecond}, // the old one: ignored
	)
	var infos []FrameInfo
	r, got, errs, _ := run(t, packets, WithStreamTimeout(timeout), WithFrameHook(func(fi FrameInfo) { infos = append(infos, fi) }))
	for i, err := range errs {
		ignored := i == 3 || i == 7
		if ignored != errors.Is(err, ErrIgnored) || !ignored && !taken(err) {
			t.Errorf("packet %d: %v", i, err)
		}
	}
	// Stream 2 starts at its arrival: 40 + 20 + 1 + 2000 ms.
	arrival := ms0 + 40 + 20 + 1 + 2000
	want := []stamped{{ms0, 100}, {ms0 + 20, 101}, {ms0 + 40, 102}, {ms0 + 60, 103}, {arrival, 8}, {arrival + 20, 9}}
	if !slices.Equal(got, want) {
		t.Errorf("sink got %v\nwant %v", got, want)
	}
	s := r.Stats()
	if s.Streams != 2 || s.SSRC != 2 || s.IgnoredSSRC != 2 || s.PacketsLost != 0 {
		t.Errorf("stats %+v", s)
	}
	if !infos[4].NewStream || infos[4].SSRC != 2 || infos[4].Sequence != 8 {
		t.Errorf("first frame of stream 2: %+v", infos[4])
	}
}

func TestReceiverByeEndsStream(t *testing.T) {
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	for _, p := range steady(2, 1, 0, 1) {
		clk.Advance(p.after)
		if err := r.Receive(p.wire()); !taken(err) {
			t.Fatal(err)
		}
	}
	bye, _ := MarshalRTCP(&ReceiverReport{SSRC: 1}, &Goodbye{Sources: []uint32{1}})
	if err := r.Receive(bye); !taken(err) {
		t.Fatal(err)
	}
	// Another SSRC at once, ahead of the old stream's end: the new stream
	// starts where the old one's audio ended (40 ms), not at the arrival
	// (20 ms), so it is not late in the Buffer.
	for _, p := range []rtpPacket{{seq: 50, ts: 777, ssrc: 2}, {seq: 51, ts: 777 + 960, ssrc: 2}} {
		if err := r.Receive(p.wire()); !taken(err) {
			t.Fatalf("new SSRC after BYE: %v", err)
		}
	}
	want := []stamped{{ms0, 1}, {ms0 + 20, 2}, {ms0 + 40, 50}, {ms0 + 60, 51}}
	if !slices.Equal(sink.got, want) {
		t.Errorf("sink got %v, want %v", sink.got, want)
	}
	if s := r.Stats(); s.Goodbyes != 1 || s.Streams != 2 || s.RTCPReceived != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverRestart(t *testing.T) {
	packets := append(steady(3, 100, 0, 1),
		rtpPacket{seq: 40000, ts: 1 << 30, ssrc: 1, after: 20 * time.Millisecond},     // jump: dropped
		rtpPacket{seq: 40001, ts: 1<<30 + 960, ssrc: 1, after: 20 * time.Millisecond}, // confirmed: restart
		rtpPacket{seq: 40002, ts: 1<<30 + 1920, ssrc: 1, after: 20 * time.Millisecond},
		rtpPacket{seq: 9, ts: 0, ssrc: 1, after: 3 * time.Second}, // a jump after a silence: restart at once
	)
	r, got, errs, _ := run(t, packets)
	for i, err := range errs {
		if (i == 3) != errors.Is(err, ErrIgnored) || i != 3 && !taken(err) {
			t.Errorf("packet %d: %v", i, err)
		}
	}
	restart := ms0 + 80
	later := restart + 20 + 3000
	want := []stamped{{ms0, 100}, {ms0 + 20, 101}, {ms0 + 40, 102}, {restart, 40001}, {restart + 20, 40002}, {later, 9}}
	if !slices.Equal(got, want) {
		t.Errorf("sink got %v\nwant %v", got, want)
	}
	s := r.Stats()
	if s.Streams != 3 || s.IgnoredSequenceJump != 1 || s.PacketsLost != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverPaddingOnlyIsNotLoss(t *testing.T) {
	clk := fakeclock.New(t0)
	r := NewReceiver(&recordingSink{}, WithReceiverClock(clk))
	pad := Packet{Header: Header{PayloadType: 111, SequenceNumber: 2, Timestamp: 960, SSRC: 1}, PaddingSize: 200}
	if err := r.Receive(pad.AppendTo(nil)); !errors.Is(err, ErrIgnored) {
		t.Errorf("padding before any stream: %v", err)
	}
	pad.SequenceNumber = 3
	for _, d := range [][]byte{rtpPacket{seq: 1, ts: 0, ssrc: 1}.wire(), rtpPacket{seq: 2, ts: 960, ssrc: 1}.wire(), pad.AppendTo(nil), rtpPacket{seq: 4, ts: 1920, ssrc: 1}.wire()} {
		if err := r.Receive(d); !taken(err) {
			t.Fatal(err)
		}
	}
	if s := r.Stats(); s.PacketsLost != 0 || s.PacketsReceived != 4 || s.FramesDelivered != 3 || s.IgnoredEmpty != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverJitter(t *testing.T) {
	// Packets 20 ms apart, the third 10 ms late: |D| = 480 units for the
	// third and again for the fourth (A.8): J = 480/16 = 30, then
	// 30 + (480 − 30)/16 = 58.
	packets := []rtpPacket{
		{seq: 1, ts: 0, ssrc: 1}, {seq: 2, ts: 960, ssrc: 1, after: 20 * time.Millisecond},
		{seq: 3, ts: 1920, ssrc: 1, after: 30 * time.Millisecond}, {seq: 4, ts: 2880, ssrc: 1, after: 10 * time.Millisecond},
	}
	r, _, errs, _ := run(t, packets)
	noErrors(t, errs)
	s := r.Stats()
	if s.JitterTimestampUnits != 58 || s.Jitter != 58*time.Second/48000 {
		t.Errorf("jitter %d units (%v), want 58", s.JitterTimestampUnits, s.Jitter)
	}
	rb := r.ReceiverReport(t0.Add(time.Second)).Reports[0]
	if rb.Jitter != 58 {
		t.Errorf("report block jitter %d", rb.Jitter)
	}
}

func TestReceiverReport(t *testing.T) {
	clk := fakeclock.New(t0)
	r := NewReceiver(&recordingSink{}, WithReceiverClock(clk), WithReporterSSRC(0xAA), WithCNAME("rx"))
	if rr := r.ReceiverReport(t0); rr.SSRC != 0xAA || len(rr.Reports) != 0 {
		t.Errorf("before any packet: %+v", rr)
	}
	for _, p := range []rtpPacket{{seq: 65535, ts: 0, ssrc: 0x11223344}, {seq: 2, ts: 2880, ssrc: 0x11223344, after: 60 * time.Millisecond}} {
		clk.Advance(p.after)
		if err := r.Receive(p.wire()); !taken(err) {
			t.Fatal(err)
		}
	}
	// The sender's SR, sent at t0 + 70 ms by its clock, arrives now.
	clk.Advance(10 * time.Millisecond)
	srNTP := NTPTimeOf(t0.Add(70 * time.Millisecond))
	sr, _ := MarshalRTCP(&SenderReport{SSRC: 0x11223344, NTPTime: srNTP, RTPTime: 3360, PacketCount: 4, OctetCount: 12}, CNAME(0x11223344, "tx"))
	if err := r.Receive(sr); !taken(err) {
		t.Fatal(err)
	}
	clk.Advance(250 * time.Millisecond)
	got := r.AppendReport(nil, clk.Now())
	// 65535, 2: 4 expected (65535, 0, 1, 2), 2 received: 2 lost, fraction
	// 128/256; DLSR 250 ms = 16384/65536 s.
	lsr := srNTP.Middle()
	want := hexBytes(t, fmt.Sprintf(`81 c9 00 07  00 00 00 aa
		11 22 33 44  80 00 00 02  00 01 00 02  00 00 00 00  %08x  00 00 40 00
		81 ca 00 03  00 00 00 aa  01 02 72 78  00 00 00 00`, lsr))
	if !bytes.Equal(got, want) {
		t.Errorf("AppendReport =\n% x\nwant\n% x", got, want)
	}
	// The sender's round trip from this report: it arrives 30 ms after it
	// was sent, so the SR to RR path took 10 + 250 + 30 ms of which 250 ms
	// were the receiver's hold.
	var rr ReceiverReport
	if err := rr.Unmarshal(got[:32]); err != nil {
		t.Fatal(err)
	}
	rtt, ok := RoundTripTime(t0.Add(70*time.Millisecond+290*time.Millisecond), rr.Reports[0])
	if !ok || rtt < 40*time.Millisecond-50*time.Microsecond || rtt > 40*time.Millisecond+50*time.Microsecond {
		t.Errorf("round trip %v, %v; want 40ms", rtt, ok)
	}
	// The next interval has nothing new: fraction 0, cumulative stays.
	if rb := r.ReceiverReport(clk.Now()).Reports[0]; rb.FractionLost != 0 || rb.CumulativeLost != 2 {
		t.Errorf("second report %+v", rb)
	}
	if s := r.Stats(); s.SenderReports != 1 || s.RTCPReceived != 1 {
		t.Errorf("stats %+v", s)
	}
	if err := r.Receive([]byte{0x80, 0xc9, 0, 5, 0, 0, 0, 1}); !errors.Is(err, ErrInvalidRTCP) {
		t.Errorf("bad RTCP: %v", err)
	}
}

func TestReceiverSinkErrors(t *testing.T) {
	clk := fakeclock.New(t0)
	buf := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	r := NewReceiver(buf, WithReceiverClock(clk))
	for _, p := range steady(3, 1, 0, 1) {
		clk.Advance(p.after)
		if err := r.Receive(p.wire()); !taken(err) {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, _, err := buf.Frame(); err != nil {
			t.Fatal(err)
		}
	}
	// Packet 2 again after it was played: a duplicate here, never seen by
	// the Buffer. Packet 0 is new to the Receiver but late for the Buffer.
	if err := r.Receive(rtpPacket{seq: 2, ts: 960, ssrc: 1}.wire()); !taken(err) {
		t.Errorf("duplicate: %v", err)
	}
	err := r.Receive(rtpPacket{seq: 0, ts: 1<<32 - 960, ssrc: 1}.wire())
	if !errors.Is(err, opusrt.ErrDisorderedPacket) {
		t.Errorf("late packet: %v", err)
	}
	if s := r.Stats(); s.SinkErrors != 1 || s.PacketsDuplicated != 1 || s.FramesDelivered != 4 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverFeedsBuffers(t *testing.T) {
	clk := fakeclock.New(t0)
	direct := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	viaWrite := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0, opusrt.WithClock(clk)), opusrt.WithClock(clk))
	receivers := []*Receiver{
		NewReceiver(direct, WithReceiverClock(clk)),
		NewReceiver(StampedSink(viaWrite), WithReceiverClock(clk)),
		NewReceiver(StampedSink(rtb), WithReceiverClock(clk)),
	}
	wire := make([]byte, 0, 64)
	var want []opusrt.Frame
	for i, p := range steady(5, 10, 0, 3) {
		if i == 3 {
			continue // lost
		}
		clk.Advance(p.after)
		wire = Packet{Header: Header{PayloadType: 111, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}, Payload: []byte{toc20ms, byte(i)}}.appendTo(wire[:0])
		want = append(want, opusrt.Frame{toc20ms, byte(i)})
		for _, r := range receivers {
			if err := r.Receive(wire); !taken(err) {
				t.Fatal(err)
			}
		}
		wire[len(wire)-1] = 0xEE // the datagram buffer is reused
	}
	for name, b := range map[string]*opusrt.Buffer{"Append": direct, "Write": viaWrite, "RealtimeBuffer": rtb.Buffer()} {
		var got []string
		for {
			f, loss, err := b.Frame()
			if err != nil {
				break
			}
			got = append(got, fmt.Sprintf("% x/%v", []byte(f), loss))
		}
		wantS := []string{"78 00/0s", "78 01/0s", "78 02/0s", "/20ms", "78 04/0s"}
		if !slices.Equal(got, wantS) {
			t.Errorf("%s: buffer played %q, want %q", name, got, wantS)
		}
	}
}

// appendTo is a test shorthand for AppendTo on a value.
func (p Packet) appendTo(dst []byte) []byte { return p.AppendTo(dst) }

func TestReceiverAllocations(t *testing.T) {
	clk := fakeclock.New(t0)
	buf := opusrt.NewBuffer(time.Hour, opusrt.WithClock(clk))
	r := NewReceiver(StampedSink(buf), WithReceiverClock(clk))
	p := Packet{Header: Header{PayloadType: 111, SSRC: 1}, Payload: bytes.Repeat([]byte{toc20ms}, 60)}
	wire := make([]byte, 0, 128)
	// The first packet is held on probation; from the second on, each
	// packet goes to the buffer, and one frame comes out.
	if err := r.Receive(p.AppendTo(wire)); !errors.Is(err, ErrProbation) {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(2000, func() {
		p.SequenceNumber++
		p.Timestamp += 960
		clk.Advance(20 * time.Millisecond)
		wire = p.AppendTo(wire[:0])
		if err := r.Receive(wire); !taken(err) {
			t.Fatal(err)
		}
		if _, _, err := buf.Frame(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.1 {
		t.Errorf("%v allocations per packet", allocs)
	}
}

func TestReceiverErrorMessages(t *testing.T) {
	clk := fakeclock.New(t0)
	r := NewReceiver(&recordingSink{}, WithReceiverClock(clk), WithPayloadType(111))
	tests := []struct {
		datagram []byte
		want     string
	}{
		{[]byte{0x42, 1, 2}, "rtp: packet ignored: 3-byte datagram starting 0x42 is not RTP"},
		{rtpPacket{seq: 1, ssrc: 0xAB, pt: 97}.wire(), "rtp: packet ignored: payload type 97, want 111"},
		{rtpPacket{seq: 1, ssrc: 0xAB}.wire(), "rtp: packet held on probation: SSRC 000000ab: packet 1 held until another confirms the stream"},
	}
	for _, tt := range tests {
		if err := r.Receive(tt.datagram); err == nil || err.Error() != tt.want {
			t.Errorf("error %q\nwant  %q", err, tt.want)
		}
	}
	r = NewReceiver(&recordingSink{}, WithReceiverClock(clk))
	if err := r.Receive(rtpPacket{seq: 1, ssrc: 0xAB, pt: 9}.wire()); err == nil || err.Error() != "rtp: packet ignored: payload type 9 is static; Opus has a dynamic one (96–127)" {
		t.Errorf("error %q", err)
	}
}

// TestReceiverGStreamerShape replays what "oggdemux ! rtpopuspay" sends:
// OpusHead and OpusTags as packets, then audio whose first timestamp is
// 312 samples early.
func TestReceiverGStreamerShape(t *testing.T) {
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	header := func(seq uint16, text string) []byte {
		p := Packet{Header: Header{Marker: seq == 1, PayloadType: 96, SequenceNumber: seq, Timestamp: 5000, SSRC: 7}, Payload: []byte(text + "\x01\x01\x38\x01")}
		return p.AppendTo(nil)
	}
	for i, d := range [][]byte{header(1, "OpusHead"), header(2, "OpusTags")} {
		if err := r.Receive(d); !errors.Is(err, ErrIgnored) {
			t.Errorf("header %d: %v", i, err)
		}
	}
	for _, p := range []rtpPacket{
		{seq: 3, ts: 5000, ssrc: 7, pt: 96}, {seq: 4, ts: 5000 + 648, ssrc: 7, pt: 96},
		{seq: 5, ts: 5000 + 648 + 960, ssrc: 7, pt: 96}, {seq: 6, ts: 5000 + 648 + 1920, ssrc: 7, pt: 96},
	} {
		clk.Advance(20 * time.Millisecond)
		if err := r.Receive(p.wire()); !taken(err) {
			t.Fatal(err)
		}
	}
	// OpusTags again inside the stream (a chained file): received, not
	// loss, not audio.
	if err := r.Receive(header(7, "OpusTags")); err != nil {
		t.Errorf("header in the stream: %v", err)
	}
	first := ms0 + 20
	want := []stamped{{first, 3}, {first + 20, 4}, {first + 40, 5}, {first + 60, 6}}
	if !slices.Equal(sink.got, want) {
		t.Errorf("sink got %v\nwant %v", sink.got, want)
	}
	s := r.Stats()
	if s.IgnoredOggHeaders != 2 || s.TimestampOverlaps != 1 || s.PacketsLost != 0 || s.PacketsReceived != 5 || s.PacketsInvalid != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestReceiverByeThenBack(t *testing.T) {
	// A sender says BYE, then goes on with the same SSRC: its stream is
	// live again, and a stranger cannot take its place.
	clk := fakeclock.New(t0)
	sink := &recordingSink{}
	r := NewReceiver(sink, WithReceiverClock(clk))
	bye, _ := MarshalRTCP(&ReceiverReport{SSRC: 1}, &Goodbye{Sources: []uint32{1}})
	for i, d := range [][]byte{
		rtpPacket{seq: 1, ts: 0, ssrc: 1}.wire(), rtpPacket{seq: 2, ts: 960, ssrc: 1}.wire(), bye,
		rtpPacket{seq: 3, ts: 1920, ssrc: 1}.wire(),
		rtpPacket{seq: 9, ts: 0, ssrc: 2}.wire(), rtpPacket{seq: 10, ts: 960, ssrc: 2}.wire(),
	} {
		clk.Advance(20 * time.Millisecond)
		err := r.Receive(d)
		if ignored := i >= 4; ignored != errors.Is(err, ErrIgnored) || !ignored && !taken(err) {
			t.Errorf("datagram %d: %v", i, err)
		}
	}
	if s := r.Stats(); s.SSRC != 1 || s.Streams != 1 || len(sink.got) != 3 || s.IgnoredSSRC != 2 {
		t.Errorf("stats %+v, %d frames", s, len(sink.got))
	}
}

// TestReceiverConcurrentUse receives on one goroutine while another reads
// the stats and makes reports, as a recorder with a report timer does; run
// with -race.
func TestReceiverConcurrentUse(t *testing.T) {
	clk := fakeclock.New(t0)
	buf := opusrt.NewBuffer(0, opusrt.WithClock(clk))
	r := NewReceiver(StampedSink(buf), WithReceiverClock(clk))
	tx := NewPacketizer(WithSenderClock(clk))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			r.Stats()
			r.AppendReport(nil, clk.Now())
			tx.AppendReport(nil, clk.Now())
		}
	}()
	var wire []byte
	for range 500 {
		wire, _ = tx.AppendPacket(wire[:0], opusrt.Frame{toc20ms, 1, 2})
		if err := r.Receive(wire); !taken(err) {
			t.Fatal(err)
		}
		clk.Advance(20 * time.Millisecond)
	}
	<-done
	if s := r.Stats(); s.FramesDelivered != 500 || s.PacketsLost != 0 {
		t.Errorf("stats %+v", s)
	}
}
