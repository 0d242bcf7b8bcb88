package ogg

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Page layout (RFC 3533 §6):
//
//	 0   4       5     6                14            18              22     26      27
//	+----+-------+-----+----------------+-------------+---------------+------+-------+---------+------+
//	|OggS|version|flags|granule position|serial number|sequence number|CRC-32|nsegs  |lacing...|body  |
//	+----+-------+-----+----------------+-------------+---------------+------+-------+---------+------+
//
// Multi-byte fields are little-endian. The CRC covers the whole page with
// its own field set to zero.
const (
	// HeaderSize is the length of a page header without its lacing values.
	HeaderSize = 27
	// MaxSegments is the most lacing values (segments) a page holds.
	MaxSegments = 255
	// MaxSegmentSize is the largest segment; a lacing value of 255 says the
	// packet goes on in the next segment.
	MaxSegmentSize = 255
	// MaxBodySize is the largest page body: 255 segments of 255 bytes.
	MaxBodySize = MaxSegments * MaxSegmentSize
	// MaxPageSize is the largest page, header and lacing included.
	MaxPageSize = HeaderSize + MaxSegments + MaxBodySize
)

// capturePattern starts every page.
const capturePattern = "OggS"

// Flags are the header type flags of a page.
type Flags uint8

// The header type flags (RFC 3533 §6).
const (
	// Continued: the page's first segment goes on with a packet begun on
	// an earlier page.
	Continued Flags = 0x01
	// BOS: the first page of a logical stream.
	BOS Flags = 0x02
	// EOS: the last page of a logical stream.
	EOS Flags = 0x04
)

// The errors a page fails with; errors returned wrap one of them.
var (
	// ErrCapture reports bytes that do not start with "OggS".
	ErrCapture = errors.New("ogg: missing capture pattern")
	// ErrVersion reports a page of a stream structure version other than 0.
	ErrVersion = errors.New("ogg: unsupported version")
	// ErrShortPage reports bytes that end before the page they start.
	ErrShortPage = errors.New("ogg: short page")
	// ErrChecksum reports a page whose CRC-32 does not match its bytes.
	ErrChecksum = errors.New("ogg: bad checksum")
	// ErrLacing reports a Page whose lacing values do not describe its body.
	ErrLacing = errors.New("ogg: lacing does not match body")
)

// Page is one Ogg page. A Page returned by ParsePage or a PageReader aliases
// the bytes it was parsed from.
type Page struct {
	// Flags are the header type flags: Continued, BOS, EOS.
	Flags Flags
	// Granule is the granule position: a codec-defined position (48 kHz
	// samples for Opus) at the end of the last packet that completes on
	// the page, or -1 when no packet completes on it.
	Granule int64
	// Serial is the serial number of the logical stream.
	Serial uint32
	// Sequence is the page's sequence number within its logical stream.
	Sequence uint32
	// Lacing holds the lacing values (the segment table): the length of
	// each segment, 0 to 255. A value below 255 ends a packet.
	Lacing []byte
	// Body is the page's data, the segments end to end.
	Body []byte
}

// Continued reports whether the page starts with the rest of a packet begun
// on an earlier page.
func (p *Page) Continued() bool { return p.Flags&Continued != 0 }

// BOS reports whether the page begins its logical stream.
func (p *Page) BOS() bool { return p.Flags&BOS != 0 }

// EOS reports whether the page ends its logical stream.
func (p *Page) EOS() bool { return p.Flags&EOS != 0 }

// Len returns the page's length in bytes once encoded.
func (p *Page) Len() int { return HeaderSize + len(p.Lacing) + len(p.Body) }

// Packets returns the number of packets that complete on the page: the
// lacing values below 255.
func (p *Page) Packets() int {
	n := 0
	for _, v := range p.Lacing {
		if v < MaxSegmentSize {
			n++
		}
	}
	return n
}

// check reports whether the lacing values describe the body.
func (p *Page) check() error {
	if len(p.Lacing) > MaxSegments {
		return fmt.Errorf("%w: %d lacing values", ErrLacing, len(p.Lacing))
	}
	n := 0
	for _, v := range p.Lacing {
		n += int(v)
	}
	if n != len(p.Body) {
		return fmt.Errorf("%w: lacing sums to %d, body has %d bytes", ErrLacing, n, len(p.Body))
	}
	return nil
}

// Append appends the encoded page, CRC included, to dst and returns the
// extended slice. It fails, appending nothing, when the lacing values do not
// describe the body or there are more than MaxSegments of them.
func (p *Page) Append(dst []byte) ([]byte, error) {
	if err := p.check(); err != nil {
		return dst, err
	}
	return p.appendPage(dst), nil
}

// appendPage is Append for a page known to be consistent.
func (p *Page) appendPage(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, capturePattern...)
	dst = append(dst, 0, byte(p.Flags))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(p.Granule))
	dst = binary.LittleEndian.AppendUint32(dst, p.Serial)
	dst = binary.LittleEndian.AppendUint32(dst, p.Sequence)
	dst = append(dst, 0, 0, 0, 0, byte(len(p.Lacing)))
	dst = append(dst, p.Lacing...)
	dst = append(dst, p.Body...)
	setChecksum(dst[start:])
	return dst
}

// setChecksum computes and stores the CRC of the encoded page b.
func setChecksum(b []byte) {
	clear(b[22:26])
	binary.LittleEndian.PutUint32(b[22:26], Checksum(b))
}

// Marshal returns the encoded page.
func (p *Page) Marshal() ([]byte, error) {
	return p.Append(make([]byte, 0, p.Len()))
}

// ParsePage parses the page at the start of b and returns it with its
// length in bytes. The page aliases b. It fails with ErrCapture, ErrVersion,
// ErrShortPage (b ends inside the page) or ErrChecksum.
func ParsePage(b []byte) (Page, int, error) {
	n, err := pageLen(b)
	if err != nil {
		return Page{}, 0, err
	}
	if n > len(b) {
		return Page{}, 0, fmt.Errorf("%w: %d of %d bytes", ErrShortPage, len(b), n)
	}
	pg, err := parsePage(b[:n])
	if err != nil {
		return Page{}, 0, err
	}
	return pg, n, nil
}

// parsePage is ParsePage for b that is the page whose length pageLen
// found.
func parsePage(b []byte) (Page, error) {
	n := len(b)
	want := binary.LittleEndian.Uint32(b[22:26])
	// The CRC of the header up to its CRC field, then of that field as
	// four zero bytes (one step of slicing-by-4), then of the rest.
	crc := updateSliced(0, b[:22])
	t := crcTable
	crc = t[3][crc>>24] ^ t[2][crc>>16&0xff] ^ t[1][crc>>8&0xff] ^ t[0][crc&0xff]
	crc = UpdateChecksum(crc, b[26:])
	if crc != want {
		return Page{}, fmt.Errorf("%w: stored %#08x, computed %#08x", ErrChecksum, want, crc)
	}
	nseg := int(b[26])
	return Page{
		Flags:    Flags(b[5]),
		Granule:  int64(binary.LittleEndian.Uint64(b[6:14])),
		Serial:   binary.LittleEndian.Uint32(b[14:18]),
		Sequence: binary.LittleEndian.Uint32(b[18:22]),
		Lacing:   b[HeaderSize : HeaderSize+nseg : HeaderSize+nseg],
		Body:     b[HeaderSize+nseg : n : n],
	}, nil
}

// pageLen returns the length of the page whose header starts b, from its
// header and lacing values, or an error when b does not start a page or is
// too short to tell.
func pageLen(b []byte) (int, error) {
	if len(b) < 4 || string(b[:4]) != capturePattern {
		return 0, ErrCapture
	}
	if len(b) < HeaderSize {
		return 0, fmt.Errorf("%w: %d-byte header", ErrShortPage, len(b))
	}
	if b[4] != 0 {
		return 0, fmt.Errorf("%w %d", ErrVersion, b[4])
	}
	nseg := int(b[26])
	if len(b) < HeaderSize+nseg {
		return 0, fmt.Errorf("%w: %d of %d lacing values", ErrShortPage, len(b)-HeaderSize, nseg)
	}
	n := HeaderSize + nseg
	for _, v := range b[HeaderSize : HeaderSize+nseg] {
		n += int(v)
	}
	return n, nil
}

// AppendLacing appends to dst the lacing values of one whole packet of size
// bytes: size/255 values of 255 and one of size%255, which is 0 when size is
// a multiple of 255 so that the packet's end is seen.
func AppendLacing(dst []byte, size int) []byte {
	for ; size >= MaxSegmentSize; size -= MaxSegmentSize {
		dst = append(dst, MaxSegmentSize)
	}
	return append(dst, byte(size))
}
