package ogg

import (
	"bytes"
	"errors"
	"testing"
)

// opusHeadPage is the first page of a file made by opusenc 0.2 (libopusenc
// 0.2.1) with --serial 1234: the BOS page holding OpusHead.
var opusHeadPage = []byte{
	0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd2, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb1, 0x66, 0xdc, 0x90, 0x01, 0x13, 0x4f, 0x70, 0x75, 0x73,
	0x48, 0x65, 0x61, 0x64, 0x01, 0x01, 0x38, 0x01, 0x22, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00,
}

// libogg's pages for packets "A" (granule 0, BOS), "BC" (granule 20) and
// "DEF" (granule 30, EOS) of stream 0x01020304, one packet a page, as
// ogg_stream_flush writes them.
var (
	liboggPageA = []byte{
		0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03,
		0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x6d, 0x7e, 0x80, 0x01, 0x01,
		0x41,
	}
	liboggPageBC = []byte{
		0x4f, 0x67, 0x67, 0x53, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03,
		0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0xf5, 0x40, 0x4a, 0xe5, 0x01, 0x02,
		0x42, 0x43,
	}
	liboggPageDEF = []byte{
		0x4f, 0x67, 0x67, 0x53, 0x00, 0x04, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x03,
		0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x5a, 0x5b, 0x59, 0xd2, 0x01, 0x03,
		0x44, 0x45, 0x46,
	}
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want Page
	}{
		{"opusenc OpusHead", opusHeadPage, Page{
			Flags: BOS, Granule: 0, Serial: 1234, Sequence: 0,
			Lacing: []byte{19}, Body: opusHeadPage[28:],
		}},
		{"libogg BOS", liboggPageA, Page{
			Flags: BOS, Serial: 0x01020304, Lacing: []byte{1}, Body: []byte("A"),
		}},
		{"libogg middle", liboggPageBC, Page{
			Granule: 20, Serial: 0x01020304, Sequence: 1, Lacing: []byte{2}, Body: []byte("BC"),
		}},
		{"libogg EOS", liboggPageDEF, Page{
			Flags: EOS, Granule: 30, Serial: 0x01020304, Sequence: 2, Lacing: []byte{3}, Body: []byte("DEF"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append(append([]byte(nil), tt.in...), "trailing"...)
			got, n, err := ParsePage(in)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(tt.in) {
				t.Errorf("length %d, want %d", n, len(tt.in))
			}
			if !equalPage(&got, &tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			// Encoding gives the bytes back.
			out, err := got.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, tt.in) {
				t.Errorf("Marshal = % x, want % x", out, tt.in)
			}
		})
	}
}

func equalPage(a, b *Page) bool {
	return a.Flags == b.Flags && a.Granule == b.Granule && a.Serial == b.Serial &&
		a.Sequence == b.Sequence && bytes.Equal(a.Lacing, b.Lacing) && bytes.Equal(a.Body, b.Body)
}

func TestParsePageErrors(t *testing.T) {
	flip := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 0x10
		return c
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrCapture},
		{"not ogg", []byte("RIFF....WAVEfmt "), ErrCapture},
		{"short header", opusHeadPage[:20], ErrShortPage},
		{"short lacing", opusHeadPage[:27], ErrShortPage},
		{"short body", opusHeadPage[:40], ErrShortPage},
		{"version 1", flip(opusHeadPage, 4), ErrVersion},
		{"flipped body byte", flip(opusHeadPage, 40), ErrChecksum},
		{"flipped granule", flip(opusHeadPage, 7), ErrChecksum},
		{"flipped crc", flip(opusHeadPage, 23), ErrChecksum},
	}
	for _, tt := range tests {
		_, _, err := ParsePage(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestPageAppend(t *testing.T) {
	// Appending goes after what dst holds.
	pg := Page{Flags: BOS, Serial: 0x01020304, Lacing: []byte{1}, Body: []byte("A")}
	out, err := pg.Append([]byte("xyz"))
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte("xyz"), liboggPageA...); !bytes.Equal(out, want) {
		t.Errorf("Append = % x, want % x", out, want)
	}
	bad := []Page{
		{Lacing: []byte{2}, Body: []byte("A")},
		{Lacing: []byte{1}, Body: []byte("AB")},
		{Lacing: make([]byte, 256)},
	}
	for i, pg := range bad {
		out, err := pg.Append(nil)
		if !errors.Is(err, ErrLacing) || len(out) != 0 {
			t.Errorf("bad page %d: Append = %d bytes, %v; want ErrLacing", i, len(out), err)
		}
	}
}

func TestAppendLacing(t *testing.T) {
	tests := []struct {
		size int
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{1}},
		{254, []byte{254}},
		{255, []byte{255, 0}},
		{256, []byte{255, 1}},
		{510, []byte{255, 255, 0}},
		{600, []byte{255, 255, 90}},
	}
	for _, tt := range tests {
		if got := AppendLacing(nil, tt.size); !bytes.Equal(got, tt.want) {
			t.Errorf("AppendLacing(%d) = %v, want %v", tt.size, got, tt.want)
		}
	}
}

func TestPagePackets(t *testing.T) {
	tests := []struct {
		lacing []byte
		want   int
	}{
		{nil, 0},
		{[]byte{255}, 0},
		{[]byte{255, 0}, 1},
		{[]byte{3, 255, 255, 7, 255}, 2},
	}
	for _, tt := range tests {
		pg := Page{Lacing: tt.lacing}
		if got := pg.Packets(); got != tt.want {
			t.Errorf("Packets(%v) = %d, want %d", tt.lacing, got, tt.want)
		}
	}
}
