package oggopus

import (
	"encoding/binary"
	"fmt"
)

// Limits of an OpusTags packet, so that no comment header, however large
// or hostile, makes memory grow without bound.
const (
	// MaxTagsSize is the largest OpusTags packet ParseTags parses and
	// AppendBinary writes, in bytes: 16 MiB, room for cover art. A reader
	// bounds the packet it reassembles by it.
	MaxTagsSize = 16 << 20
	// MaxComments is the most user comments ParseTags accepts and
	// AppendBinary writes. A 16 MiB packet holds 4 million empty
	// comments, 64 MiB of string headers; 65,536 cost 1 MiB.
	MaxComments = 1 << 16
)

// tagsMinSize is the size of an OpusTags packet with an empty vendor and
// no comment.
const tagsMinSize = 16

// Tags is the comment header of an Ogg Opus stream, the OpusTags packet
// (RFC 7845 §5.2).
type Tags struct {
	// Vendor names the encoder that wrote the stream.
	Vendor string
	// Comments are the user comments, "NAME=value" by convention (as
	// "ARTIST=…" or "R128_TRACK_GAIN=…").
	Comments []string
	// Binary is the binary metadata after the comments, kept when its
	// first byte has its low bit set (RFC 7845 §5.2); anything else after
	// the comments is padding, which ParseTags drops and AppendBinary does
	// not write.
	Binary []byte
}

// ParseTags parses an OpusTags packet (RFC 7845 §5.2). It rejects what
// opusfile rejects — a packet cut short, a vendor string or comment longer
// than what is left, a comment count that cannot fit — and, to bound
// memory, a packet larger than MaxTagsSize or with more than MaxComments
// comments: the result holds at most len(b) bytes of strings plus 16 bytes
// per comment. An error wraps ErrHeader. The result shares no memory with
// b.
func ParseTags(b []byte) (Tags, error) {
	var t Tags
	switch {
	case len(b) < len(TagsMagic) || string(b[:len(TagsMagic)]) != TagsMagic:
		return t, fmt.Errorf("%w: not an OpusTags packet", ErrHeader)
	case len(b) < tagsMinSize:
		return t, fmt.Errorf("%w: OpusTags of %d bytes, want at least %d", ErrHeader, len(b), tagsMinSize)
	case len(b) > MaxTagsSize:
		return t, fmt.Errorf("%w: OpusTags of %d bytes, more than %d", ErrHeader, len(b), MaxTagsSize)
	}
	r := b[len(TagsMagic):]
	// str takes a length-prefixed string from r; 4 bytes of length are
	// there whenever it is called.
	str := func(what string) ([]byte, error) {
		n := binary.LittleEndian.Uint32(r)
		r = r[4:]
		if uint64(n) > uint64(len(r)) {
			return nil, fmt.Errorf("%w: OpusTags %s of %d bytes in %d", ErrHeader, what, n, len(r))
		}
		s := r[:n]
		r = r[n:]
		return s, nil
	}
	vendor, err := str("vendor")
	if err != nil {
		return t, err
	}
	t.Vendor = string(vendor)
	if len(r) < 4 {
		return t, fmt.Errorf("%w: OpusTags comment count missing", ErrHeader)
	}
	n := binary.LittleEndian.Uint32(r)
	r = r[4:]
	// Each comment takes at least its 4 bytes of length.
	if uint64(n) > uint64(len(r)/4) {
		return t, fmt.Errorf("%w: OpusTags claims %d comments in %d bytes", ErrHeader, n, len(r))
	}
	if n > MaxComments {
		return t, fmt.Errorf("%w: OpusTags of %d comments, more than %d", ErrHeader, n, MaxComments)
	}
	if n > 0 {
		t.Comments = make([]string, 0, n)
	}
	for i := range n {
		if uint64(n-i) > uint64(len(r)/4) {
			return t, fmt.Errorf("%w: OpusTags comment %d of %d: no room for the rest", ErrHeader, i, n)
		}
		c, err := str("comment")
		if err != nil {
			return t, err
		}
		t.Comments = append(t.Comments, string(c))
	}
	if len(r) > 0 && r[0]&1 != 0 {
		t.Binary = append([]byte(nil), r...)
	}
	return t, nil
}

// Size returns the length of the OpusTags packet AppendBinary writes.
func (t *Tags) Size() int {
	n := tagsMinSize + len(t.Vendor) + len(t.Binary)
	for _, c := range t.Comments {
		n += 4 + len(c)
	}
	return n
}

// Validate reports whether t can be written as an OpusTags packet that
// ParseTags reads back: at most MaxComments comments, MaxTagsSize bytes in
// all, and Binary empty or starting with a byte whose low bit is set. An
// error wraps ErrHeader.
func (t *Tags) Validate() error {
	switch {
	case len(t.Comments) > MaxComments:
		return fmt.Errorf("%w: OpusTags of %d comments, more than %d", ErrHeader, len(t.Comments), MaxComments)
	case len(t.Binary) > 0 && t.Binary[0]&1 == 0:
		return fmt.Errorf("%w: OpusTags binary data whose first byte %#02x has its low bit clear",
			ErrHeader, t.Binary[0])
	}
	// Add up without overflow: each part is checked against what is left.
	left := MaxTagsSize - tagsMinSize
	for i := -1; i < len(t.Comments); i++ {
		s, cost := t.Vendor, 0
		if i >= 0 {
			s, cost = t.Comments[i], 4
		}
		if len(s) > left-cost {
			return fmt.Errorf("%w: OpusTags of more than %d bytes", ErrHeader, MaxTagsSize)
		}
		left -= len(s) + cost
	}
	if len(t.Binary) > left {
		return fmt.Errorf("%w: OpusTags of more than %d bytes", ErrHeader, MaxTagsSize)
	}
	return nil
}

// AppendBinary appends the OpusTags packet of t to dst and returns the
// extended slice; a t that Validate rejects is an error and appends
// nothing. It implements encoding.BinaryAppender.
func (t *Tags) AppendBinary(dst []byte) ([]byte, error) {
	if err := t.Validate(); err != nil {
		return dst, err
	}
	dst = append(dst, TagsMagic...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(t.Vendor)))
	dst = append(dst, t.Vendor...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(t.Comments)))
	for _, c := range t.Comments {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c)))
		dst = append(dst, c...)
	}
	return append(dst, t.Binary...), nil
}

// MarshalBinary returns the OpusTags packet of t (AppendBinary).
func (t *Tags) MarshalBinary() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t.AppendBinary(make([]byte, 0, t.Size()))
}
