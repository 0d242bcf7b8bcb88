package opus

import (
	"errors"
	"fmt"
	"time"
)

// Limits of the packet format (RFC 6716 §3.2 and §3.4).
const (
	// MaxFrameSize is the largest frame, in bytes, a packet may carry (R2).
	MaxFrameSize = 1275
	// MaxFrames is the most frames one packet carries: 120 ms of 2.5 ms frames.
	MaxFrames = 48
	// MaxPacketSamples is the most audio one packet carries (R5): 120 ms.
	MaxPacketSamples = 5760
	// MaxPacketDuration is MaxPacketSamples as a duration.
	MaxPacketDuration = 120 * time.Millisecond
)

// ErrInvalidPacket is the error every violation of R1–R7 wraps.
var ErrInvalidPacket = errors.New("opus: invalid packet")

// Packet is a parsed Opus packet: its TOC and where each frame lies in the
// bytes it was parsed from. It aliases those bytes; it holds no other memory.
type Packet struct {
	// TOC is the packet's first byte.
	TOC TOC
	// VBR reports, for a code 3 packet, whether each frame has its own
	// length; codes 0 and 2 are reported as VBR when their frames may
	// differ (code 2), and code 0 and 1 as CBR.
	VBR bool
	// Padding is the number of padding bytes of a code 3 packet, including
	// the bytes that code the padding length.
	Padding int

	count int
	data  []byte
	start [MaxFrames]int32
	size  [MaxFrames]int16
}

// FrameCount returns the number of frames in the packet, 1 to 48.
func (p *Packet) FrameCount() int { return p.count }

// Frame returns the compressed bytes of frame i (0 ≤ i < FrameCount). A
// zero-length frame is a frame the encoder dropped (DTX) or lost: a decoder
// conceals it. The slice aliases the parsed bytes.
func (p *Packet) Frame(i int) []byte {
	s := int(p.start[i])
	return p.data[s : s+int(p.size[i]) : s+int(p.size[i])]
}

// FrameSize returns the length in bytes of frame i.
func (p *Packet) FrameSize(i int) int { return int(p.size[i]) }

// Samples returns the packet's length in 48 kHz samples.
func (p *Packet) Samples() int { return p.count * p.TOC.FrameSamples() }

// Duration returns how long the packet plays.
func (p *Packet) Duration() time.Duration { return SamplesDuration(p.Samples()) }

// ParsePacket parses b as one Opus packet and checks it against every
// requirement of RFC 6716 §3.4 (R1–R7). An error wraps ErrInvalidPacket and
// says which rule failed. The returned Packet aliases b.
func ParsePacket(b []byte) (Packet, error) {
	var p Packet
	err := p.parse(b)
	return p, err
}

// Valid reports whether b is a packet that obeys R1–R7.
func Valid(b []byte) bool { return Validate(b) == nil }

// Validate returns nil for a packet that obeys R1–R7, and otherwise the
// error ParsePacket returns. Single-frame packets, the common case, are
// checked without building a Packet.
func Validate(b []byte) error {
	if len(b) >= 1 && len(b) <= 1+MaxFrameSize && TOC(b[0]).Code() == 0 {
		return nil
	}
	var p Packet
	return p.parse(b)
}

func invalid(rule, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidPacket, rule, fmt.Sprintf(format, args...))
}

func (p *Packet) parse(b []byte) error {
	if len(b) < 1 {
		return invalid("R1", "empty packet")
	}
	p.data = b
	p.TOC = TOC(b[0])
	n := len(b) - 1 // bytes after the TOC
	switch p.TOC.Code() {
	case 0:
		if n > MaxFrameSize {
			return invalid("R2", "code 0 frame of %d bytes", n)
		}
		p.setFrames(1, 1, n)
	case 1:
		if n%2 != 0 {
			return invalid("R3", "code 1 packet of even length %d", len(b))
		}
		if n/2 > MaxFrameSize {
			return invalid("R2", "code 1 frames of %d bytes", n/2)
		}
		p.setFrames(2, 1, n/2)
	case 2:
		size, used, ok := frameLength(b[1:])
		if !ok {
			return invalid("R4", "code 2 packet of %d bytes has no first frame length", len(b))
		}
		rest := n - used
		if size > rest {
			return invalid("R4", "code 2 first frame of %d bytes in %d remaining", size, rest)
		}
		if rest-size > MaxFrameSize {
			return invalid("R2", "code 2 second frame of %d bytes", rest-size)
		}
		p.VBR = true
		p.count = 2
		p.start[0], p.size[0] = int32(1+used), int16(size)
		p.start[1], p.size[1] = int32(1+used+size), int16(rest-size)
	case 3:
		return p.parseCode3(b)
	}
	return nil
}

// setFrames records count frames of equal size starting at offset.
func (p *Packet) setFrames(count, offset, size int) {
	p.count = count
	for i := range count {
		p.start[i] = int32(offset + i*size)
		p.size[i] = int16(size)
	}
}

func (p *Packet) parseCode3(b []byte) error {
	m, pos, pad, err := p.parseCode3Header(b)
	if err != nil {
		return err
	}
	end := len(b) - pad
	if end < pos {
		return invalid("R6", "code 3 padding of %d bytes exceeds the packet", p.Padding)
	}
	p.count = m
	if !p.VBR {
		payload := end - pos
		if payload%m != 0 {
			return invalid("R6", "code 3 CBR payload of %d bytes is not %d equal frames", payload, m)
		}
		if payload/m > MaxFrameSize {
			return invalid("R6", "code 3 CBR frames of %d bytes", payload/m)
		}
		p.setFrames(m, pos, payload/m)
		return nil
	}
	// VBR: M−1 coded lengths, the last frame takes what remains.
	var sizes [MaxFrames]int
	total := 0
	for i := range m - 1 {
		size, used, ok := frameLength(b[pos:end])
		if !ok {
			return invalid("R7", "code 3 VBR length %d of %d runs past the packet", i+1, m-1)
		}
		pos += used
		sizes[i] = size
		total += size
	}
	last := end - pos - total
	if last < 0 {
		return invalid("R7", "code 3 VBR frames of %d bytes exceed the %d remaining", total, end-pos)
	}
	if last > MaxFrameSize {
		return invalid("R7", "code 3 VBR last frame of %d bytes", last)
	}
	sizes[m-1] = last
	off := pos
	for i := range m {
		p.start[i], p.size[i] = int32(off), int16(sizes[i])
		off += sizes[i]
	}
	return nil
}

// frameLength decodes the one- or two-byte frame length at the start of b
// (RFC 6716 §3.2.1): 0–251 stand for themselves, 252–255 take a second
// byte and mean first + 4×second, up to 1275. It returns the length and the
// bytes it used; ok is false when b is too short.
func frameLength(b []byte) (size, used int, ok bool) {
	if len(b) < 1 {
		return 0, 0, false
	}
	if b[0] < 252 {
		return int(b[0]), 1, true
	}
	if len(b) < 2 {
		return 0, 0, false
	}
	return int(b[0]) + 4*int(b[1]), 2, true
}

// AppendFrameLength appends the RFC 6716 §3.2.1 coding of a frame length
// (0 to 1275) to dst.
func AppendFrameLength(dst []byte, size int) []byte {
	if size < 252 {
		return append(dst, byte(size))
	}
	first := 252 + size&3
	return append(dst, byte(first), byte((size-first)/4))
}

// PacketSamples returns the length of packet b in 48 kHz samples from its
// TOC and frame count alone, without checking the frame lengths. It returns
// 0 for a malformed packet: empty, code 3 without its count byte, a count of
// zero, or more than 120 ms in total.
func PacketSamples(b []byte) int {
	if len(b) < 1 {
		return 0
	}
	toc := TOC(b[0])
	count := 1
	switch toc.Code() {
	case 1, 2:
		count = 2
	case 3:
		if len(b) < 2 {
			return 0
		}
		count = int(b[1] & 0x3f)
	}
	samples := count * toc.FrameSamples()
	if samples > MaxPacketSamples {
		return 0
	}
	return samples
}

// PacketDuration is PacketSamples as a duration.
func PacketDuration(b []byte) time.Duration {
	return SamplesDuration(PacketSamples(b))
}
