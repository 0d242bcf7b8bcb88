package opus

// The self-delimiting framing of RFC 6716 Appendix B adds one frame length
// to a packet's header so the packet can be followed by another, as every
// elementary stream but the last is in a multistream packet. The extra
// length comes where the standard framing leaves a length implicit:
//
//	code 0:      TOC, N, frame
//	code 1:      TOC, N (each frame), frame, frame
//	code 2:      TOC, N1, N2, frame, frame
//	code 3 CBR:  TOC, count, padding lengths, N (each frame), frames, padding
//	code 3 VBR:  TOC, count, padding lengths, N1 … N(M−1), NM, frames, padding
//
// With the lengths explicit, the padding of a code 3 packet follows its
// last frame instead of ending the buffer.

// ParseSelfDelimited parses the self-delimited packet (RFC 6716 Appendix B)
// that starts b and checks it against R1–R7 as they apply to that framing.
// It returns the packet and its length in bytes, padding included: b[n:] is
// what follows it. An error wraps ErrInvalidPacket. The Packet aliases b.
func ParseSelfDelimited(b []byte) (p Packet, n int, err error) {
	n, err = p.parseSelfDelimited(b)
	return p, n, err
}

func (p *Packet) parseSelfDelimited(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, invalid("R1", "empty packet")
	}
	p.TOC = TOC(b[0])
	pos := 1
	code := p.TOC.Code()
	if code == 3 {
		return p.parseSelfDelimitedCode3(b)
	}
	var size [2]int
	lengths := 1 // the one length of codes 0 and 1
	if code == 2 {
		lengths = 2
	}
	for i := range lengths {
		s, used, ok := frameLength(b[pos:])
		if !ok {
			return 0, invalid("R4", "self-delimited code %d packet of %d bytes lacks frame length %d", code, len(b), i+1)
		}
		size[i] = s
		pos += used
	}
	switch code {
	case 0:
		p.count = 1
	case 1:
		p.count = 2
		size[1] = size[0]
	case 2:
		p.count = 2
		p.VBR = true
	}
	off := pos
	for i := range p.count {
		p.start[i], p.size[i] = int32(off), int16(size[i])
		off += size[i]
	}
	if off > len(b) {
		return 0, invalid("R4", "self-delimited code %d frames end at byte %d of %d", code, off, len(b))
	}
	p.data = b[:off]
	return off, nil
}

func (p *Packet) parseSelfDelimitedCode3(b []byte) (int, error) {
	m, pos, pad, err := p.parseCode3Header(b)
	if err != nil {
		return 0, err
	}
	var sizes [MaxFrames]int
	if p.VBR {
		for i := range m {
			s, used, ok := frameLength(b[pos:])
			if !ok {
				return 0, invalid("R7", "self-delimited code 3 VBR length %d of %d runs past the packet", i+1, m)
			}
			pos += used
			sizes[i] = s
		}
	} else {
		s, used, ok := frameLength(b[pos:])
		if !ok {
			return 0, invalid("R6", "self-delimited code 3 CBR packet lacks its frame length")
		}
		pos += used
		for i := range m {
			sizes[i] = s
		}
	}
	off := pos
	for i := range m {
		p.start[i], p.size[i] = int32(off), int16(sizes[i])
		off += sizes[i]
	}
	end := off + pad
	if end > len(b) {
		rule := "R6"
		if p.VBR {
			rule = "R7"
		}
		return 0, invalid(rule, "self-delimited code 3 frames and padding end at byte %d of %d", end, len(b))
	}
	p.count = m
	p.data = b[:end]
	return end, nil
}

// parseCode3Header reads the frame count byte and the padding lengths of a
// code 3 packet. It returns the frame count, the offset of what follows the
// padding lengths and the number of padding bytes after the frames, and
// sets VBR and Padding.
func (p *Packet) parseCode3Header(b []byte) (m, pos, pad int, err error) {
	if len(b) < 2 {
		return 0, 0, 0, invalid("R6", "code 3 packet without a frame count byte")
	}
	m = int(b[1] & 0x3f)
	p.VBR = b[1]&0x80 != 0
	if m == 0 {
		return 0, 0, 0, invalid("R5", "code 3 packet with no frames")
	}
	if m*p.TOC.FrameSamples() > MaxPacketSamples {
		return 0, 0, 0, invalid("R5", "code 3 packet of %d frames of %v", m, p.TOC.FrameDuration())
	}
	pos = 2
	if b[1]&0x40 == 0 {
		return m, pos, 0, nil
	}
	// Each padding length byte of 255 adds 254 bytes and another length
	// byte; the first byte below 255 ends the chain.
	for {
		if pos >= len(b) {
			return 0, 0, 0, invalid("R6", "code 3 padding length runs past the packet")
		}
		v := int(b[pos])
		pos++
		p.Padding++
		if v < 255 {
			p.Padding += v
			pad += v
			return m, pos, pad, nil
		}
		p.Padding += 254
		pad += 254
	}
}

// AppendSelfDelimited appends to dst the self-delimited form (RFC 6716
// Appendix B) of packet, a packet in the standard framing, as every stream
// but the last of a multistream packet is framed. It returns an error
// wrapping ErrInvalidPacket, and dst unchanged, if packet is invalid.
func AppendSelfDelimited(dst, packet []byte) ([]byte, error) {
	p, err := ParsePacket(packet)
	if err != nil {
		return dst, err
	}
	return p.AppendSelfDelimited(dst), nil
}

// AppendSelfDelimited appends the packet to dst in the self-delimited
// framing of RFC 6716 Appendix B, with the same frames, flags and padding.
// The zero Packet appends nothing.
func (p *Packet) AppendSelfDelimited(dst []byte) []byte { return p.appendFramed(dst, true) }

// AppendStandard appends the packet to dst in the standard framing of
// RFC 6716 §3.2, with the same frames, flags and padding: the form a
// single-stream decoder takes, for a stream parsed out of a multistream
// packet. The zero Packet appends nothing.
func (p *Packet) AppendStandard(dst []byte) []byte { return p.appendFramed(dst, false) }

func (p *Packet) appendFramed(dst []byte, selfDelimited bool) []byte {
	if p.count == 0 {
		return dst // the zero Packet: no packet at all
	}
	last := p.count - 1
	dst = append(dst, byte(p.TOC))
	switch p.TOC.Code() {
	case 0, 1:
		if selfDelimited {
			dst = AppendFrameLength(dst, p.FrameSize(0))
		}
	case 2:
		dst = AppendFrameLength(dst, p.FrameSize(0))
		if selfDelimited {
			dst = AppendFrameLength(dst, p.FrameSize(1))
		}
	case 3:
		// The count byte and the padding length chain are the same in
		// both framings: copy them.
		dst = append(dst, p.data[1])
		chain := 2
		if p.data[1]&0x40 != 0 {
			for p.data[chain] == 255 {
				chain++
			}
			chain++
		}
		dst = append(dst, p.data[2:chain]...)
		if p.VBR {
			for i := range last {
				dst = AppendFrameLength(dst, p.FrameSize(i))
			}
		}
		if selfDelimited {
			dst = AppendFrameLength(dst, p.FrameSize(last))
		}
	}
	for i := range p.count {
		dst = append(dst, p.Frame(i)...)
	}
	// The padding, as it was: the bytes after the last frame.
	end := int(p.start[last]) + int(p.size[last])
	return append(dst, p.data[end:end+p.padBytes()]...)
}

// padBytes returns the number of padding bytes after the frames: Padding
// without the bytes that code its length.
func (p *Packet) padBytes() int {
	if p.Padding == 0 {
		return 0
	}
	// Padding counts one length byte per 255 bytes of it, rounded up.
	return p.Padding - (p.Padding+254)/255
}
