package opusrt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrHeader reports an OpusHead or OpusTags packet (RFC 7845 §5) that
// cannot be parsed.
var ErrHeader = errors.New("opusrt: invalid Ogg Opus header")

// DefaultPreSkip is the pre-skip an OggWriter records unless told
// otherwise: 312 samples at 48 kHz, the look-ahead of libopus's encoder.
const DefaultPreSkip = 312

// OggHeader is the identification header of an Ogg Opus stream, the
// OpusHead packet (RFC 7845 §5.1).
type OggHeader struct {
	// Version is the header's version; only major version 0 (0–15) exists.
	Version uint8
	// Channels is the number of output channels, 1 to 255.
	Channels int
	// PreSkip is the number of 48 kHz samples to drop from the start of
	// the decoded audio.
	PreSkip int
	// InputSampleRate is the sample rate of the original input in Hz, for
	// information only; 0 when unknown.
	InputSampleRate int
	// OutputGain is the gain to apply to the decoded output, in 1/256 dB
	// (Q7.8).
	OutputGain int16
	// MappingFamily is the channel mapping family: 0 for mono or stereo in
	// one Opus stream, 1 (Vorbis order) or 255 for multistream layouts.
	MappingFamily int
	// StreamCount and CoupledCount are the number of Opus streams in each
	// packet and how many of them are stereo; for family 0 they are 1 and
	// Channels−1.
	StreamCount, CoupledCount int
	// ChannelMapping maps each output channel to a decoded channel; nil for
	// family 0.
	ChannelMapping []byte
}

// PreSkipDuration returns PreSkip as a duration.
func (h *OggHeader) PreSkipDuration() time.Duration {
	return time.Duration(h.PreSkip) * time.Second / 48000
}

// OggTags is the comment header of an Ogg Opus stream, the OpusTags packet
// (RFC 7845 §5.2).
type OggTags struct {
	// Vendor names the encoder that wrote the stream.
	Vendor string
	// Comments are the user comments, "NAME=value" by convention.
	Comments []string
}

const (
	opusHeadMagic = "OpusHead"
	opusTagsMagic = "OpusTags"
)

// appendOpusHead appends the OpusHead packet of a family 0 stream.
func appendOpusHead(dst []byte, h *OggHeader) []byte {
	dst = append(dst, opusHeadMagic...)
	dst = append(dst, 1, byte(h.Channels))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.PreSkip))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.InputSampleRate))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.OutputGain))
	dst = append(dst, byte(h.MappingFamily))
	if h.MappingFamily != 0 {
		dst = append(dst, byte(h.StreamCount), byte(h.CoupledCount))
		dst = append(dst, h.ChannelMapping...)
	}
	return dst
}

// ParseOpusHead parses an OpusHead packet (RFC 7845 §5.1). An error wraps
// ErrHeader. The mapping table of the result is a copy: b may be reused.
func ParseOpusHead(b []byte) (OggHeader, error) {
	var h OggHeader
	if len(b) < 19 || string(b[:8]) != opusHeadMagic {
		return h, fmt.Errorf("%w: OpusHead of %d bytes", ErrHeader, len(b))
	}
	h.Version = b[8]
	if h.Version > 15 {
		return h, fmt.Errorf("%w: OpusHead version %d", ErrHeader, h.Version)
	}
	h.Channels = int(b[9])
	h.PreSkip = int(binary.LittleEndian.Uint16(b[10:]))
	h.InputSampleRate = int(binary.LittleEndian.Uint32(b[12:]))
	h.OutputGain = int16(binary.LittleEndian.Uint16(b[16:]))
	h.MappingFamily = int(b[18])
	if h.Channels == 0 {
		return h, fmt.Errorf("%w: OpusHead with 0 channels", ErrHeader)
	}
	if h.MappingFamily == 0 {
		if h.Channels > 2 {
			return h, fmt.Errorf("%w: OpusHead family 0 with %d channels", ErrHeader, h.Channels)
		}
		h.StreamCount, h.CoupledCount = 1, h.Channels-1
		return h, nil
	}
	if len(b) < 21+h.Channels {
		return h, fmt.Errorf("%w: OpusHead family %d of %d bytes for %d channels",
			ErrHeader, h.MappingFamily, len(b), h.Channels)
	}
	h.StreamCount, h.CoupledCount = int(b[19]), int(b[20])
	if h.StreamCount == 0 || h.CoupledCount > h.StreamCount {
		return h, fmt.Errorf("%w: OpusHead with %d streams, %d coupled", ErrHeader, h.StreamCount, h.CoupledCount)
	}
	h.ChannelMapping = append([]byte(nil), b[21:21+h.Channels]...)
	for _, m := range h.ChannelMapping {
		if m != 255 && int(m) >= h.StreamCount+h.CoupledCount {
			return h, fmt.Errorf("%w: OpusHead maps a channel to stream channel %d of %d",
				ErrHeader, m, h.StreamCount+h.CoupledCount)
		}
	}
	return h, nil
}

// appendOpusTags appends an OpusTags packet.
func appendOpusTags(dst []byte, t *OggTags) []byte {
	dst = append(dst, opusTagsMagic...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(t.Vendor)))
	dst = append(dst, t.Vendor...)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(t.Comments)))
	for _, c := range t.Comments {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(c)))
		dst = append(dst, c...)
	}
	return dst
}

// ParseOpusTags parses an OpusTags packet (RFC 7845 §5.2); an error wraps
// ErrHeader. Bytes after the last comment
// (padding, or binary data whose first byte has its low bit set) are
// ignored, as RFC 7845 §5.2 allows.
func ParseOpusTags(b []byte) (OggTags, error) {
	var t OggTags
	if len(b) < 16 || string(b[:8]) != opusTagsMagic {
		return t, fmt.Errorf("%w: OpusTags of %d bytes", ErrHeader, len(b))
	}
	b = b[8:]
	str := func(what string) (string, error) {
		if len(b) < 4 {
			return "", fmt.Errorf("%w: OpusTags %s length missing", ErrHeader, what)
		}
		n := binary.LittleEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return "", fmt.Errorf("%w: OpusTags %s of %d bytes in %d", ErrHeader, what, n, len(b)-4)
		}
		s := string(b[4 : 4+n])
		b = b[4+n:]
		return s, nil
	}
	var err error
	if t.Vendor, err = str("vendor"); err != nil {
		return t, err
	}
	if len(b) < 4 {
		return t, fmt.Errorf("%w: OpusTags comment count missing", ErrHeader)
	}
	n := binary.LittleEndian.Uint32(b)
	b = b[4:]
	// Each comment takes at least 4 bytes: a count beyond that is a lie.
	if uint64(n) > uint64(len(b)/4) {
		return t, fmt.Errorf("%w: OpusTags claims %d comments in %d bytes", ErrHeader, n, len(b))
	}
	t.Comments = make([]string, 0, n)
	for i := range n {
		c, err := str(fmt.Sprintf("comment %d", i))
		if err != nil {
			return t, err
		}
		t.Comments = append(t.Comments, c)
	}
	return t, nil
}
