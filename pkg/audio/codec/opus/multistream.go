package opus

import (
	"fmt"
	"strings"
)

// A multistream packet (RFC 7845 §5.1.1, channel mapping families 1 and
// up; libopus opus_multistream_decode) carries one Opus packet per
// elementary stream: the first streams−1 in the self-delimited framing of
// RFC 6716 Appendix B, the last in the standard framing, taking the rest.
// Every stream codes the same stretch of time.

// MaxStreams is the most elementary streams a multistream packet has: the
// stream count of an OpusHead is one byte, and a stream needs a channel.
const MaxStreams = 255

// Streams walks the elementary streams of a multistream packet without
// allocating:
//
//	s := opus.NewStreams(data, streams)
//	for s.Next() {
//		p := s.Packet()
//		…
//	}
//	if err := s.Err(); err != nil {
//		…
//	}
//
// Next checks each stream's packet against R1–R7 in its framing, that it
// plays as long as the first, and, at the last stream, that the data holds
// exactly the packets it should. The zero Streams has no streams.
type Streams struct {
	rest    []byte
	streams int
	index   int // of the current stream; −1 before the first Next
	samples int // of the first stream
	cur     Packet
	raw     []byte
	err     error
}

// NewStreams returns a Streams over data, a multistream packet of the given
// number of elementary streams (1 to 255). A count out of range is reported
// by Err after the first Next.
func NewStreams(data []byte, streams int) Streams {
	return Streams{rest: data, streams: streams, index: -1}
}

// Next parses the next stream's packet and reports whether there is one. It
// returns false after the last stream and at the first error.
func (s *Streams) Next() bool {
	if s.index < 0 && (s.streams < 1 || s.streams > MaxStreams) {
		s.err = fmt.Errorf("%w: multistream packet of %d streams", ErrInvalidPacket, s.streams)
	}
	if s.err != nil || s.index+1 >= s.streams {
		return false
	}
	s.index++
	s.cur = Packet{}
	if s.index < s.streams-1 {
		n, err := s.cur.parseSelfDelimited(s.rest)
		if err != nil {
			s.err = inStream(err, s.index, s.streams)
			return false
		}
		s.raw, s.rest = s.rest[:n], s.rest[n:]
	} else {
		if err := s.cur.parse(s.rest); err != nil {
			s.err = inStream(err, s.index, s.streams)
			return false
		}
		s.raw, s.rest = s.rest, nil
	}
	if s.index == 0 {
		s.samples = s.cur.Samples()
	} else if got := s.cur.Samples(); got != s.samples {
		s.err = fmt.Errorf("%w: stream %d of %d plays %d samples, stream 0 %d", ErrInvalidPacket, s.index, s.streams, got, s.samples)
		return false
	}
	return true
}

// Packet returns the current stream's packet, valid until the next call of
// Next. It aliases the data.
func (s *Streams) Packet() *Packet { return &s.cur }

// Bytes returns the current stream's packet as it lies in the data: self
// delimited for every stream but the last. Packet().AppendStandard gives
// the standard form a single-stream decoder takes.
func (s *Streams) Bytes() []byte { return s.raw }

// Index returns the current stream's number, from 0.
func (s *Streams) Index() int { return s.index }

// Err returns the first error Next met, wrapping ErrInvalidPacket, or nil.
func (s *Streams) Err() error { return s.err }

// ValidateMultistream returns nil if data is a valid multistream packet of
// the given number of elementary streams: streams−1 self-delimited packets
// and then one standard packet, each valid per R1–R7 in its framing, all
// of the same duration, with no byte left over. Otherwise it returns an
// error wrapping ErrInvalidPacket that names the stream at fault.
func ValidateMultistream(data []byte, streams int) error {
	_, err := MultistreamSamples(data, streams)
	return err
}

// MultistreamSamples returns the length in 48 kHz samples of a valid
// multistream packet (that of each of its streams), or the error
// ValidateMultistream returns.
func MultistreamSamples(data []byte, streams int) (int, error) {
	s := NewStreams(data, streams)
	for s.Next() {
	}
	if s.err != nil {
		return 0, s.err
	}
	return s.samples, nil
}

// AppendMultistream appends to dst the multistream packet made of packets,
// one standard packet per elementary stream in stream order: all but the
// last in the self-delimited framing, the last as it is. It returns an
// error wrapping ErrInvalidPacket, and dst unchanged, if there is no
// packet or more than MaxStreams, if one is invalid, or if they do not
// all play equally long.
func AppendMultistream(dst []byte, packets ...[]byte) ([]byte, error) {
	if len(packets) < 1 || len(packets) > MaxStreams {
		return dst, fmt.Errorf("%w: multistream packet of %d streams", ErrInvalidPacket, len(packets))
	}
	orig := len(dst)
	samples := 0
	for i, b := range packets {
		p, err := ParsePacket(b)
		if err != nil {
			return dst[:orig], inStream(err, i, len(packets))
		}
		if i == 0 {
			samples = p.Samples()
		} else if p.Samples() != samples {
			return dst[:orig], fmt.Errorf("%w: stream %d of %d plays %d samples, stream 0 %d", ErrInvalidPacket, i, len(packets), p.Samples(), samples)
		}
		if i < len(packets)-1 {
			dst = p.AppendSelfDelimited(dst)
		} else {
			dst = append(dst, b...)
		}
	}
	return dst, nil
}

// inStream says which stream of n an error of ParsePacket or
// ParseSelfDelimited is about: "opus: invalid packet: stream 2 of 3: R4: …".
func inStream(err error, i, n int) error {
	detail := strings.TrimPrefix(err.Error(), ErrInvalidPacket.Error()+": ")
	return fmt.Errorf("%w: stream %d of %d: %s", ErrInvalidPacket, i, n, detail)
}
