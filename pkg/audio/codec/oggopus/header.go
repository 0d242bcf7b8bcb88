package oggopus

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrHeader reports an OpusHead or OpusTags packet (RFC 7845 §5) that
// cannot be parsed, or a Header or Tags that cannot be written; every
// error of this package wraps it.
var ErrHeader = errors.New("oggopus: invalid Ogg Opus header")

// The magic signatures that start the two header packets.
const (
	HeadMagic = "OpusHead"
	TagsMagic = "OpusTags"
)

// The channel mapping families a Header may carry (RFC 7845 §5.1.1).
const (
	// FamilyRTP is family 0: mono or stereo in one Opus stream, as RTP
	// carries it; no mapping table.
	FamilyRTP = 0
	// FamilyVorbis is family 1: 1 to 8 channels in the Vorbis order
	// (mono, stereo, 3.0, quad, 5.0, 5.1, 6.1, 7.1) over several streams.
	FamilyVorbis = 1
	// FamilyDiscrete is family 255: up to 255 channels with no defined
	// meaning. Players need not play it; opusfile refuses to.
	FamilyDiscrete = 255
)

// headSize is the size of an OpusHead without its mapping table.
const headSize = 19

// Header is the identification header of an Ogg Opus stream, the OpusHead
// packet (RFC 7845 §5.1). The zero value is not valid: a Header needs at
// least its Channels.
type Header struct {
	// Version is the header's version. ParseHeader accepts 0 to 15 (major
	// version 0); AppendBinary always writes 1, the layout it writes.
	Version uint8
	// Channels is the number of output channels: 1 or 2 for family 0,
	// 1 to 8 for family 1, 1 to 255 for family 255.
	Channels int
	// PreSkip is the number of 48 kHz samples to drop from the start of
	// the decoded audio, 0 to 65535.
	PreSkip int
	// InputSampleRate is the sample rate of the original input in Hz, for
	// information only; 0 when unknown.
	InputSampleRate int
	// OutputGain is the gain to apply to the decoded output, in 1/256 dB
	// (Q7.8): −1536 is −6 dB.
	OutputGain int16
	// MappingFamily is the channel mapping family: FamilyRTP, FamilyVorbis
	// or FamilyDiscrete.
	MappingFamily int
	// StreamCount is the number of Opus streams in each packet and
	// CoupledCount how many of them are stereo. For family 0 ParseHeader
	// sets them to 1 and Channels−1; AppendBinary writes them only for the
	// other families.
	StreamCount, CoupledCount int
	// ChannelMapping maps each output channel to a decoded channel (255:
	// silence); one entry per channel, nil for family 0.
	ChannelMapping []byte
}

// ParseHeader parses an OpusHead packet (RFC 7845 §5.1). It rejects what
// opusfile rejects: a packet cut short, a version above 15, 0 channels,
// family 0 with more than 2 channels, family 1 with more than 8, a mapping
// table that does not fit or maps a channel beyond the streams, no stream,
// more coupled streams than streams, more than 255 decoded channels, bytes
// after the header of a version 0 or 1 packet, and any family other than
// 0, 1 and 255. An error wraps ErrHeader. The mapping table of the result
// is a copy: b may be reused.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < len(HeadMagic) || string(b[:len(HeadMagic)]) != HeadMagic {
		return h, fmt.Errorf("%w: not an OpusHead packet", ErrHeader)
	}
	if len(b) < headSize {
		return h, fmt.Errorf("%w: OpusHead of %d bytes, want at least %d", ErrHeader, len(b), headSize)
	}
	h.Version = b[8]
	h.Channels = int(b[9])
	h.PreSkip = int(binary.LittleEndian.Uint16(b[10:]))
	h.InputSampleRate = int(binary.LittleEndian.Uint32(b[12:]))
	h.OutputGain = int16(binary.LittleEndian.Uint16(b[16:]))
	h.MappingFamily = int(b[18])
	size := headSize
	if h.MappingFamily != FamilyRTP && h.Channels > 0 {
		size = headSize + 2 + h.Channels
		if len(b) < size {
			return h, fmt.Errorf("%w: OpusHead of %d bytes, want %d for %d channels of family %d",
				ErrHeader, len(b), size, h.Channels, h.MappingFamily)
		}
		h.StreamCount, h.CoupledCount = int(b[19]), int(b[20])
		h.ChannelMapping = append([]byte(nil), b[21:size]...)
	} else if h.MappingFamily == FamilyRTP && h.Channels > 0 {
		h.StreamCount, h.CoupledCount = 1, h.Channels-1
	}
	if err := h.Validate(); err != nil {
		return h, err
	}
	// Versions 0 and 1 define every byte: more is a damaged header, as
	// opusfile reads it. Later minor versions may append fields.
	if h.Version <= 1 && len(b) > size {
		return h, fmt.Errorf("%w: OpusHead version %d of %d bytes, want %d", ErrHeader, h.Version, len(b), size)
	}
	return h, nil
}

// Validate reports whether h can be written as an OpusHead (the rules of
// ParseHeader). For family 0 StreamCount and CoupledCount may be left 0.
// An error wraps ErrHeader.
func (h *Header) Validate() error {
	switch {
	case h.Version > 15:
		return fmt.Errorf("%w: OpusHead version %d, want 0 to 15", ErrHeader, h.Version)
	case h.Channels < 1 || h.Channels > 255:
		return fmt.Errorf("%w: OpusHead with %d channels", ErrHeader, h.Channels)
	case h.PreSkip < 0 || h.PreSkip > 65535:
		return fmt.Errorf("%w: OpusHead pre-skip %d, want 0 to 65535", ErrHeader, h.PreSkip)
	case h.InputSampleRate < 0 || uint64(h.InputSampleRate) > 1<<32-1:
		return fmt.Errorf("%w: OpusHead input rate %d Hz", ErrHeader, h.InputSampleRate)
	}
	switch h.MappingFamily {
	case FamilyRTP:
		if h.Channels > 2 {
			return fmt.Errorf("%w: OpusHead family 0 with %d channels, want 1 or 2", ErrHeader, h.Channels)
		}
		if len(h.ChannelMapping) != 0 {
			return fmt.Errorf("%w: OpusHead family 0 with a mapping table", ErrHeader)
		}
		unset := h.StreamCount == 0 && h.CoupledCount == 0
		if !unset && (h.StreamCount != 1 || h.CoupledCount != h.Channels-1) {
			return fmt.Errorf("%w: OpusHead family 0 with %d streams, %d coupled, for %d channels",
				ErrHeader, h.StreamCount, h.CoupledCount, h.Channels)
		}
		return nil
	case FamilyVorbis:
		if h.Channels > 8 {
			return fmt.Errorf("%w: OpusHead family 1 with %d channels, want 1 to 8", ErrHeader, h.Channels)
		}
	case FamilyDiscrete:
	default:
		return fmt.Errorf("%w: OpusHead mapping family %d undefined", ErrHeader, h.MappingFamily)
	}
	return h.validateTable()
}

// validateTable checks the stream counts and mapping table of a family
// other than 0 (RFC 7845 §5.1.1).
func (h *Header) validateTable() error {
	n, m := h.StreamCount, h.CoupledCount
	switch {
	case n < 1 || m < 0 || m > n:
		return fmt.Errorf("%w: OpusHead with %d streams, %d coupled", ErrHeader, n, m)
	case n+m > 255:
		return fmt.Errorf("%w: OpusHead with %d streams, %d coupled: more than 255 decoded channels",
			ErrHeader, n, m)
	case len(h.ChannelMapping) != h.Channels:
		return fmt.Errorf("%w: OpusHead mapping table of %d entries for %d channels",
			ErrHeader, len(h.ChannelMapping), h.Channels)
	}
	for i, c := range h.ChannelMapping {
		if c != 255 && int(c) >= n+m {
			return fmt.Errorf("%w: OpusHead maps channel %d to decoded channel %d of %d",
				ErrHeader, i, c, n+m)
		}
	}
	return nil
}

// Streams returns the number of Opus streams in each packet: StreamCount,
// or 1 for family 0.
func (h *Header) Streams() int {
	if h.MappingFamily == FamilyRTP || h.StreamCount < 1 {
		return 1
	}
	return h.StreamCount
}

// MaxPacketSize returns the largest audio packet of the stream, in bytes:
// MaxPacketSize for each of its Opus streams.
func (h *Header) MaxPacketSize() int { return MaxPacketSize * h.Streams() }

// PreSkipDuration returns PreSkip as a duration.
func (h *Header) PreSkipDuration() time.Duration {
	return time.Duration(h.PreSkip) * time.Second / 48000
}

// Size returns the length of the OpusHead packet AppendBinary writes.
func (h *Header) Size() int {
	if h.MappingFamily == FamilyRTP {
		return headSize
	}
	return headSize + 2 + len(h.ChannelMapping)
}

// AppendBinary appends the OpusHead packet of h to dst, version 1, and
// returns the extended slice; an invalid h (Validate) is an error and
// appends nothing. It implements encoding.BinaryAppender.
func (h *Header) AppendBinary(dst []byte) ([]byte, error) {
	if err := h.Validate(); err != nil {
		return dst, err
	}
	dst = append(dst, HeadMagic...)
	dst = append(dst, 1, byte(h.Channels))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.PreSkip))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(h.InputSampleRate))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(h.OutputGain))
	dst = append(dst, byte(h.MappingFamily))
	if h.MappingFamily != FamilyRTP {
		dst = append(dst, byte(h.StreamCount), byte(h.CoupledCount))
		dst = append(dst, h.ChannelMapping...)
	}
	return dst, nil
}

// MarshalBinary returns the OpusHead packet of h (AppendBinary).
func (h *Header) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, h.Size()))
}

// vorbisLayouts are the stream counts and mapping tables of family 1 for 1
// to 8 channels, as libopus's surround encoder lays them out: coupled
// pairs first (front, then rear, then side), then the centre and the LFE.
var vorbisLayouts = [9]struct {
	streams, coupled int
	mapping          string
}{
	1: {1, 0, "\x00"},
	2: {1, 1, "\x00\x01"},
	3: {2, 1, "\x00\x02\x01"},
	4: {2, 2, "\x00\x01\x02\x03"},
	5: {3, 2, "\x00\x04\x01\x02\x03"},
	6: {4, 2, "\x00\x04\x01\x02\x03\x05"},
	7: {4, 3, "\x00\x04\x01\x02\x03\x05\x06"},
	8: {5, 3, "\x00\x06\x01\x02\x03\x04\x05\x07"},
}

// SurroundHeader returns the Header of a family 1 stream of 1 to 8
// channels with the stream counts and mapping table libopus's surround
// encoder (and so opusenc) uses, pre-skip DefaultPreSkip; for another
// channel count it returns an error wrapping ErrHeader. Its packets carry
// StreamCount streams, CoupledCount of them stereo.
func SurroundHeader(channels int) (Header, error) {
	if channels < 1 || channels > 8 {
		return Header{}, fmt.Errorf("%w: family 1 with %d channels, want 1 to 8", ErrHeader, channels)
	}
	l := vorbisLayouts[channels]
	return Header{
		Version:        1,
		Channels:       channels,
		PreSkip:        DefaultPreSkip,
		MappingFamily:  FamilyVorbis,
		StreamCount:    l.streams,
		CoupledCount:   l.coupled,
		ChannelMapping: []byte(l.mapping),
	}, nil
}

// DefaultPreSkip is the pre-skip of libopus's encoder: 312 samples at
// 48 kHz (6.5 ms of look-ahead).
const DefaultPreSkip = 312
