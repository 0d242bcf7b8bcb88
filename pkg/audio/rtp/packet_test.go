package rtp

import (
	"bytes"
	"errors"
	"testing"
)

// chromeOpus is an Opus packet shaped as Chrome sends it: PT 111 with the
// marker (first packet of a talkspurt), the one-byte extension carrying
// ssrc-audio-level (ID 1), abs-send-time (ID 2) and transport-wide-cc
// (ID 3), padded to a whole word, then a 20 ms hybrid fullband frame.
const chromeOpus = `
	90 ef 1a 2b  00 01 e2 40  de ad be ef
	be de 00 03
	10 90  22 01 02 03  31 00 2a  00 00 00
	78 0b e4 c1 36 ec c5 80`

var packetTests = []struct {
	name string
	wire string
	want Packet
}{
	{
		name: "fixed header only",
		wire: `80 00 00 01 00 00 00 02 00 00 00 03`,
		want: Packet{Header: Header{SequenceNumber: 1, Timestamp: 2, SSRC: 3}, Payload: []byte{}},
	},
	{
		name: "opus, no extension",
		wire: `80 6f ff ff  ff ff ff ff  01 02 03 04  f8 ff fe`,
		want: Packet{
			Header:  Header{PayloadType: 111, SequenceNumber: 0xFFFF, Timestamp: 0xFFFFFFFF, SSRC: 0x01020304},
			Payload: []byte{0xf8, 0xff, 0xfe},
		},
	},
	{
		name: "chrome opus with one-byte extensions",
		wire: chromeOpus,
		want: Packet{
			Header: Header{
				Marker: true, PayloadType: 111, SequenceNumber: 0x1a2b, Timestamp: 123456, SSRC: 0xdeadbeef,
				Extension: true, ExtensionProfile: ProfileOneByte,
				ExtensionData: []byte{0x10, 0x90, 0x22, 0x01, 0x02, 0x03, 0x31, 0x00, 0x2a, 0x00, 0x00, 0x00},
			},
			Payload: []byte{0x78, 0x0b, 0xe4, 0xc1, 0x36, 0xec, 0xc5, 0x80},
		},
	},
	{
		name: "two CSRCs",
		wire: `82 e0 00 07  00 00 03 c0  00 00 00 09  00 00 00 0a  00 00 00 0b  78`,
		want: Packet{
			Header:  Header{Marker: true, PayloadType: 96, SequenceNumber: 7, Timestamp: 960, SSRC: 9, CSRC: []uint32{10, 11}},
			Payload: []byte{0x78},
		},
	},
	{
		name: "padding of 3",
		wire: `a0 6f 00 08  00 00 07 80  00 00 00 09  78 aa  00 00 03`,
		want: Packet{
			Header:      Header{Padding: true, PayloadType: 111, SequenceNumber: 8, Timestamp: 1920, SSRC: 9},
			Payload:     []byte{0x78, 0xaa},
			PaddingSize: 3,
		},
	},
	{
		name: "padding only, empty payload",
		wire: `a0 6f 00 08  00 00 07 80  00 00 00 09  01`,
		want: Packet{
			Header:      Header{Padding: true, PayloadType: 111, SequenceNumber: 8, Timestamp: 1920, SSRC: 9},
			Payload:     []byte{},
			PaddingSize: 1,
		},
	},
	{
		name: "two-byte extension",
		wire: `90 6f 00 01  00 00 00 00  00 00 00 01
			10 00 00 02  01 00 0f 03 aa bb cc 00
			78`,
		want: Packet{
			Header: Header{
				PayloadType: 111, SequenceNumber: 1, SSRC: 1,
				Extension: true, ExtensionProfile: ProfileTwoByte,
				ExtensionData: []byte{0x01, 0x00, 0x0f, 0x03, 0xaa, 0xbb, 0xcc, 0x00},
			},
			Payload: []byte{0x78},
		},
	},
	{
		name: "generic extension, empty",
		wire: `90 6f 00 01  00 00 00 00  00 00 00 01  12 34 00 00  78`,
		want: Packet{
			Header: Header{
				PayloadType: 111, SequenceNumber: 1, SSRC: 1,
				Extension: true, ExtensionProfile: 0x1234, ExtensionData: []byte{},
			},
			Payload: []byte{0x78},
		},
	},
	{
		name: "CSRC, extension and padding together",
		wire: `b1 ef 00 02  00 00 00 03  00 00 00 04  00 00 00 05
			be de 00 01  10 7f 00 00
			78 01  00 02`,
		want: Packet{
			Header: Header{
				Padding: true, Marker: true, PayloadType: 111, SequenceNumber: 2, Timestamp: 3, SSRC: 4,
				CSRC: []uint32{5}, Extension: true, ExtensionProfile: ProfileOneByte,
				ExtensionData: []byte{0x10, 0x7f, 0x00, 0x00},
			},
			Payload:     []byte{0x78, 0x01},
			PaddingSize: 2,
		},
	},
}

func TestPacketUnmarshal(t *testing.T) {
	for _, tt := range packetTests {
		t.Run(tt.name, func(t *testing.T) {
			wire := hexBytes(t, tt.wire)
			var p Packet
			if err := p.Unmarshal(wire); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if !samePacket(&p, &tt.want) {
				t.Errorf("Unmarshal =\n%+v\nwant\n%+v", p, tt.want)
			}
			if got := p.MarshalSize(); got != len(wire) {
				t.Errorf("MarshalSize = %d, want %d", got, len(wire))
			}
			got, err := tt.want.Marshal()
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !bytes.Equal(got, wire) {
				t.Errorf("Marshal =\n% x\nwant\n% x", got, wire)
			}
			prefix := []byte{0xEE}
			if got := tt.want.AppendTo(prefix); !bytes.Equal(got[1:], wire) || got[0] != 0xEE {
				t.Errorf("AppendTo(prefix) = % x", got)
			}
		})
	}
}

func TestPacketPayloadAliasesInput(t *testing.T) {
	wire := hexBytes(t, chromeOpus)
	var p Packet
	if err := p.Unmarshal(wire); err != nil {
		t.Fatal(err)
	}
	wire[len(wire)-1] = 0x42
	if p.Payload[len(p.Payload)-1] != 0x42 {
		t.Error("Payload does not alias the input")
	}
	if cap(p.Payload) != len(p.Payload) {
		t.Errorf("Payload cap %d > len %d: an append would overwrite the caller's bytes", cap(p.Payload), len(p.Payload))
	}
}

func TestPacketUnmarshalReusesCSRC(t *testing.T) {
	wire := hexBytes(t, `82 e0 00 07  00 00 03 c0  00 00 00 09  00 00 00 0a  00 00 00 0b  78`)
	var p Packet
	if err := p.Unmarshal(wire); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.Unmarshal(wire); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Unmarshal allocates %v times per packet in a loop", allocs)
	}
}

func TestPacketUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
	}{
		{"empty", ``},
		{"11 bytes", `80 6f 00 01 00 00 00 02 00 00 00`},
		{"version 0 (a stamped frame)", `00 00 01 8c 5a 3b 2c 1d 78`},
		{"version 1", `40 6f 00 01 00 00 00 02 00 00 00 03 78`},
		{"version 3", `c0 6f 00 01 00 00 00 02 00 00 00 03 78`},
		{"CSRCs overrun", `83 6f 00 01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00 05`},
		{"no extension preamble", `90 6f 00 01 00 00 00 02 00 00 00 03 be de`},
		{"extension overruns", `90 6f 00 01 00 00 00 02 00 00 00 03 be de 00 02 10 01 00 00`},
		{"padding bit, nothing after header", `a0 6f 00 01 00 00 00 02 00 00 00 03`},
		{"padding count 0", `a0 6f 00 01 00 00 00 02 00 00 00 03 78 00`},
		{"padding longer than the packet", `a0 6f 00 01 00 00 00 02 00 00 00 03 78 03`},
		{"padding eats the extension", `b0 6f 00 01 00 00 00 02 00 00 00 03 be de 00 01 10 01 00 00 05`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			err := p.Unmarshal(hexBytes(t, tt.wire))
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("Unmarshal error = %v, want ErrInvalidPacket", err)
			}
		})
	}
}

func TestPacketMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
	}{
		{"16 CSRCs", Packet{Header: Header{CSRC: make([]uint32, 16)}}},
		{"payload type 128", Packet{Header: Header{PayloadType: 128}}},
		{"extension too big", Packet{Header: Header{Extension: true, ExtensionData: make([]byte, MaxExtensionSize+1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.p.Marshal(); !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("Marshal error = %v, want ErrInvalidPacket", err)
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

func TestHeaderMarshalPadsExtension(t *testing.T) {
	h := Header{PayloadType: 111, SSRC: 1, Extension: true, ExtensionProfile: 0xABCD, ExtensionData: []byte{1, 2, 3, 4, 5}}
	got, err := h.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := hexBytes(t, `90 6f 00 00 00 00 00 00 00 00 00 01 ab cd 00 02 01 02 03 04 05 00 00 00`)
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal =\n% x\nwant\n% x", got, want)
	}
	if h.MarshalSize() != len(want) {
		t.Errorf("MarshalSize = %d, want %d", h.MarshalSize(), len(want))
	}
	var back Header
	if err := back.Unmarshal(got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.ExtensionData, []byte{1, 2, 3, 4, 5, 0, 0, 0}) {
		t.Errorf("ExtensionData back = % x", back.ExtensionData)
	}
}

// FuzzUnmarshal checks that no input panics Unmarshal or the extension
// parser, and that what Unmarshal accepts, Marshal writes back byte for
// byte (padding bytes other than the count become zeros).
func FuzzUnmarshal(f *testing.F) {
	for _, tt := range packetTests {
		f.Add(hexBytes(f, tt.wire))
	}
	f.Add([]byte{0x90, 0x6f, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xbe, 0xde, 0, 1, 0xf0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, wire []byte) {
		var p Packet
		if err := p.Unmarshal(wire); err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
			return
		}
		exts, err := p.Extensions()
		if err == nil {
			seen := map[uint8]bool{}
			for _, e := range exts {
				if seen[e.ID] {
					continue
				}
				seen[e.ID] = true
				if got, ok := p.ExtensionByID(e.ID); !ok || !bytes.Equal(got, e.Payload) {
					t.Fatalf("ExtensionByID(%d) = %x, %v; want %x", e.ID, got, ok, e.Payload)
				}
			}
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal of an unmarshaled packet: %v", err)
		}
		want := bytes.Clone(wire)
		for i := len(want) - int(p.PaddingSize); i < len(want)-1; i++ {
			want[i] = 0
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("Marshal(Unmarshal(x)) =\n% x\nwant\n% x", out, want)
		}
	})
}
