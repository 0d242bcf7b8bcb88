package rtp

// Kind is what a datagram arriving on a port that several formats share
// looks like, told by its first two bytes.
type Kind uint8

// The kinds of datagram Classify tells apart.
const (
	// KindUnknown is none of the others: a datagram to ignore.
	KindUnknown Kind = iota
	// KindRTP is an RTP packet: version 2, and a second byte outside the
	// RTCP range.
	KindRTP
	// KindRTCP is an RTCP packet multiplexed on the RTP port (RFC 5761 §4):
	// version 2, and a second byte (the RTCP packet type) of 192–223.
	KindRTCP
	// KindStamped is a stamped frame (opusrt.ToStamped): first byte 0x00,
	// or 0x01 for the versioned header.
	KindStamped
)

// String returns the kind's name: "RTP", "RTCP", "stamped" or "unknown".
func (k Kind) String() string {
	switch k {
	case KindRTP:
		return "RTP"
	case KindRTCP:
		return "RTCP"
	case KindStamped:
		return "stamped"
	}
	return "unknown"
}

// Minimum sizes below which a datagram cannot be of a kind.
const (
	minRTCPSize    = 8 // an RR with no report block
	minStampedSize = 9 // the 8-byte stamp and a TOC byte
)

// Classify tells what datagram looks like from its first two bytes and its
// length, without parsing it: an RTP datagram starts with version 2
// (0x80–0xBF) and a stamped one with 0x00 or 0x01, so the two cannot be
// confused; RTCP shares RTP's first byte and is told by the packet type in
// the second byte, 192–223 (RFC 5761 §4: SR 200, RR 201, SDES 202, BYE 203,
// APP 204, the feedback types 205–206 and XR 207 among them). This is why
// RFC 5761 forbids RTP payload types 64–95 on a multiplexed port: with the
// marker bit they would look like RTCP. A datagram too short for its kind
// is KindUnknown. The caller still parses it and handles errors.
func Classify(datagram []byte) Kind {
	if len(datagram) == 0 {
		return KindUnknown
	}
	switch datagram[0] {
	case 0x00, 0x01:
		if len(datagram) >= minStampedSize {
			return KindStamped
		}
		return KindUnknown
	}
	if datagram[0]>>6 != Version || len(datagram) < minRTCPSize {
		return KindUnknown
	}
	if pt := datagram[1]; pt >= 192 && pt <= 223 {
		return KindRTCP
	}
	if len(datagram) < HeaderSize {
		return KindUnknown
	}
	return KindRTP
}

// IsRTP reports whether datagram looks like an RTP packet (see Classify).
func IsRTP(datagram []byte) bool { return Classify(datagram) == KindRTP }

// IsRTCP reports whether datagram looks like an RTCP packet (see Classify).
func IsRTCP(datagram []byte) bool { return Classify(datagram) == KindRTCP }
