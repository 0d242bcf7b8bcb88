package oggopus

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// head builds an OpusHead packet from its fields, written out in the
// order of RFC 7845 §5.1, followed by any extra bytes.
func head(version, channels byte, preSkip uint16, rate uint32, gain int16, family byte, extra ...byte) []byte {
	b := []byte("OpusHead")
	b = append(b, version, channels, byte(preSkip), byte(preSkip>>8),
		byte(rate), byte(rate>>8), byte(rate>>16), byte(rate>>24),
		byte(uint16(gain)), byte(uint16(gain)>>8), family)
	return append(b, extra...)
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Header
	}{
		{"mono, opusenc", []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"),
			Header{Version: 1, Channels: 1, PreSkip: 312, InputSampleRate: 48000, StreamCount: 1}},
		{"stereo, −6 dB", head(1, 2, 3840, 44100, -1536, 0),
			Header{Version: 1, Channels: 2, PreSkip: 3840, InputSampleRate: 44100, OutputGain: -1536,
				StreamCount: 1, CoupledCount: 1}},
		{"version 0", head(0, 1, 0, 0, 0, 0), Header{Channels: 1, StreamCount: 1}},
		{"version 2 with an extra field", head(2, 1, 0, 0, 0, 0, 0xaa),
			Header{Version: 2, Channels: 1, StreamCount: 1}},
		{"version 15", head(15, 1, 0, 0, 0, 0), Header{Version: 15, Channels: 1, StreamCount: 1}},
		{"5.1, opusenc", head(1, 6, 312, 48000, 0, 1, 4, 2, 0, 4, 1, 2, 3, 5),
			Header{Version: 1, Channels: 6, PreSkip: 312, InputSampleRate: 48000, MappingFamily: 1,
				StreamCount: 4, CoupledCount: 2, ChannelMapping: []byte{0, 4, 1, 2, 3, 5}}},
		{"family 1 mono", head(1, 1, 312, 0, 0, 1, 1, 0, 0),
			Header{Version: 1, Channels: 1, PreSkip: 312, MappingFamily: 1, StreamCount: 1,
				ChannelMapping: []byte{0}}},
		{"family 1, a silent channel", head(1, 3, 0, 0, 0, 1, 1, 1, 0, 255, 1),
			Header{Version: 1, Channels: 3, MappingFamily: 1, StreamCount: 1, CoupledCount: 1,
				ChannelMapping: []byte{0, 255, 1}}},
		{"family 255, 3 channels", head(1, 3, 0, 0, 0, 255, 3, 0, 2, 1, 0),
			Header{Version: 1, Channels: 3, MappingFamily: 255, StreamCount: 3,
				ChannelMapping: []byte{2, 1, 0}}},
		{"family 1, 255 decoded channels", head(1, 1, 0, 0, 0, 1, 128, 127, 254),
			Header{Version: 1, Channels: 1, MappingFamily: 1, StreamCount: 128, CoupledCount: 127,
				ChannelMapping: []byte{254}}},
		{"largest pre-skip and rate", head(1, 1, 65535, 1<<32-1, -32768, 0),
			Header{Version: 1, Channels: 1, PreSkip: 65535, InputSampleRate: 1<<32 - 1, OutputGain: -32768,
				StreamCount: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHeader(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			// It writes back as it was read, but in version 1 and
			// without the fields a later version added.
			out, err := got.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			want := bytes.Clone(tt.in[:got.Size()])
			want[8] = 1
			if !bytes.Equal(out, want) {
				t.Errorf("written back\n% x\nwant\n% x", out, want)
			}
		})
	}
}

// TestParseHeaderInvalid holds every OpusHead opusfile's opus_head_parse
// rejects, and those RFC 7845 §5.1.1 says are invalid.
func TestParseHeaderInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"magic only", []byte("OpusHead")},
		{"wrong magic", head(1, 1, 0, 0, 0, 0)[1:]},
		{"OpusTags", []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
		{"18 bytes", head(1, 1, 0, 0, 0, 0)[:18]},
		{"version 16", head(16, 1, 0, 0, 0, 0)},
		{"version 255", head(255, 1, 0, 0, 0, 0)},
		{"0 channels", head(1, 0, 0, 0, 0, 0)},
		{"family 0, 3 channels", head(1, 3, 0, 0, 0, 0)},
		{"family 0, version 1, one byte more", head(1, 1, 0, 0, 0, 0, 0)},
		{"family 0, version 0, stream counts", head(0, 2, 0, 0, 0, 0, 1, 1, 0, 1)},
		{"family 1, 0 channels", head(1, 0, 0, 0, 0, 1, 1, 0)},
		{"family 1, 9 channels", head(1, 9, 0, 0, 0, 1, 5, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8)},
		{"family 1, no table", head(1, 6, 0, 0, 0, 1)},
		{"family 1, table cut short", head(1, 6, 0, 0, 0, 1, 4, 2, 0, 4, 1, 2, 3)},
		{"family 1, version 1, table too long", head(1, 2, 0, 0, 0, 1, 1, 1, 0, 1, 0)},
		{"family 1, 0 streams", head(1, 1, 0, 0, 0, 1, 0, 0, 255)},
		{"family 1, coupled > streams", head(1, 2, 0, 0, 0, 1, 1, 2, 0, 1)},
		{"family 1, maps beyond the streams", head(1, 2, 0, 0, 0, 1, 1, 0, 0, 1)},
		{"family 1, maps to 254 of 2", head(1, 2, 0, 0, 0, 1, 1, 1, 0, 254)},
		{"family 1, more than 255 decoded channels", head(1, 1, 0, 0, 0, 1, 200, 100, 0)},
		{"family 255, 0 channels", head(1, 0, 0, 0, 0, 255, 1, 0)},
		{"family 255, table cut short", head(1, 4, 0, 0, 0, 255, 4, 0, 0, 1, 2)},
		{"family 255, maps beyond the streams", head(1, 2, 0, 0, 0, 255, 2, 0, 0, 2)},
		{"family 2", head(1, 4, 0, 0, 0, 2, 4, 0, 0, 1, 2, 3)},
		{"family 254", head(1, 1, 0, 0, 0, 254, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader(tt.in)
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("got %+v, %v; want an error wrapping ErrHeader", h, err)
			}
		})
	}
}

func TestHeaderValidate(t *testing.T) {
	valid := []Header{
		{Channels: 1},
		{Channels: 2, StreamCount: 1, CoupledCount: 1},
		{Channels: 8, MappingFamily: 1, StreamCount: 5, CoupledCount: 3, ChannelMapping: []byte{0, 6, 1, 2, 3, 4, 5, 7}},
	}
	for _, h := range valid {
		if err := h.Validate(); err != nil {
			t.Errorf("%+v: %v", h, err)
		}
	}
	invalid := []Header{
		{},
		{Channels: 256},
		{Channels: 1, PreSkip: -1},
		{Channels: 1, PreSkip: 65536},
		{Channels: 1, InputSampleRate: -1},
		{Channels: 1, InputSampleRate: 1 << 32},
		{Channels: 1, Version: 16},
		{Channels: 2, StreamCount: 1},
		{Channels: 1, ChannelMapping: []byte{0}},
		{Channels: 2, MappingFamily: 1, StreamCount: 1, CoupledCount: 1, ChannelMapping: []byte{0}},
		{Channels: 1, MappingFamily: 1, StreamCount: 1, CoupledCount: -1, ChannelMapping: []byte{0}},
		{Channels: 1, MappingFamily: 3, StreamCount: 1, ChannelMapping: []byte{0}},
	}
	for _, h := range invalid {
		if err := h.Validate(); !errors.Is(err, ErrHeader) {
			t.Errorf("%+v: got %v, want ErrHeader", h, err)
		}
		if b, err := h.AppendBinary([]byte{7}); err == nil || !bytes.Equal(b, []byte{7}) {
			t.Errorf("%+v: AppendBinary gave % x, %v", h, b, err)
		}
	}
}

func TestSurroundHeader(t *testing.T) {
	// The OpusHead packets opusenc 0.2 writes for 1 to 8 channels of
	// 48 kHz input, from byte 9 on (channels, pre-skip, rate, gain,
	// family, streams, coupled, table).
	want := [][]byte{
		1: head(1, 1, 312, 0, 0, 1, 1, 0, 0),
		2: head(1, 2, 312, 0, 0, 1, 1, 1, 0, 1),
		3: head(1, 3, 312, 0, 0, 1, 2, 1, 0, 2, 1),
		4: head(1, 4, 312, 0, 0, 1, 2, 2, 0, 1, 2, 3),
		5: head(1, 5, 312, 0, 0, 1, 3, 2, 0, 4, 1, 2, 3),
		6: head(1, 6, 312, 0, 0, 1, 4, 2, 0, 4, 1, 2, 3, 5),
		7: head(1, 7, 312, 0, 0, 1, 4, 3, 0, 4, 1, 2, 3, 5, 6),
		8: head(1, 8, 312, 0, 0, 1, 5, 3, 0, 6, 1, 2, 3, 4, 5, 7),
	}
	for ch := 1; ch <= 8; ch++ {
		h, err := SurroundHeader(ch)
		if err != nil {
			t.Fatal(err)
		}
		got, err := h.MarshalBinary()
		if err != nil || !bytes.Equal(got, want[ch]) {
			t.Errorf("%d channels: % x, %v\nwant % x", ch, got, err, want[ch])
		}
		if h.Streams() != int(want[ch][19]) || h.MaxPacketSize() != MaxPacketSize*h.Streams() {
			t.Errorf("%d channels: %d streams, max packet %d", ch, h.Streams(), h.MaxPacketSize())
		}
	}
	for _, ch := range []int{0, 9, -1} {
		if _, err := SurroundHeader(ch); !errors.Is(err, ErrHeader) {
			t.Errorf("%d channels: %v", ch, err)
		}
	}
}

func TestHeaderStreams(t *testing.T) {
	if h := (Header{Channels: 2}); h.Streams() != 1 || h.MaxPacketSize() != 65536 {
		t.Errorf("family 0: %d streams, %d bytes", h.Streams(), h.MaxPacketSize())
	}
	if h := (Header{Channels: 1, PreSkip: 312}); h.PreSkipDuration().String() != "6.5ms" {
		t.Errorf("pre-skip %v", h.PreSkipDuration())
	}
}

func FuzzParseHeader(f *testing.F) {
	f.Add(head(1, 1, 312, 48000, 0, 0))
	f.Add(head(1, 6, 312, 48000, 0, 1, 4, 2, 0, 4, 1, 2, 3, 5))
	f.Add(head(1, 3, 0, 0, 0, 255, 3, 0, 2, 1, 0))
	f.Add(head(1, 9, 0, 0, 0, 1, 5, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("error %v does not wrap ErrHeader", err)
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("parsed %+v fails Validate: %v", h, err)
		}
		out, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		h2, err := ParseHeader(out)
		if err != nil || !reflect.DeepEqual(h2, Header{Version: 1, Channels: h.Channels, PreSkip: h.PreSkip,
			InputSampleRate: h.InputSampleRate, OutputGain: h.OutputGain, MappingFamily: h.MappingFamily,
			StreamCount: h.StreamCount, CoupledCount: h.CoupledCount, ChannelMapping: h.ChannelMapping}) {
			t.Fatalf("round trip: %+v, %v; want %+v", h2, err, h)
		}
	})
}
