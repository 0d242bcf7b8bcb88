package rtp

import "encoding/binary"

// SDESType is the type of a source description item (RFC 3550 §6.5).
type SDESType uint8

// The SDES item types of RFC 3550 §6.5.
const (
	SDESEnd   SDESType = 0 // ends a chunk's item list; never an item
	SDESCNAME SDESType = 1 // canonical name, e.g. user@host: required
	SDESName  SDESType = 2
	SDESEmail SDESType = 3
	SDESPhone SDESType = 4
	SDESLoc   SDESType = 5
	SDESTool  SDESType = 6
	SDESNote  SDESType = 7
	SDESPriv  SDESType = 8
)

// SDESItem is one item of a source description.
type SDESItem struct {
	// Type is what the item says; not SDESEnd.
	Type SDESType
	// Text is the item's UTF-8 text, at most 255 bytes.
	Text string
}

// SDESChunk describes one source.
type SDESChunk struct {
	// Source is the SSRC or CSRC described.
	Source uint32
	// Items are the source's items; a CNAME should be among them.
	Items []SDESItem
}

// SourceDescription is an RTCP SDES packet (RFC 3550 §6.5). Every compound
// RTCP packet carries one with the sender's CNAME.
type SourceDescription struct {
	// Chunks are the sources described, at most 31.
	Chunks []SDESChunk
}

// CNAME returns a source description of the one item CNAME for source,
// the SDES a compound report needs.
func CNAME(source uint32, cname string) *SourceDescription {
	return &SourceDescription{Chunks: []SDESChunk{{Source: source, Items: []SDESItem{{SDESCNAME, cname}}}}}
}

// Unmarshal parses the single SDES packet b. Each chunk is its SSRC, its
// items, and a null byte then zeros up to the next 32-bit boundary.
func (s *SourceDescription) Unmarshal(b []byte) error {
	h, body, err := unmarshalOne(b, RTCPSourceDescription)
	if err != nil {
		return err
	}
	s.Chunks = nil
	if h.count > 0 {
		s.Chunks = make([]SDESChunk, 0, h.count)
	}
	for c := 0; c < h.count; c++ {
		if len(body) < 4 {
			return errorf(ErrInvalidRTCP, "SDES chunk %d of %d: no room for its SSRC", c, h.count)
		}
		chunk := SDESChunk{Source: binary.BigEndian.Uint32(body)}
		i := 4
		for {
			if i >= len(body) {
				return errorf(ErrInvalidRTCP, "SDES chunk %d: no end of its items", c)
			}
			typ := SDESType(body[i])
			if typ == SDESEnd {
				i++
				break
			}
			if i+2 > len(body) || i+2+int(body[i+1]) > len(body) {
				return errorf(ErrInvalidRTCP, "SDES chunk %d: item of type %d overruns the packet", c, typ)
			}
			n := int(body[i+1])
			chunk.Items = append(chunk.Items, SDESItem{Type: typ, Text: string(body[i+2 : i+2+n])})
			i += 2 + n
		}
		i = (i + 3) &^ 3 // the chunk's zeros up to the word boundary
		if i > len(body) {
			i = len(body)
		}
		body = body[i:]
		s.Chunks = append(s.Chunks, chunk)
	}
	return nil
}

func chunkSize(c *SDESChunk) int {
	n := 4
	for _, it := range c.Items {
		n += 2 + len(it.Text)
	}
	return (n + 1 + 3) &^ 3 // at least one null byte, then whole words
}

// MarshalSize returns the size of the encoded SDES in bytes.
func (s *SourceDescription) MarshalSize() int {
	n := rtcpHeaderSize
	for i := range s.Chunks {
		n += chunkSize(&s.Chunks[i])
	}
	return n
}

func (s *SourceDescription) validate() error {
	if len(s.Chunks) > maxRTCPCount {
		return errorf(ErrInvalidRTCP, "%d SDES chunks, at most %d", len(s.Chunks), maxRTCPCount)
	}
	for _, c := range s.Chunks {
		for _, it := range c.Items {
			if it.Type == SDESEnd || len(it.Text) > 255 {
				return errorf(ErrInvalidRTCP, "SDES item of type %d with %d bytes: type must not be 0, text at most 255 bytes", it.Type, len(it.Text))
			}
		}
	}
	if s.MarshalSize() > 4*0x10000 {
		return errorf(ErrInvalidRTCP, "SDES of %d bytes is too long", s.MarshalSize())
	}
	return nil
}

// AppendTo appends the encoded SDES to dst. It panics with more than 31
// chunks, an item of type SDESEnd or a text longer than 255 bytes.
func (s *SourceDescription) AppendTo(dst []byte) []byte {
	mustValid(s)
	dst = appendRTCPHeader(dst, len(s.Chunks), RTCPSourceDescription, s.MarshalSize())
	for i := range s.Chunks {
		c := &s.Chunks[i]
		start := len(dst)
		dst = binary.BigEndian.AppendUint32(dst, c.Source)
		for _, it := range c.Items {
			dst = append(dst, byte(it.Type), byte(len(it.Text)))
			dst = append(dst, it.Text...)
		}
		dst = appendZeros(dst, chunkSize(c)-(len(dst)-start))
	}
	return dst
}

// Marshal returns the encoded SDES.
func (s *SourceDescription) Marshal() ([]byte, error) { return marshalRTCP(s) }
