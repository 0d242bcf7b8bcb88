package rtp

import "encoding/binary"

// Goodbye is an RTCP BYE packet (RFC 3550 §6.6): the sources are leaving.
// A receiver may end the stream at once instead of waiting for it to time
// out.
type Goodbye struct {
	// Sources are the SSRCs and CSRCs leaving, at most 31.
	Sources []uint32
	// Reason is why, at most 255 bytes; empty for none.
	Reason string
}

// Unmarshal parses the single BYE packet b.
func (g *Goodbye) Unmarshal(b []byte) error {
	h, body, err := unmarshalOne(b, RTCPGoodbye)
	if err != nil {
		return err
	}
	if len(body) < 4*h.count {
		return errorf(ErrInvalidRTCP, "BYE of %d sources in %d bytes", h.count, len(b))
	}
	g.Sources = nil
	for i := range h.count {
		g.Sources = append(g.Sources, binary.BigEndian.Uint32(body[4*i:]))
	}
	g.Reason = ""
	if rest := body[4*h.count:]; len(rest) > 0 {
		n := int(rest[0])
		if 1+n > len(rest) {
			return errorf(ErrInvalidRTCP, "BYE reason of %d bytes overruns the packet", n)
		}
		g.Reason = string(rest[1 : 1+n])
	}
	return nil
}

// MarshalSize returns the size of the encoded BYE in bytes.
func (g *Goodbye) MarshalSize() int {
	n := rtcpHeaderSize + 4*len(g.Sources)
	if g.Reason != "" {
		n += (1 + len(g.Reason) + 3) &^ 3
	}
	return n
}

func (g *Goodbye) validate() error {
	if len(g.Sources) > maxRTCPCount {
		return errorf(ErrInvalidRTCP, "BYE of %d sources, at most %d", len(g.Sources), maxRTCPCount)
	}
	if len(g.Reason) > 255 {
		return errorf(ErrInvalidRTCP, "BYE reason of %d bytes, at most 255", len(g.Reason))
	}
	return nil
}

// AppendTo appends the encoded BYE to dst. It panics with more than 31
// sources or a reason longer than 255 bytes.
func (g *Goodbye) AppendTo(dst []byte) []byte {
	mustValid(g)
	n := g.MarshalSize()
	start := len(dst)
	dst = appendRTCPHeader(dst, len(g.Sources), RTCPGoodbye, n)
	for _, s := range g.Sources {
		dst = binary.BigEndian.AppendUint32(dst, s)
	}
	if g.Reason != "" {
		dst = append(dst, byte(len(g.Reason)))
		dst = append(dst, g.Reason...)
	}
	return appendZeros(dst, n-(len(dst)-start))
}

// Marshal returns the encoded BYE.
func (g *Goodbye) Marshal() ([]byte, error) { return marshalRTCP(g) }
