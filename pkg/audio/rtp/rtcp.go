package rtp

import "encoding/binary"

// RTCPType is the packet type of an RTCP packet, its second byte
// (RFC 3550 §12.1).
type RTCPType uint8

// The RTCP packet types of RFC 3550 §6.
const (
	RTCPSenderReport      RTCPType = 200 // SR, §6.4.1
	RTCPReceiverReport    RTCPType = 201 // RR, §6.4.2
	RTCPSourceDescription RTCPType = 202 // SDES, §6.5
	RTCPGoodbye           RTCPType = 203 // BYE, §6.6
	RTCPApp               RTCPType = 204 // APP, §6.7
)

// rtcpHeaderSize is the common header of every RTCP packet: V, P, a 5-bit
// count, the type and the length in 32-bit words minus one.
const rtcpHeaderSize = 4

// maxRTCPCount is the most items the 5-bit count field can number.
const maxRTCPCount = 31

// RTCPPacket is one packet of a compound RTCP datagram: *SenderReport,
// *ReceiverReport, *SourceDescription, *Goodbye, or *RawRTCP for the
// types this package does not interpret.
type RTCPPacket interface {
	// MarshalSize returns the size of the encoded packet in bytes.
	MarshalSize() int
	// AppendTo appends the encoded packet to dst and returns the extended
	// slice. It panics if the packet cannot be encoded (see Marshal).
	AppendTo(dst []byte) []byte
	// Marshal returns the encoded packet, or an error wrapping
	// ErrInvalidRTCP if it cannot be encoded.
	Marshal() ([]byte, error)
	// validate reports why the packet cannot be encoded, or nil.
	validate() error
}

// rtcpHeader is the common header of one RTCP packet.
type rtcpHeader struct {
	padding bool
	count   int // the 5-bit RC/SC field
	typ     RTCPType
	size    int // the whole packet, header included, in bytes
}

// parseRTCPHeader reads the common header at the start of b and checks
// that the packet it announces fits in b.
func parseRTCPHeader(b []byte) (rtcpHeader, error) {
	if len(b) < rtcpHeaderSize {
		return rtcpHeader{}, errorf(ErrInvalidRTCP, "%d bytes, shorter than the %d-byte header", len(b), rtcpHeaderSize)
	}
	if v := b[0] >> 6; v != Version {
		return rtcpHeader{}, errorf(ErrInvalidRTCP, "version %d, want %d", v, Version)
	}
	h := rtcpHeader{
		padding: b[0]&0x20 != 0,
		count:   int(b[0] & 0x1F),
		typ:     RTCPType(b[1]),
		size:    4 * (int(binary.BigEndian.Uint16(b[2:])) + 1),
	}
	if h.size > len(b) {
		return rtcpHeader{}, errorf(ErrInvalidRTCP, "type %d packet of %d bytes, only %d left", h.typ, h.size, len(b))
	}
	return h, nil
}

// body returns the packet's bytes after the common header, padding
// removed.
func (h rtcpHeader) body(b []byte) ([]byte, error) {
	body := b[rtcpHeaderSize:h.size:h.size]
	if h.padding {
		if len(body) == 0 {
			return nil, errorf(ErrInvalidRTCP, "type %d: padding bit set on an empty packet", h.typ)
		}
		pad := int(body[len(body)-1])
		if pad == 0 || pad > len(body) {
			return nil, errorf(ErrInvalidRTCP, "type %d: padding count %d in a %d-byte body", h.typ, pad, len(body))
		}
		body = body[: len(body)-pad : len(body)-pad]
	}
	return body, nil
}

// appendRTCPHeader appends a common header for a packet of size bytes
// (a multiple of 4, header included).
func appendRTCPHeader(dst []byte, count int, typ RTCPType, size int) []byte {
	dst = append(dst, byte(Version<<6)|byte(count), byte(typ))
	return binary.BigEndian.AppendUint16(dst, uint16(size/4-1))
}

// unmarshalOne parses the single RTCP packet b (its exact bytes) with the
// expected type.
func unmarshalOne(b []byte, want RTCPType) (rtcpHeader, []byte, error) {
	h, err := parseRTCPHeader(b)
	if err != nil {
		return h, nil, err
	}
	if h.typ != want {
		return h, nil, errorf(ErrInvalidRTCP, "packet type %d, want %d", h.typ, want)
	}
	if h.size != len(b) {
		return h, nil, errorf(ErrInvalidRTCP, "type %d packet of %d bytes in %d: use UnmarshalRTCP for a compound packet", h.typ, h.size, len(b))
	}
	body, err := h.body(b)
	return h, body, err
}

// UnmarshalRTCP parses a compound RTCP datagram (RFC 3550 §6.1): one or
// more packets back to back, each of version 2 and a length that fits,
// filling the datagram exactly. It returns them in order as
// *SenderReport, *ReceiverReport, *SourceDescription, *Goodbye or
// *RawRTCP. Byte slices in them alias b. It does not insist that the
// first packet be a report, so reduced-size RTCP (RFC 5506: a lone
// feedback packet) parses too, and it accepts padding on any packet, not
// only the last.
func UnmarshalRTCP(b []byte) ([]RTCPPacket, error) {
	if len(b) == 0 {
		return nil, errorf(ErrInvalidRTCP, "empty datagram")
	}
	var pkts []RTCPPacket
	for i := 0; len(b) > 0; i++ {
		h, err := parseRTCPHeader(b)
		if err != nil {
			return nil, withContext(err, "packet %d of the compound", i)
		}
		var p interface {
			RTCPPacket
			Unmarshal([]byte) error
		}
		switch h.typ {
		case RTCPSenderReport:
			p = new(SenderReport)
		case RTCPReceiverReport:
			p = new(ReceiverReport)
		case RTCPSourceDescription:
			p = new(SourceDescription)
		case RTCPGoodbye:
			p = new(Goodbye)
		default:
			p = new(RawRTCP)
		}
		if err := p.Unmarshal(b[:h.size]); err != nil {
			return nil, withContext(err, "packet %d of the compound", i)
		}
		pkts = append(pkts, p)
		b = b[h.size:]
	}
	return pkts, nil
}

// AppendRTCP appends the compound packet made of pkts to dst and returns
// the extended slice. It panics if one cannot be encoded (see MarshalRTCP).
func AppendRTCP(dst []byte, pkts ...RTCPPacket) []byte {
	for _, p := range pkts {
		dst = p.AppendTo(dst)
	}
	return dst
}

// MarshalRTCP returns the compound packet made of pkts, or an error
// wrapping ErrInvalidRTCP if one of them cannot be encoded. RFC 3550 §6.1
// wants a compound to start with an SR or RR and to carry an SDES CNAME;
// putting them in is the caller's part.
func MarshalRTCP(pkts ...RTCPPacket) ([]byte, error) {
	n := 0
	for i, p := range pkts {
		if err := p.validate(); err != nil {
			return nil, withContext(err, "packet %d", i)
		}
		n += p.MarshalSize()
	}
	return AppendRTCP(make([]byte, 0, n), pkts...), nil
}

// RawRTCP is an RTCP packet of a type this package does not interpret
// (APP, the feedback messages of RFC 4585, XR, ...), kept as it came.
type RawRTCP struct {
	// Type is the packet type.
	Type RTCPType
	// Padding is the P bit: Body ends with padding whose last byte counts
	// it. The padding is kept in Body, so the packet encodes as it came.
	Padding bool
	// Count is the 5-bit field after the padding bit, whose meaning
	// depends on the type (the FMT of feedback messages, APP's subtype).
	Count uint8
	// Body is the packet after its 4-byte header, padding included: a
	// multiple of 4 bytes to be encoded (AppendTo adds zeros). It aliases
	// the unmarshaled bytes.
	Body []byte
}

// Unmarshal parses the single packet b; a padding count that does not fit
// is an error, as for every other type.
func (p *RawRTCP) Unmarshal(b []byte) error {
	h, err := parseRTCPHeader(b)
	if err != nil {
		return err
	}
	if h.size != len(b) {
		return errorf(ErrInvalidRTCP, "type %d packet of %d bytes in %d", h.typ, h.size, len(b))
	}
	if _, err := h.body(b); err != nil {
		return err
	}
	body := b[rtcpHeaderSize:h.size:h.size]
	if len(body) == 0 {
		body = nil
	}
	p.Type, p.Padding, p.Count, p.Body = h.typ, h.padding, uint8(h.count), body
	return nil
}

// MarshalSize returns the size of the encoded packet in bytes.
func (p *RawRTCP) MarshalSize() int { return rtcpHeaderSize + (len(p.Body)+3)&^3 }

func (p *RawRTCP) validate() error {
	if p.Count > maxRTCPCount {
		return errorf(ErrInvalidRTCP, "count %d, at most %d", p.Count, maxRTCPCount)
	}
	if p.MarshalSize() > 4*0x10000 {
		return errorf(ErrInvalidRTCP, "body of %d bytes is too long", len(p.Body))
	}
	return nil
}

// AppendTo appends the encoded packet, Body zero-padded to a multiple of 4
// bytes.
func (p *RawRTCP) AppendTo(dst []byte) []byte {
	mustValid(p)
	n := p.MarshalSize()
	dst = appendRTCPHeader(dst, int(p.Count), p.Type, n)
	if p.Padding {
		dst[len(dst)-4] |= 0x20
	}
	dst = append(dst, p.Body...)
	return appendZeros(dst, n-rtcpHeaderSize-len(p.Body))
}

// Marshal returns the encoded packet.
func (p *RawRTCP) Marshal() ([]byte, error) { return marshalRTCP(p) }

// marshalRTCP is Marshal for every RTCPPacket.
func marshalRTCP(p RTCPPacket) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return p.AppendTo(make([]byte, 0, p.MarshalSize())), nil
}

// mustValid panics, as AppendTo documents, on a packet that cannot be
// encoded.
func mustValid(p RTCPPacket) {
	if err := p.validate(); err != nil {
		panic(err)
	}
}

func appendZeros(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, 0)
	}
	return dst
}
