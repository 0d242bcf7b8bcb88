package opus

import (
	"errors"
	"testing"
)

// SILK and hybrid configurations used below.
const (
	silkNB10 = 0 << 3  // SILK NB 10 ms: one SILK frame
	silkNB40 = 2 << 3  // SILK NB 40 ms: two SILK frames
	silkWB60 = 11 << 3 // SILK WB 60 ms: three SILK frames
	hybFB20  = 15 << 3 // hybrid FB 20 ms
	hybSWB10 = 12 << 3 // hybrid SWB 10 ms
	stereo   = 0x04
)

// silkFlags is the expected header of one Opus frame: per channel, the VAD
// flags and the LBRR flag.
type silkFlags struct {
	coded bool
	vad   [2][MaxSILKFrames]bool
	lbrr  [2]bool
}

func TestParseSILKHeader(t *testing.T) {
	const T, F = true, false
	tests := []struct {
		name     string
		packet   []byte
		perFrame int
		channels int
		frames   []silkFlags
	}{
		{"mono 20 ms V=1 L=0", []byte{silk20, 0b1000_0000, 0xff}, 1, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{T}}}}},
		{"mono 20 ms V=0 L=1", []byte{silk20, 0b0111_1111, 0xff}, 1, 1,
			[]silkFlags{{coded: T, lbrr: [2]bool{T}}}},
		{"mono 20 ms V=0 L=0 rest set", []byte{silk20, 0b0011_1111, 0xff}, 1, 1,
			[]silkFlags{{coded: T}}},
		{"mono 10 ms V=1 L=1", []byte{silkNB10, 0b1100_0000, 0}, 1, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{T}}, lbrr: [2]bool{T}}}},
		{"mono 40 ms V=0,1 L=1", []byte{silkNB40, 0b0110_0000, 0}, 2, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{F, T}}, lbrr: [2]bool{T}}}},
		{"mono 60 ms V=1,0,1 L=0", []byte{silkWB60, 0b1010_1111, 0}, 3, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{T, F, T}}}}},
		{"stereo 20 ms mid V=0 L=1 side V=1 L=0", []byte{silk20 | stereo, 0b0110_0000, 0}, 1, 2,
			[]silkFlags{{coded: T, vad: [2][3]bool{{F}, {T}}, lbrr: [2]bool{T, F}}}},
		{"stereo 40 ms mid V=0,0 L=1 side V=0,1 L=0", []byte{silkNB40 | stereo, 0b0010_1000, 0}, 2, 2,
			[]silkFlags{{coded: T, vad: [2][3]bool{{F, F}, {F, T}}, lbrr: [2]bool{T, F}}}},
		{"stereo 60 ms side only", []byte{silkWB60 | stereo, 0b0000_1111, 0}, 3, 2,
			[]silkFlags{{coded: T, vad: [2][3]bool{{}, {T, T, T}}, lbrr: [2]bool{F, T}}}},
		{"hybrid 20 ms V=1 L=1", []byte{hybFB20, 0b1100_0000, 0}, 1, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{T}}, lbrr: [2]bool{T}}}},
		{"TOC only", []byte{silk20}, 1, 1, []silkFlags{{}}},
		{"one-byte frame has no header", []byte{silk20, 0xff}, 1, 1, []silkFlags{{}}},
		{"code 1 two frames", []byte{silk20 | 1, 0b1000_0000, 0, 0b0100_0000, 0}, 1, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{T}}}, {coded: T, lbrr: [2]bool{T}}}},
		{"code 2 empty then coded", []byte{silk20 | 2, 0, 0b1100_0000, 1}, 1, 1,
			[]silkFlags{{}, {coded: T, vad: [2][3]bool{{T}}, lbrr: [2]bool{T}}}},
		{"code 3 VBR three hybrid 10 ms frames", []byte{hybSWB10 | 3, 0x83, 2, 1, 0b0100_0000, 0, 0xff, 0b1000_0000, 0}, 1, 1,
			[]silkFlags{{coded: T, lbrr: [2]bool{T}}, {}, {coded: T, vad: [2][3]bool{{T}}}}},
		{"code 3 twelve 10 ms frames", []byte{silkNB10 | 3, 12, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0}, 1, 1,
			[]silkFlags{{coded: T, vad: [2][3]bool{{T}}}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T}, {coded: T, lbrr: [2]bool{T}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseSILKHeader(tt.packet)
			if err != nil {
				t.Fatalf("ParseSILKHeader: %v", err)
			}
			if h.FrameCount() != len(tt.frames) || h.SILKFrames() != tt.perFrame || h.Channels() != tt.channels {
				t.Fatalf("FrameCount, SILKFrames, Channels = %d, %d, %d; want %d, %d, %d",
					h.FrameCount(), h.SILKFrames(), h.Channels(), len(tt.frames), tt.perFrame, tt.channels)
			}
			active, lbrr, anyLBRR := false, false, false
			for i, want := range tt.frames {
				if h.Coded(i) != want.coded {
					t.Errorf("frame %d: Coded = %v", i, h.Coded(i))
				}
				for c := range 2 {
					for k := range MaxSILKFrames {
						if got := h.VAD(i, c, k); got != want.vad[c][k] {
							t.Errorf("frame %d channel %d: VAD(%d) = %v", i, c, k, got)
						}
						active = active || want.vad[c][k]
					}
					if got := h.LBRR(i, c); got != want.lbrr[c] {
						t.Errorf("frame %d channel %d: LBRR = %v", i, c, got)
					}
					anyLBRR = anyLBRR || want.lbrr[c]
					lbrr = lbrr || i == 0 && want.lbrr[c]
				}
			}
			if h.Active() != active || IsInactive(tt.packet) == active {
				t.Errorf("Active = %v, IsInactive = %v; want active %v", h.Active(), IsInactive(tt.packet), active)
			}
			if h.HasLBRR() != lbrr || HasLBRR(tt.packet) != lbrr || h.AnyLBRR() != anyLBRR {
				t.Errorf("HasLBRR = %v, %v, AnyLBRR = %v; want %v, %v", h.HasLBRR(), HasLBRR(tt.packet), h.AnyLBRR(), lbrr, anyLBRR)
			}
		})
	}
}

func TestSILKHeaderOutOfRange(t *testing.T) {
	h, err := ParseSILKHeader([]byte{silk20, 0xff, 0xff})
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range [][3]int{{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}, {12, 0, 0}, {99, 99, 99}} {
		if h.VAD(idx[0], idx[1], idx[2]) {
			t.Errorf("VAD%v = true", idx)
		}
	}
	for _, idx := range [][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}, {64, 0}} {
		if h.LBRR(idx[0], idx[1]) {
			t.Errorf("LBRR%v = true", idx)
		}
	}
	if h.Coded(-1) || h.Coded(1) || h.Coded(63) || !h.Coded(0) {
		t.Errorf("Coded(-1, 1, 63, 0) = %v %v %v %v", h.Coded(-1), h.Coded(1), h.Coded(63), h.Coded(0))
	}
}

func TestParseSILKHeaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		packet []byte
		want   error
	}{
		{"empty", nil, ErrInvalidPacket},
		{"CELT-only", []byte{celt20, 0xff, 0xff}, ErrNoSILK},
		{"CELT-only TOC alone", []byte{celt25}, ErrNoSILK},
		{"invalid code 1", []byte{silk20 | 1, 0xff}, ErrInvalidPacket},
		{"invalid code 3 over 120 ms", []byte{silk60 | 3, 3}, ErrInvalidPacket},
		{"invalid hybrid code 2", []byte{hybFB20 | 2, 5, 0xff}, ErrInvalidPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSILKHeader(tt.packet)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if IsInactive(tt.packet) || HasLBRR(tt.packet) {
				t.Errorf("IsInactive, HasLBRR = %v, %v; want false, false", IsInactive(tt.packet), HasLBRR(tt.packet))
			}
		})
	}
}

func TestSILKHeaderAllocs(t *testing.T) {
	packet := []byte{silk20 | 3, 0x83, 2, 1, 0b0100_0000, 0, 0xff, 0b1000_0000, 0}
	n := testing.AllocsPerRun(100, func() {
		if IsInactive(packet) || !HasLBRR(packet) {
			t.Fatal("wrong flags")
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

func FuzzSILKHeader(f *testing.F) {
	for _, seed := range [][]byte{
		{silk20, 0x80, 0}, {silkWB60 | stereo, 0x0f, 0}, {hybSWB10 | 3, 0x83, 2, 1, 0x40, 0, 0xff, 0x80, 0},
		{celt20, 0xff}, {silk20 | 1}, {silkNB10 | 3, 12},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseSILKHeader(b)
		p, perr := ParsePacket(b)
		if err != nil {
			if !errors.Is(err, ErrNoSILK) && !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("err = %v", err)
			}
			if errors.Is(err, ErrNoSILK) != (len(b) > 0 && TOC(b[0]).Mode() == ModeCELT) {
				t.Fatalf("err = %v for a TOC of mode %v", err, TOC(b[0]).Mode())
			}
			if errors.Is(err, ErrInvalidPacket) && perr == nil {
				t.Fatalf("ParseSILKHeader: %v, ParsePacket: ok", err)
			}
			if IsInactive(b) || HasLBRR(b) {
				t.Fatal("flags on a packet without a SILK header")
			}
			return
		}
		if perr != nil {
			t.Fatalf("ParseSILKHeader ok, ParsePacket: %v", perr)
		}
		if p.TOC.Mode() == ModeCELT || h.FrameCount() != p.FrameCount() || h.Channels() != p.TOC.Channels() {
			t.Fatalf("mode %v, frames %d/%d, channels %d/%d", p.TOC.Mode(), h.FrameCount(), p.FrameCount(), h.Channels(), p.TOC.Channels())
		}
		if h.SILKFrames() != max(1, p.TOC.FrameSamples()/960) {
			t.Fatalf("%d SILK frames in a frame of %d samples", h.SILKFrames(), p.TOC.FrameSamples())
		}
		active, lbrr, anyLBRR := false, false, false
		for i := range p.FrameCount() {
			fr := p.Frame(i)
			if h.Coded(i) != (len(fr) > 1) {
				t.Fatalf("frame %d of %d bytes: Coded = %v", i, len(fr), h.Coded(i))
			}
			// The header bits, in order, are the frame's leading bits.
			n := 0
			for c := range h.Channels() {
				for k := range h.SILKFrames() {
					want := len(fr) > 1 && fr[0]&(0x80>>n) != 0
					if h.VAD(i, c, k) != want {
						t.Fatalf("frame %d channel %d: VAD(%d) = %v, bit %d of %08b", i, c, k, h.VAD(i, c, k), n, fr[0])
					}
					active = active || want
					n++
				}
				want := len(fr) > 1 && fr[0]&(0x80>>n) != 0
				if h.LBRR(i, c) != want {
					t.Fatalf("frame %d channel %d: LBRR = %v, bit %d of %08b", i, c, h.LBRR(i, c), n, fr[0])
				}
				anyLBRR = anyLBRR || want
				lbrr = lbrr || i == 0 && want
				n++
			}
		}
		checkRangeDecoder(t, b)
		if IsInactive(b) == active || HasLBRR(b) != lbrr || h.HasLBRR() != lbrr || h.AnyLBRR() != anyLBRR {
			t.Fatalf("IsInactive = %v, HasLBRR = %v, AnyLBRR = %v; active %v, LBRR %v, %v", IsInactive(b), HasLBRR(b), h.AnyLBRR(), active, lbrr, anyLBRR)
		}
	})
}

// rangeBits decodes n symbols of probability 1/2 from the start of frame
// with the range decoder of RFC 6716 §4.1 (ec_dec_init, ec_dec_bit_logp
// with logp 1), bytes past the end reading as zero. It is the long way to
// the header bits SILKHeader reads as the frame's leading bits.
func rangeBits(frame []byte, n int) []bool {
	pos := 0
	next := func() uint32 {
		if pos >= len(frame) {
			return 0
		}
		pos++
		return uint32(frame[pos-1])
	}
	rem := next()
	rng := uint32(128)
	val := 127 - rem>>1
	normalize := func() {
		for rng <= 1<<23 {
			rng <<= 8
			sym := rem
			rem = next()
			sym = (sym<<8 | rem) >> 1
			val = ((val << 8) + (255 &^ sym)) & (1<<31 - 1)
		}
	}
	normalize()
	out := make([]bool, n)
	for i := range out {
		s := rng >> 1
		out[i] = val < s
		if !out[i] {
			val -= s
			rng -= s
		} else {
			rng = s
		}
		normalize()
	}
	return out
}

// checkRangeDecoder compares every flag of a packet's SILK header with the
// range decoder's reading of its frames.
func checkRangeDecoder(t *testing.T, packet []byte) {
	t.Helper()
	h, err := ParseSILKHeader(packet)
	if err != nil {
		return
	}
	p, _ := ParsePacket(packet)
	for i := range p.FrameCount() {
		if !h.Coded(i) {
			continue
		}
		bits := rangeBits(p.Frame(i), h.Channels()*(h.SILKFrames()+1))
		n := 0
		for c := range h.Channels() {
			for k := range h.SILKFrames() {
				if h.VAD(i, c, k) != bits[n] {
					t.Fatalf("%x frame %d channel %d: VAD(%d) = %v, range decoder %v", packet, i, c, k, h.VAD(i, c, k), bits[n])
				}
				n++
			}
			if h.LBRR(i, c) != bits[n] {
				t.Fatalf("%x frame %d channel %d: LBRR = %v, range decoder %v", packet, i, c, h.LBRR(i, c), bits[n])
			}
			n++
		}
	}
}

func TestSILKHeaderRangeDecoder(t *testing.T) {
	files := []string{"silk20", "silk10", "silk40", "silk60", "hybrid20", "hybrid60", "fec20", "nofec20", "fec60", "stereo20", "stereofec20", "dualmono20", "dtx20"}
	for _, f := range files {
		for _, p := range readPackets(t, f) {
			checkRangeDecoder(t, p.data)
		}
	}
	// Every first byte, in every layout.
	for _, toc := range []byte{silk20, silkNB10, silkNB40, silkWB60, hybFB20, silk20 | stereo, silkNB40 | stereo, silkWB60 | stereo} {
		for b := range 256 {
			checkRangeDecoder(t, []byte{toc, byte(b), 0x5a})
		}
	}
}
