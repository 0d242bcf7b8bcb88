package rtp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"
)

// A sender report sent at 2026-12-01 12:00:00.5 UTC with one block.
const srWire = `
	81 c8 00 0c  00 00 00 01
	ee b9 35 40 80 00 00 00
	00 01 e2 40  00 00 00 64  00 00 3e 80
	00 00 00 02  19 ff ff fe  00 01 00 05  00 00 00 20  35 40 80 00  00 01 80 00`

var srWant = &SenderReport{
	SSRC: 1, NTPTime: 0xeeb9354080000000, RTPTime: 123456, PacketCount: 100, OctetCount: 16000,
	Reports: []ReportBlock{{
		SSRC: 2, FractionLost: 25, CumulativeLost: -2, ExtendedHighestSequence: 0x10005,
		Jitter: 32, LastSR: 0x35408000, DelaySinceLastSR: 0x18000,
	}},
}

var rtcpTests = []struct {
	name string
	wire string
	want []RTCPPacket
}{
	{"sender report", srWire, []RTCPPacket{srWant}},
	{
		name: "sender report, no blocks",
		wire: `80 c8 00 06  00 00 00 01  ee b9 35 40 80 00 00 00  00 01 e2 40  00 00 00 64  00 00 3e 80`,
		want: []RTCPPacket{&SenderReport{SSRC: 1, NTPTime: 0xeeb9354080000000, RTPTime: 123456, PacketCount: 100, OctetCount: 16000}},
	},
	{
		name: "receiver report with the largest cumulative loss",
		wire: `81 c9 00 07  00 00 00 02
			00 00 00 01  ff 7f ff ff  ff ff ff ff  ff ff ff ff  00 00 00 00  00 00 00 00`,
		want: []RTCPPacket{&ReceiverReport{SSRC: 2, Reports: []ReportBlock{{
			SSRC: 1, FractionLost: 255, CumulativeLost: 1<<23 - 1, ExtendedHighestSequence: 0xFFFFFFFF, Jitter: 0xFFFFFFFF,
		}}}},
	},
	{
		name: "receiver report, most negative loss",
		wire: `81 c9 00 07  00 00 00 02
			00 00 00 01  00 80 00 00  00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00`,
		want: []RTCPPacket{&ReceiverReport{SSRC: 2, Reports: []ReportBlock{{SSRC: 1, CumulativeLost: -1 << 23}}}},
	},
	{
		name: "empty receiver report and CNAME, as a receiver that has heard nothing sends",
		wire: `80 c9 00 01  00 00 00 02
			81 ca 00 06  00 00 00 02  01 10 59 4a 56 73 2f 58 51 70 4c 62 33 6d 50 69 69 59  00 00`,
		want: []RTCPPacket{&ReceiverReport{SSRC: 2}, CNAME(2, "YJVs/XQpLb3mPiiY")},
	},
	{
		name: "SDES of two chunks, one with two items, one empty",
		wire: `82 ca 00 06  00 00 00 01  01 02 61 62  06 03 66 66 6d 00 00 00  00 00 00 00 00 00 00 00`,
		want: []RTCPPacket{&SourceDescription{Chunks: []SDESChunk{
			{Source: 1, Items: []SDESItem{{SDESCNAME, "ab"}, {SDESTool, "ffm"}}},
			{Source: 0},
		}}},
	},
	{
		name: "bye",
		wire: `81 cb 00 01  00 00 00 01`,
		want: []RTCPPacket{&Goodbye{Sources: []uint32{1}}},
	},
	{
		name: "bye with a reason",
		wire: `82 cb 00 04  00 00 00 01  00 00 00 02  04 64 6f 6e 65 00 00 00`,
		want: []RTCPPacket{&Goodbye{Sources: []uint32{1, 2}, Reason: "done"}},
	},
	{
		name: "picture loss indication kept raw",
		wire: `81 ce 00 02  00 00 00 01  00 00 00 02`,
		want: []RTCPPacket{&RawRTCP{Type: 206, Count: 1, Body: []byte{0, 0, 0, 1, 0, 0, 0, 2}}},
	},
	{
		name: "compound SR, SDES, BYE",
		wire: srWire + `81 ca 00 02  00 00 00 01  01 01 78 00` + `81 cb 00 01  00 00 00 01`,
		want: []RTCPPacket{srWant, CNAME(1, "x"), &Goodbye{Sources: []uint32{1}}},
	},
}

func TestUnmarshalRTCP(t *testing.T) {
	for _, tt := range rtcpTests {
		t.Run(tt.name, func(t *testing.T) {
			wire := hexBytes(t, tt.wire)
			got, err := UnmarshalRTCP(wire)
			if err != nil {
				t.Fatalf("UnmarshalRTCP: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UnmarshalRTCP =\n%#v\nwant\n%#v", got, tt.want)
			}
			out, err := MarshalRTCP(tt.want...)
			if err != nil {
				t.Fatalf("MarshalRTCP: %v", err)
			}
			if !bytes.Equal(out, wire) {
				t.Errorf("MarshalRTCP =\n% x\nwant\n% x", out, wire)
			}
			n := 0
			for _, p := range tt.want {
				n += p.MarshalSize()
			}
			if n != len(wire) {
				t.Errorf("MarshalSize sum = %d, want %d", n, len(wire))
			}
			if len(tt.want) == 1 {
				one, err := tt.want[0].Marshal()
				if err != nil || !bytes.Equal(one, wire) {
					t.Errorf("Marshal = % x, %v", one, err)
				}
			}
			if k := Classify(wire); k != KindRTCP {
				t.Errorf("Classify = %v, want RTCP", k)
			}
		})
	}
}

func TestUnmarshalRTCPPadding(t *testing.T) {
	// An RR padded by 4 bytes, then an SDES padded by 4 (the count byte
	// included).
	wire := hexBytes(t, `a0 c9 00 02  00 00 00 02  00 00 00 04
		a1 ca 00 03  00 00 00 02  01 01 78 00  00 00 00 04`)
	got, err := UnmarshalRTCP(wire)
	if err != nil {
		t.Fatal(err)
	}
	want := []RTCPPacket{&ReceiverReport{SSRC: 2}, CNAME(2, "x")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnmarshalRTCP = %#v, want %#v", got, want)
	}
}

func TestUnmarshalRTCPErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
	}{
		{"empty", ``},
		{"3 bytes", `80 c9 00`},
		{"version 1", `40 c9 00 01 00 00 00 02`},
		{"length past the end", `80 c9 00 02 00 00 00 02`},
		{"trailing bytes", `80 c9 00 01 00 00 00 02 80 c9`},
		{"second packet version 0", `80 c9 00 01 00 00 00 02 00 c9 00 01 00 00 00 02`},
		{"RR without SSRC", `80 c9 00 00`},
		{"RR count 1, no block", `81 c9 00 01 00 00 00 02`},
		{"SR without sender info", `80 c8 00 01 00 00 00 02`},
		{"SR count 1, no block", `81 c8 00 06  00 00 00 01  ee b9 35 40 80 00 00 00  00 01 e2 40  00 00 00 64  00 00 3e 80`},
		{"SDES chunk without SSRC", `81 ca 00 00`},
		{"SDES item overruns", `81 ca 00 02 00 00 00 01 01 05 78 78`},
		{"SDES no end", `81 ca 00 02 00 00 00 01 01 02 78 78`},
		{"SDES type byte last", `81 ca 00 02 00 00 00 01 01 01 78 07`},
		{"BYE sources overrun", `82 cb 00 01 00 00 00 01`},
		{"BYE reason overruns", `81 cb 00 02 00 00 00 01 07 61 62 63`},
		{"RR padding leaves half a word", `a0 c9 00 02 00 00 00 02 00 00 00 02`},
		{"padding count 0", `a0 c9 00 02 00 00 00 02 00 00 00 00`},
		{"padding longer than body", `a0 c9 00 01 00 00 00 09`},
		{"padding on empty packet", `a0 cc 00 00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := UnmarshalRTCP(hexBytes(t, tt.wire))
			if !errors.Is(err, ErrInvalidRTCP) {
				t.Fatalf("error = %v, want ErrInvalidRTCP", err)
			}
			if n := bytes.Count([]byte(err.Error()), []byte("rtp: ")); n != 1 {
				t.Errorf("error %q says its prefix %d times", err, n)
			}
		})
	}
}

func TestRTCPUnmarshalOneRejectsWrongType(t *testing.T) {
	var rr ReceiverReport
	if err := rr.Unmarshal(hexBytes(t, srWire)); !errors.Is(err, ErrInvalidRTCP) {
		t.Errorf("RR.Unmarshal(SR) error = %v", err)
	}
	var sr SenderReport
	if err := sr.Unmarshal(hexBytes(t, srWire+`80 c9 00 01 00 00 00 02`)); !errors.Is(err, ErrInvalidRTCP) {
		t.Errorf("SR.Unmarshal(compound) error = %v", err)
	}
}

func TestReportBlockClampsCumulativeLost(t *testing.T) {
	for _, tt := range []struct {
		lost int32
		want string
	}{
		{1 << 30, "7f ff ff"},
		{-1 << 30, "80 00 00"},
		{-1, "ff ff ff"},
		{0x123456, "12 34 56"},
	} {
		rr := ReceiverReport{SSRC: 1, Reports: []ReportBlock{{CumulativeLost: tt.lost}}}
		b := rr.AppendTo(nil)
		if got, want := b[13:16], hexBytes(t, tt.want); !bytes.Equal(got, want) {
			t.Errorf("CumulativeLost %d encoded % x, want % x", tt.lost, got, want)
		}
	}
}

func TestRTCPMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		p    RTCPPacket
	}{
		{"RR with 32 blocks", &ReceiverReport{Reports: make([]ReportBlock, 32)}},
		{"SR with 32 blocks", &SenderReport{Reports: make([]ReportBlock, 32)}},
		{"SR extension not whole words", &SenderReport{ProfileExtensions: []byte{1}}},
		{"SDES 32 chunks", &SourceDescription{Chunks: make([]SDESChunk, 32)}},
		{"SDES end item", &SourceDescription{Chunks: []SDESChunk{{Items: []SDESItem{{SDESEnd, "x"}}}}}},
		{"SDES 256-byte text", CNAME(1, string(make([]byte, 256)))},
		{"BYE 32 sources", &Goodbye{Sources: make([]uint32, 32)}},
		{"BYE long reason", &Goodbye{Reason: string(make([]byte, 256))}},
		{"raw count 32", &RawRTCP{Count: 32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.p.Marshal(); !errors.Is(err, ErrInvalidRTCP) {
				t.Errorf("Marshal error = %v", err)
			}
			if _, err := MarshalRTCP(&ReceiverReport{}, tt.p); !errors.Is(err, ErrInvalidRTCP) {
				t.Errorf("MarshalRTCP error = %v", err)
			}
			defer func() {
				if recover() == nil {
					t.Error("AppendTo did not panic")
				}
			}()
			tt.p.AppendTo(nil)
		})
	}
}

func TestNTPTime(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 500_000_000, time.UTC)
	n := NTPTimeOf(at)
	if n != 0xeeb9354080000000 {
		t.Errorf("NTPTimeOf = %#x", uint64(n))
	}
	if n.Middle() != 0x35408000 {
		t.Errorf("Middle = %#x", n.Middle())
	}
	if !n.Time().Equal(at) {
		t.Errorf("Time = %v, want %v", n.Time(), at)
	}
	odd := time.Date(2030, 5, 6, 7, 8, 9, 123_456_789, time.UTC)
	if d := NTPTimeOf(odd).Time().Sub(odd); d < -time.Nanosecond || d > time.Nanosecond {
		t.Errorf("round trip of %v off by %v", odd, d)
	}
	for _, tt := range []struct {
		d    time.Duration
		want uint32
	}{
		{0, 0}, {-time.Second, 0}, {time.Second, 65536}, {1500 * time.Millisecond, 0x18000},
		{15259 * time.Nanosecond, 1}, {7629 * time.Nanosecond, 0}, {100 * time.Hour, 0xFFFFFFFF},
	} {
		if got := ShortDuration(tt.d); got != tt.want {
			t.Errorf("ShortDuration(%v) = %#x, want %#x", tt.d, got, tt.want)
		}
	}
}

func TestRoundTripTime(t *testing.T) {
	sent := time.Date(2026, 12, 1, 12, 0, 0, 500_000_000, time.UTC)
	hold := 1500 * time.Millisecond // DLSR: the receiver's wait
	tests := []struct {
		name   string
		sent   time.Time
		rtt    time.Duration
		lsr    uint32 // 0 for NTPTimeOf(sent).Middle()
		ok     bool
		within time.Duration
	}{
		{"80 ms", sent, 80 * time.Millisecond, 0, true, 20 * time.Microsecond},
		{"zero", sent, 0, 0, true, 20 * time.Microsecond},
		{"4 s", sent, 4 * time.Second, 0, true, 20 * time.Microsecond},
		// The middle 32 bits hold 16 bits of seconds: they wrap every
		// 18.2 hours, and the subtraction must wrap with them.
		{"across the 16-bit seconds wrap", time.Unix(0xFFFF-ntpUnixOffset%0x10000+0x10000*40000, 0).Add(-time.Second), 3 * time.Second, 0, true, 20 * time.Microsecond},
		{"no SR echoed", sent, 80 * time.Millisecond, 0xFFFFFFFF, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lsr := NTPTimeOf(tt.sent).Middle()
			if tt.lsr != 0 {
				lsr = 0
			}
			rb := ReportBlock{LastSR: lsr, DelaySinceLastSR: ShortDuration(hold)}
			got, ok := RoundTripTime(tt.sent.Add(hold+tt.rtt), rb)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if d := got - tt.rtt; ok && (d < -tt.within || d > tt.within) {
				t.Errorf("RoundTripTime = %v, want %v ± %v", got, tt.rtt, tt.within)
			}
		})
	}
	// A report that claims to have waited longer than the time since the
	// SR is not a round trip.
	rb := ReportBlock{LastSR: NTPTimeOf(sent).Middle(), DelaySinceLastSR: ShortDuration(2 * time.Second)}
	if rtt, ok := RoundTripTime(sent.Add(time.Second), rb); ok {
		t.Errorf("negative round trip accepted as %v", rtt)
	}
}

// FuzzUnmarshalRTCP checks that no input panics the RTCP parser and that
// what it accepts marshals to bytes that parse to the same packets.
func FuzzUnmarshalRTCP(f *testing.F) {
	for _, tt := range rtcpTests {
		f.Add(hexBytes(f, tt.wire))
	}
	f.Add(hexBytes(f, `a0 c9 00 02  00 00 00 02  00 00 00 04`))
	f.Fuzz(func(t *testing.T, wire []byte) {
		pkts, err := UnmarshalRTCP(wire)
		if err != nil {
			if !errors.Is(err, ErrInvalidRTCP) {
				t.Fatalf("error %v does not wrap ErrInvalidRTCP", err)
			}
			return
		}
		out, err := MarshalRTCP(pkts...)
		if err != nil {
			t.Fatalf("MarshalRTCP of parsed packets: %v", err)
		}
		back, err := UnmarshalRTCP(out)
		if err != nil {
			t.Fatalf("UnmarshalRTCP(MarshalRTCP(x)): %v", err)
		}
		if !reflect.DeepEqual(back, pkts) {
			t.Fatalf("round trip changed the packets:\n%#v\n%#v", pkts, back)
		}
	})
}

func TestFindReport(t *testing.T) {
	pkts, err := UnmarshalRTCP(hexBytes(t, srWire+`81 c9 00 07  00 00 00 09
		00 00 00 05  00 00 00 01  00 00 00 02  00 00 00 03  00 00 00 04  00 00 00 05`))
	if err != nil {
		t.Fatal(err)
	}
	if rb, ok := FindReport(pkts, 2); !ok || rb != srWant.Reports[0] {
		t.Errorf("FindReport(2) = %+v, %v", rb, ok)
	}
	if rb, ok := FindReport(pkts, 5); !ok || rb.CumulativeLost != 1 || rb.DelaySinceLastSR != 5 {
		t.Errorf("FindReport(5) = %+v, %v", rb, ok)
	}
	if _, ok := FindReport(pkts, 1); ok {
		t.Error("FindReport(1) found the SR's own SSRC")
	}
}
