package opus

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseSelfDelimited(t *testing.T) {
	const a, b, c, d = 0xa, 0xb, 0xc, 0xd
	const next = 0xee // the byte of whatever follows the packet
	tests := []struct {
		name     string
		packet   []byte // self-delimited, then next
		frames   []int
		vbr      bool
		padding  int
		standard []byte
	}{
		{"code 0", []byte{silk20, 3, a, b, c, next}, []int{3}, false, 0, []byte{silk20, a, b, c}},
		{"code 0 empty", []byte{silk20, 0, next}, []int{0}, false, 0, []byte{silk20}},
		{"code 0 two-byte length 300", cat([]byte{celt20, 252, 12}, repeat(1, 300), []byte{next}), []int{300}, false, 0, cat([]byte{celt20}, repeat(1, 300))},
		{"code 0 1275 bytes", cat([]byte{celt20, 255, 255}, repeat(2, 1275), []byte{next}), []int{1275}, false, 0, cat([]byte{celt20}, repeat(2, 1275))},
		{"code 1", []byte{silk20 | 1, 2, a, b, c, d, next}, []int{2, 2}, false, 0, []byte{silk20 | 1, a, b, c, d}},
		{"code 2", []byte{silk20 | 2, 1, 2, a, b, c, next}, []int{1, 2}, true, 0, []byte{silk20 | 2, 1, a, b, c}},
		{"code 2 second empty", []byte{silk20 | 2, 1, 0, a, next}, []int{1, 0}, true, 0, []byte{silk20 | 2, 1, a}},
		{"code 3 CBR", []byte{silk20 | 3, 0x02, 2, a, b, c, d, next}, []int{2, 2}, false, 0, []byte{silk20 | 3, 0x02, a, b, c, d}},
		{"code 3 CBR padded", []byte{silk20 | 3, 0x42, 2, 1, a, b, 0, 0, next}, []int{1, 1}, false, 3, []byte{silk20 | 3, 0x42, 2, a, b, 0, 0}},
		{"code 3 CBR padding 0", []byte{silk20 | 3, 0x41, 0, 1, a, next}, []int{1}, false, 1, []byte{silk20 | 3, 0x41, 0, a}},
		{"code 3 VBR", []byte{silk20 | 3, 0x83, 1, 0, 2, a, b, c, next}, []int{1, 0, 2}, true, 0, []byte{silk20 | 3, 0x83, 1, 0, a, b, c}},
		{"code 3 VBR padding chain 255 1", cat([]byte{silk20 | 3, 0xc2, 255, 1, 1, 1, a, b}, repeat(0, 255), []byte{next}), []int{1, 1}, true, 2 + 255, cat([]byte{silk20 | 3, 0xc2, 255, 1, 1, a, b}, repeat(0, 255))},
		{"code 3 48 empty CELT frames", []byte{celt25 | 3, 48, 0, next}, make([]int, 48), false, 0, []byte{celt25 | 3, 48}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, n, err := ParseSelfDelimited(tt.packet)
			if err != nil {
				t.Fatalf("ParseSelfDelimited: %v", err)
			}
			if n != len(tt.packet)-1 {
				t.Fatalf("n = %d, want %d", n, len(tt.packet)-1)
			}
			if p.FrameCount() != len(tt.frames) {
				t.Fatalf("FrameCount = %d, want %d", p.FrameCount(), len(tt.frames))
			}
			for i, size := range tt.frames {
				if p.FrameSize(i) != size {
					t.Errorf("frame %d: %d bytes, want %d", i, p.FrameSize(i), size)
				}
			}
			if p.VBR != tt.vbr || p.Padding != tt.padding {
				t.Errorf("VBR, Padding = %v, %d; want %v, %d", p.VBR, p.Padding, tt.vbr, tt.padding)
			}
			std := p.AppendStandard(nil)
			if !bytes.Equal(std, tt.standard) {
				t.Errorf("AppendStandard = %x\nwant %x", std, tt.standard)
			}
			if sd := p.AppendSelfDelimited(nil); !bytes.Equal(sd, tt.packet[:n]) {
				t.Errorf("AppendSelfDelimited = %x\nwant %x", sd, tt.packet[:n])
			}
			sd, err := AppendSelfDelimited([]byte{next}, tt.standard)
			if err != nil || !bytes.Equal(sd, cat([]byte{next}, tt.packet[:n])) {
				t.Errorf("AppendSelfDelimited(standard) = %x, %v\nwant %x", sd, err, tt.packet[:n])
			}
			q, err := ParsePacket(std)
			if err != nil || q.Samples() != p.Samples() || q.FrameCount() != p.FrameCount() {
				t.Errorf("standard form: %v, %d samples, %d frames", err, q.Samples(), q.FrameCount())
			}
			for i := range q.FrameCount() {
				if !bytes.Equal(q.Frame(i), p.Frame(i)) {
					t.Errorf("standard frame %d = %x, want %x", i, q.Frame(i), p.Frame(i))
				}
			}
		})
	}
}

func TestParseSelfDelimitedInvalid(t *testing.T) {
	tests := []struct {
		name   string
		packet []byte
		rule   string
	}{
		{"empty", nil, "R1"},
		{"code 0 no length", []byte{silk20}, "R4"},
		{"code 0 truncated two-byte length", []byte{silk20, 252}, "R4"},
		{"code 0 frame past the end", []byte{silk20, 3, 1, 2}, "R4"},
		{"code 1 no length", []byte{silk20 | 1}, "R4"},
		{"code 1 second frame past the end", []byte{silk20 | 1, 2, 1, 2, 3}, "R4"},
		{"code 2 no second length", []byte{silk20 | 2, 1}, "R4"},
		{"code 2 frames past the end", []byte{silk20 | 2, 1, 1, 9}, "R4"},
		{"code 3 no count", []byte{silk20 | 3}, "R6"},
		{"code 3 zero frames", []byte{silk20 | 3, 0, 0}, "R5"},
		{"code 3 over 120 ms", []byte{silk60 | 3, 3, 0}, "R5"},
		{"code 3 padding length missing", []byte{silk20 | 3, 0x41}, "R6"},
		{"code 3 padding chain runs off", []byte{silk20 | 3, 0x41, 255}, "R6"},
		{"code 3 CBR no length", []byte{silk20 | 3, 0x02}, "R6"},
		{"code 3 CBR frames past the end", []byte{silk20 | 3, 0x02, 2, 1, 2, 3}, "R6"},
		{"code 3 CBR padding past the end", []byte{silk20 | 3, 0x41, 2, 1, 9, 0}, "R6"},
		{"code 3 VBR last length missing", []byte{silk20 | 3, 0x82, 1}, "R7"},
		{"code 3 VBR frames past the end", []byte{silk20 | 3, 0x82, 1, 2, 9, 9}, "R7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := ParseSelfDelimited(tt.packet)
			if !errors.Is(err, ErrInvalidPacket) || n != 0 {
				t.Fatalf("n, err = %d, %v; want 0, ErrInvalidPacket", n, err)
			}
			if !strings.Contains(err.Error(), tt.rule+":") {
				t.Errorf("err = %q, want rule %s", err, tt.rule)
			}
		})
	}
}

func TestAppendZeroPacket(t *testing.T) {
	var p Packet
	if got := p.AppendStandard([]byte{1}); !bytes.Equal(got, []byte{1}) {
		t.Errorf("AppendStandard = %x", got)
	}
	if got := p.AppendSelfDelimited([]byte{1}); !bytes.Equal(got, []byte{1}) {
		t.Errorf("AppendSelfDelimited = %x", got)
	}
	if h, err := p.SILKHeader(); err != nil || h.FrameCount() != 0 || h.Active() || h.HasLBRR() || h.AnyLBRR() {
		t.Errorf("SILKHeader = %+v, %v", h, err)
	}
}

func TestAppendSelfDelimitedInvalid(t *testing.T) {
	dst := []byte{1, 2}
	got, err := AppendSelfDelimited(dst, []byte{silk20 | 1, 1})
	if !errors.Is(err, ErrInvalidPacket) || !bytes.Equal(got, dst) {
		t.Errorf("AppendSelfDelimited = %x, %v; want %x, ErrInvalidPacket", got, err, dst)
	}
}

func FuzzSelfDelimited(f *testing.F) {
	for _, seed := range [][]byte{
		{silk20, 3, 1, 2, 3}, {silk20 | 1, 2, 1, 2, 3, 4}, {silk20 | 2, 1, 2, 1, 2, 3},
		{silk20 | 3, 0x42, 2, 1, 1, 2, 0, 0}, {silk20 | 3, 0x83, 1, 0, 2, 1, 2, 3}, {celt25 | 3, 48, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, n, err := ParseSelfDelimited(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) || n != 0 {
				t.Fatalf("n, err = %d, %v", n, err)
			}
		} else {
			if n < 2 || n > len(b) {
				t.Fatalf("n = %d of %d", n, len(b))
			}
			if sd := p.AppendSelfDelimited(nil); !bytes.Equal(sd, b[:n]) {
				t.Fatalf("AppendSelfDelimited = %x, want %x", sd, b[:n])
			}
			std := p.AppendStandard(nil)
			q, err := ParsePacket(std)
			if err != nil || q.Samples() != p.Samples() || q.Padding != p.Padding {
				t.Fatalf("standard form %x: %v", std, err)
			}
			if sd, err := AppendSelfDelimited(nil, std); err != nil || !bytes.Equal(sd, b[:n]) {
				t.Fatalf("AppendSelfDelimited(standard) = %x, %v; want %x", sd, err, b[:n])
			}
		}
		// Every valid standard packet has a self-delimited form that
		// parses back to it.
		if q, err := ParsePacket(b); err == nil {
			sd := q.AppendSelfDelimited(nil)
			p, n, err := ParseSelfDelimited(append(sd, 0xee))
			if err != nil || n != len(sd) {
				t.Fatalf("self-delimited %x: n = %d, %v", sd, n, err)
			}
			if std := p.AppendStandard(nil); !bytes.Equal(std, b) {
				t.Fatalf("AppendStandard = %x, want %x", std, b)
			}
		}
	})
}
