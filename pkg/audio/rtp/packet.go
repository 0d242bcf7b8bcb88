package rtp

// Packet is one RTP packet: its header, the payload and the padding.
type Packet struct {
	Header
	// Payload is what follows the header, padding excluded. Unmarshal sets
	// it to a slice of its input (no copy): it is valid only as long as
	// the caller keeps that input unchanged.
	Payload []byte
	// PaddingSize is the number of padding bytes at the end, the count
	// byte included; 0 for none. Unmarshal does not keep the padding's
	// contents, and AppendTo writes zeros then the count.
	PaddingSize uint8
}

// Unmarshal parses one RTP packet (a whole datagram). It checks the version
// (2), that the CSRCs, the header extension and the padding fit in buf, and
// that a padding count is not 0. Payload and ExtensionData alias buf; the
// CSRC slice's storage is reused, so unmarshaling into the same Packet in a
// loop does not allocate. On error p is left in an unspecified state.
func (p *Packet) Unmarshal(buf []byte) error {
	n, err := p.Header.unmarshal(buf)
	if err != nil {
		return err
	}
	end := len(buf)
	p.PaddingSize = 0
	if p.Padding {
		if end == n {
			return errorf(ErrInvalidPacket, "padding bit set but no byte after the %d-byte header", n)
		}
		pad := int(buf[end-1])
		if pad == 0 {
			return errorf(ErrInvalidPacket, "padding count 0")
		}
		if pad > end-n {
			return errorf(ErrInvalidPacket, "padding of %d bytes, only %d after the header", pad, end-n)
		}
		p.PaddingSize = uint8(pad)
		end -= pad
	}
	p.Payload = buf[n:end:end]
	return nil
}

// MarshalSize returns the size of the encoded packet in bytes.
func (p *Packet) MarshalSize() int {
	return p.Header.MarshalSize() + len(p.Payload) + int(p.PaddingSize)
}

// AppendTo appends the encoded packet to dst and returns the extended
// slice; it allocates only when dst lacks room. The P bit is set when
// PaddingSize is not 0, whatever Header.Padding says. It panics if the
// header cannot be encoded (see Marshal).
func (p *Packet) AppendTo(dst []byte) []byte {
	dst = p.Header.appendTo(dst, p.PaddingSize > 0)
	dst = append(dst, p.Payload...)
	if p.PaddingSize > 0 {
		for range p.PaddingSize - 1 {
			dst = append(dst, 0)
		}
		dst = append(dst, p.PaddingSize)
	}
	return dst
}

// Marshal returns the encoded packet, or an error wrapping ErrInvalidPacket
// when the header cannot be encoded (more than MaxCSRC CSRCs, a payload
// type above 127, too much extension data).
func (p *Packet) Marshal() ([]byte, error) {
	if err := p.Header.validate(); err != nil {
		return nil, err
	}
	return p.AppendTo(make([]byte, 0, p.MarshalSize())), nil
}
