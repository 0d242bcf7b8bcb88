package rtp

import "encoding/binary"

// Version is the RTP version this package reads and writes (RFC 3550 §5.1).
// Unmarshal rejects any other.
const Version = 2

// The sizes of the parts of an RTP header, in bytes.
const (
	// HeaderSize is the size of the fixed header: no CSRCs, no extension.
	HeaderSize = 12
	// MaxCSRC is the most contributing sources a header can list (the
	// 4-bit CC field).
	MaxCSRC = 15
	// MaxExtensionSize is the most header extension data a header can
	// carry: 65535 32-bit words.
	MaxExtensionSize = 0xFFFF * 4
)

// Header is the RTP header of RFC 3550 §5.1: the fixed 12 bytes, the CSRC
// list and the header extension (§5.3.1). The version is always 2 and is
// not a field.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|V=2|P|X|  CC   |M|     PT      |       sequence number         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           timestamp                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           synchronization source (SSRC) identifier            |
//	+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	|            contributing source (CSRC) identifiers             |
//	|                             ....                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Header struct {
	// Padding is the P bit: the packet ends with padding, whose last byte
	// counts it. Packet.AppendTo ignores it and sets the bit from
	// Packet.PaddingSize.
	Padding bool
	// Marker is the M bit. For audio (RFC 3551 §4.1, RFC 7587 §4.2) it
	// marks the first packet of a talkspurt, after silence.
	Marker bool
	// PayloadType is the 7-bit PT: which format the payload is in. Opus
	// has no static type; browsers use 111 by default.
	PayloadType uint8
	// SequenceNumber counts packets, wrapping at 2¹⁶, from a random start.
	SequenceNumber uint16
	// Timestamp is the sampling instant of the payload's first sample, in
	// the payload format's clock (48 kHz for Opus), wrapping at 2³², from a
	// random start.
	Timestamp uint32
	// SSRC identifies the synchronization source: one stream.
	SSRC uint32
	// CSRC lists the contributing sources, at most MaxCSRC. Unmarshal
	// reuses the slice's storage.
	CSRC []uint32
	// Extension is the X bit: a header extension follows the CSRCs.
	Extension bool
	// ExtensionProfile is the 16 bits that say how ExtensionData is laid
	// out: ProfileOneByte or a ProfileTwoByte value for RFC 8285 elements,
	// anything else for a profile this package does not interpret.
	ExtensionProfile uint16
	// ExtensionData is the extension's body, after its 4-byte preamble:
	// a multiple of 4 bytes when unmarshaled (AppendTo pads it with zeros
	// to one). It aliases the unmarshaled bytes.
	ExtensionData []byte
}

// MarshalSize returns the size of the encoded header in bytes.
func (h *Header) MarshalSize() int {
	n := HeaderSize + 4*len(h.CSRC)
	if h.Extension {
		n += 4 + (len(h.ExtensionData)+3)&^3
	}
	return n
}

// Unmarshal parses the header at the start of buf; the payload and padding
// that follow are left alone (Packet.Unmarshal reads them). ExtensionData
// aliases buf. On error h is left in an unspecified state.
func (h *Header) Unmarshal(buf []byte) error {
	_, err := h.unmarshal(buf)
	return err
}

// unmarshal is Unmarshal; it returns the header's size.
func (h *Header) unmarshal(buf []byte) (int, error) {
	if len(buf) < HeaderSize {
		return 0, errorf(ErrInvalidPacket, "%d bytes, shorter than the %d-byte header", len(buf), HeaderSize)
	}
	if v := buf[0] >> 6; v != Version {
		return 0, errorf(ErrInvalidPacket, "version %d, want %d", v, Version)
	}
	h.Padding = buf[0]&0x20 != 0
	h.Extension = buf[0]&0x10 != 0
	cc := int(buf[0] & 0x0F)
	h.Marker = buf[1]&0x80 != 0
	h.PayloadType = buf[1] & 0x7F
	h.SequenceNumber = binary.BigEndian.Uint16(buf[2:])
	h.Timestamp = binary.BigEndian.Uint32(buf[4:])
	h.SSRC = binary.BigEndian.Uint32(buf[8:])

	n := HeaderSize + 4*cc
	if len(buf) < n {
		return 0, errorf(ErrInvalidPacket, "%d bytes, too short for %d CSRCs", len(buf), cc)
	}
	h.CSRC = h.CSRC[:0]
	for i := HeaderSize; i < n; i += 4 {
		h.CSRC = append(h.CSRC, binary.BigEndian.Uint32(buf[i:]))
	}

	h.ExtensionProfile, h.ExtensionData = 0, nil
	if !h.Extension {
		return n, nil
	}
	if len(buf) < n+4 {
		return 0, errorf(ErrInvalidPacket, "%d bytes, too short for the header extension preamble", len(buf))
	}
	h.ExtensionProfile = binary.BigEndian.Uint16(buf[n:])
	size := 4 * int(binary.BigEndian.Uint16(buf[n+2:]))
	n += 4
	if len(buf) < n+size {
		return 0, errorf(ErrInvalidPacket, "header extension of %d bytes, only %d left", size, len(buf)-n)
	}
	h.ExtensionData = buf[n : n+size : n+size]
	return n + size, nil
}

// validate reports why h cannot be encoded, or nil.
func (h *Header) validate() error {
	if len(h.CSRC) > MaxCSRC {
		return errorf(ErrInvalidPacket, "%d CSRCs, at most %d", len(h.CSRC), MaxCSRC)
	}
	if h.PayloadType > 0x7F {
		return errorf(ErrInvalidPacket, "payload type %d, at most 127", h.PayloadType)
	}
	if h.Extension && len(h.ExtensionData) > MaxExtensionSize {
		return errorf(ErrInvalidPacket, "header extension of %d bytes, at most %d", len(h.ExtensionData), MaxExtensionSize)
	}
	return nil
}

// AppendTo appends the encoded header to dst and returns the extended
// slice. The P bit is h.Padding. It panics if h cannot be encoded (see
// Marshal).
func (h *Header) AppendTo(dst []byte) []byte {
	return h.appendTo(dst, h.Padding)
}

// Marshal returns the encoded header, or an error wrapping
// ErrInvalidPacket when h has more than MaxCSRC CSRCs, a payload type above
// 127, or more than MaxExtensionSize bytes of extension data.
func (h *Header) Marshal() ([]byte, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	return h.AppendTo(make([]byte, 0, h.MarshalSize())), nil
}

func (h *Header) appendTo(dst []byte, padding bool) []byte {
	if err := h.validate(); err != nil {
		panic(err)
	}
	b0 := byte(Version<<6) | byte(len(h.CSRC))
	if padding {
		b0 |= 0x20
	}
	if h.Extension {
		b0 |= 0x10
	}
	b1 := h.PayloadType
	if h.Marker {
		b1 |= 0x80
	}
	dst = append(dst, b0, b1)
	dst = binary.BigEndian.AppendUint16(dst, h.SequenceNumber)
	dst = binary.BigEndian.AppendUint32(dst, h.Timestamp)
	dst = binary.BigEndian.AppendUint32(dst, h.SSRC)
	for _, c := range h.CSRC {
		dst = binary.BigEndian.AppendUint32(dst, c)
	}
	if h.Extension {
		words := (len(h.ExtensionData) + 3) / 4
		dst = binary.BigEndian.AppendUint16(dst, h.ExtensionProfile)
		dst = binary.BigEndian.AppendUint16(dst, uint16(words))
		dst = append(dst, h.ExtensionData...)
		for range 4*words - len(h.ExtensionData) {
			dst = append(dst, 0)
		}
	}
	return dst
}
