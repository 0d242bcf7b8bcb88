package opus

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// Configs used below: 1 = SILK NB 20 ms, 3 = SILK NB 60 ms, 16 = CELT NB
// 2.5 ms, 31 = CELT FB 20 ms.
const (
	silk20 = 1 << 3
	silk60 = 3 << 3
	celt25 = 16 << 3
	celt20 = 31 << 3
)

func repeat(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestParsePacket(t *testing.T) {
	tests := []struct {
		name    string
		packet  []byte
		frames  []int // sizes
		vbr     bool
		padding int
		dur     time.Duration
	}{
		{"code 0 TOC only", []byte{silk20}, []int{0}, false, 0, 20 * time.Millisecond},
		{"code 0 three bytes", []byte{silk20, 1, 2, 3}, []int{3}, false, 0, 20 * time.Millisecond},
		{"code 0 1275 bytes", cat([]byte{celt20}, repeat(7, 1275)), []int{1275}, false, 0, 20 * time.Millisecond},
		{"code 0 stereo", []byte{celt20 | 0x04, 9}, []int{1}, false, 0, 20 * time.Millisecond},
		{"code 1 empty frames", []byte{silk20 | 1}, []int{0, 0}, false, 0, 40 * time.Millisecond},
		{"code 1 two of two", []byte{silk20 | 1, 1, 2, 3, 4}, []int{2, 2}, false, 0, 40 * time.Millisecond},
		{"code 1 two of 1275", cat([]byte{celt20 | 1}, repeat(1, 2550)), []int{1275, 1275}, false, 0, 40 * time.Millisecond},
		{"code 2 one-byte length", []byte{silk20 | 2, 2, 0xa, 0xb, 0xc}, []int{2, 1}, true, 0, 40 * time.Millisecond},
		{"code 2 first empty", []byte{silk20 | 2, 0, 0xa}, []int{0, 1}, true, 0, 40 * time.Millisecond},
		{"code 2 two-byte length 252", cat([]byte{silk20 | 2, 252, 0}, repeat(1, 252)), []int{252, 0}, true, 0, 40 * time.Millisecond},
		{"code 2 two-byte length 1275", cat([]byte{silk20 | 2, 255, 255}, repeat(1, 1275+3)), []int{1275, 3}, true, 0, 40 * time.Millisecond},
		{"code 3 CBR one frame", []byte{silk20 | 3, 0x01, 5, 6}, []int{2}, false, 0, 20 * time.Millisecond},
		{"code 3 CBR three frames", []byte{silk20 | 3, 0x03, 1, 2, 3, 4, 5, 6}, []int{2, 2, 2}, false, 0, 60 * time.Millisecond},
		{"code 3 CBR TOC-only 120 ms", []byte{silk60 | 3, 0x02}, []int{0, 0}, false, 0, 120 * time.Millisecond},
		{"code 3 CBR 48 frames of 2.5 ms", []byte{celt25 | 3, 48}, make([]int, 48), false, 0, 120 * time.Millisecond},
		{"code 3 CBR padding 2", []byte{silk20 | 3, 0x42, 2, 1, 2, 0, 0}, []int{1, 1}, false, 3, 40 * time.Millisecond},
		{"code 3 CBR padding chain 255 255 3", cat([]byte{silk20 | 3, 0x41, 255, 255, 3, 0xa}, make([]byte, 254+254+3)), []int{1}, false, 3 + 254 + 254 + 3, 20 * time.Millisecond},
		{"code 3 CBR padding 0 byte", []byte{silk20 | 3, 0x41, 0, 9}, []int{1}, false, 1, 20 * time.Millisecond},
		{"code 3 VBR two frames", []byte{silk20 | 3, 0x82, 1, 0xa, 0xb, 0xc}, []int{1, 2}, true, 0, 40 * time.Millisecond},
		{"code 3 VBR two-byte length", cat([]byte{silk20 | 3, 0x82, 253, 1}, repeat(1, 257), []byte{9}), []int{257, 1}, true, 0, 40 * time.Millisecond},
		{"code 3 VBR padded", []byte{silk20 | 3, 0xc3, 1, 0, 1, 0xa, 0xb, 0xc, 0}, []int{0, 1, 2}, true, 2, 60 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePacket(tt.packet)
			if err != nil {
				t.Fatalf("ParsePacket: %v", err)
			}
			if p.FrameCount() != len(tt.frames) {
				t.Fatalf("FrameCount = %d, want %d", p.FrameCount(), len(tt.frames))
			}
			for i, size := range tt.frames {
				if got := len(p.Frame(i)); got != size || p.FrameSize(i) != size {
					t.Errorf("frame %d: %d bytes, want %d", i, got, size)
				}
			}
			if p.VBR != tt.vbr || p.Padding != tt.padding {
				t.Errorf("VBR, Padding = %v, %d; want %v, %d", p.VBR, p.Padding, tt.vbr, tt.padding)
			}
			if p.Duration() != tt.dur || PacketDuration(tt.packet) != tt.dur {
				t.Errorf("Duration = %v, PacketDuration = %v; want %v", p.Duration(), PacketDuration(tt.packet), tt.dur)
			}
			if !Valid(tt.packet) {
				t.Error("Valid = false")
			}
		})
	}
}

func TestParsePacketFrameBytes(t *testing.T) {
	p, err := ParsePacket([]byte{silk20 | 3, 0x83, 2, 0, 0xa, 0xb, 0xc})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{{0xa, 0xb}, {}, {0xc}}
	for i, w := range want {
		if !bytes.Equal(p.Frame(i), w) {
			t.Errorf("frame %d = %x, want %x", i, p.Frame(i), w)
		}
	}
}

func TestParsePacketInvalid(t *testing.T) {
	tests := []struct {
		name   string
		packet []byte
		rule   string
	}{
		{"empty", nil, "R1"},
		{"code 0 1276 bytes", cat([]byte{celt20}, repeat(1, 1276)), "R2"},
		{"code 1 even length", []byte{silk20 | 1, 1}, "R3"},
		{"code 1 frames of 1276", cat([]byte{silk20 | 1}, repeat(1, 2552)), "R2"},
		{"code 2 no length", []byte{silk20 | 2}, "R4"},
		{"code 2 truncated two-byte length", []byte{silk20 | 2, 252}, "R4"},
		{"code 2 first frame too long", []byte{silk20 | 2, 3, 1, 2}, "R4"},
		{"code 2 second frame 1276", cat([]byte{silk20 | 2, 0}, repeat(1, 1276)), "R2"},
		{"code 3 no count", []byte{silk20 | 3}, "R6"},
		{"code 3 zero frames", []byte{silk20 | 3, 0x00}, "R5"},
		{"code 3 over 120 ms", []byte{silk60 | 3, 0x03}, "R5"},
		{"code 3 49 frames of 2.5 ms", []byte{celt25 | 3, 49}, "R5"},
		{"code 3 CBR uneven", []byte{silk20 | 3, 0x02, 1, 2, 3}, "R6"},
		{"code 3 CBR frames 1276", cat([]byte{silk20 | 3, 0x01}, repeat(1, 1276)), "R6"},
		{"code 3 padding length missing", []byte{silk20 | 3, 0x41}, "R6"},
		{"code 3 padding chain runs off", []byte{silk20 | 3, 0x41, 255}, "R6"},
		{"code 3 padding exceeds packet", []byte{silk20 | 3, 0x41, 5, 1}, "R6"},
		{"code 3 VBR lengths missing", []byte{silk20 | 3, 0x83, 1}, "R7"},
		{"code 3 VBR frames exceed", []byte{silk20 | 3, 0x82, 5, 1, 2}, "R7"},
		{"code 3 VBR last frame 1276", cat([]byte{silk20 | 3, 0x82, 0}, repeat(1, 1276)), "R7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePacket(tt.packet)
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("err = %v, want ErrInvalidPacket", err)
			}
			if !bytes.Contains([]byte(err.Error()), []byte(tt.rule+":")) {
				t.Errorf("err = %q, want rule %s", err, tt.rule)
			}
			if Valid(tt.packet) {
				t.Error("Valid = true")
			}
		})
	}
}

func TestPacketDurationMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, {silk20 | 3}, {silk20 | 3, 0}, {silk60 | 3, 3}} {
		if d := PacketDuration(b); d != 0 {
			t.Errorf("PacketDuration(%x) = %v, want 0", b, d)
		}
	}
}

func TestTOC(t *testing.T) {
	tests := []struct {
		config int
		mode   Mode
		bw     Bandwidth
		dur    time.Duration
	}{
		{0, ModeSILK, Narrowband, 10 * time.Millisecond},
		{3, ModeSILK, Narrowband, 60 * time.Millisecond},
		{5, ModeSILK, Mediumband, 20 * time.Millisecond},
		{9, ModeSILK, Wideband, 20 * time.Millisecond},
		{12, ModeHybrid, SuperWideband, 10 * time.Millisecond},
		{15, ModeHybrid, Fullband, 20 * time.Millisecond},
		{16, ModeCELT, Narrowband, 2500 * time.Microsecond},
		{21, ModeCELT, Wideband, 5 * time.Millisecond},
		{26, ModeCELT, SuperWideband, 10 * time.Millisecond},
		{31, ModeCELT, Fullband, 20 * time.Millisecond},
	}
	for _, tt := range tests {
		toc := MakeTOC(tt.config, true, 2)
		if toc.Config() != tt.config || !toc.Stereo() || toc.Code() != 2 || toc.Channels() != 2 {
			t.Errorf("MakeTOC(%d, true, 2) = %08b", tt.config, byte(toc))
		}
		if toc.Mode() != tt.mode || toc.Bandwidth() != tt.bw || toc.FrameDuration() != tt.dur {
			t.Errorf("config %d: %v %v %v, want %v %v %v", tt.config, toc.Mode(), toc.Bandwidth(), toc.FrameDuration(), tt.mode, tt.bw, tt.dur)
		}
	}
}

func TestAppendFrameLength(t *testing.T) {
	for size := 0; size <= MaxFrameSize; size++ {
		b := AppendFrameLength(nil, size)
		got, used, ok := frameLength(b)
		if !ok || got != size || used != len(b) {
			t.Fatalf("size %d coded as %x decodes to %d (%d bytes, ok %v)", size, b, got, used, ok)
		}
	}
	if got := AppendFrameLength(nil, 1275); !bytes.Equal(got, []byte{255, 255}) {
		t.Errorf("1275 coded as %x, want ffff", got)
	}
}

func FuzzParsePacket(f *testing.F) {
	for _, seed := range [][]byte{{silk20}, {silk20 | 1, 1, 2}, {silk20 | 2, 1, 1, 2}, {silk20 | 3, 0xc3, 1, 0, 1, 0xa, 0xb, 0xc, 0}, {celt25 | 3, 48}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if (err == nil) != (Validate(b) == nil) || (err == nil) != Valid(b) {
			t.Fatalf("ParsePacket: %v, Validate: %v, Valid: %v", err, Validate(b), Valid(b))
		}
		if err != nil {
			return
		}
		total := 1
		for i := range p.FrameCount() {
			fr := p.Frame(i)
			if len(fr) > MaxFrameSize {
				t.Fatalf("frame %d of %d bytes", i, len(fr))
			}
			total += len(fr)
		}
		if total+p.Padding > len(b) {
			t.Fatalf("frames %d + padding %d exceed packet %d", total, p.Padding, len(b))
		}
		if p.Samples() != PacketSamples(b) || p.Samples() == 0 || p.Samples() > MaxPacketSamples {
			t.Fatalf("Samples = %d, PacketSamples = %d", p.Samples(), PacketSamples(b))
		}
	})
}

func FuzzPacketDuration(f *testing.F) {
	f.Add([]byte{silk20 | 3, 0x05})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := PacketDuration(b)
		if d < 0 || d > MaxPacketDuration {
			t.Fatalf("PacketDuration = %v", d)
		}
	})
}
