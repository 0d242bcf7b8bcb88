package opusrt

import "github.com/haivivi/giztoy/pkg/audio/codec/oggopus"

// ErrHeader reports an OpusHead or OpusTags packet (RFC 7845 §5) that
// cannot be parsed, or a header or tags an OggWriter cannot write. It is
// oggopus.ErrHeader: errors of either package match it.
var ErrHeader = oggopus.ErrHeader

// DefaultPreSkip is the pre-skip an OggWriter records unless told
// otherwise: 312 samples at 48 kHz, the look-ahead of libopus's encoder.
const DefaultPreSkip = oggopus.DefaultPreSkip

// OggHeader is the identification header of an Ogg Opus stream, the
// OpusHead packet (RFC 7845 §5.1): channels, pre-skip, input rate, output
// gain, channel mapping family and table. It is oggopus.Header, where its
// fields and validation rules are documented.
type OggHeader = oggopus.Header

// OggTags is the comment header of an Ogg Opus stream, the OpusTags packet
// (RFC 7845 §5.2): vendor and user comments. It is oggopus.Tags.
type OggTags = oggopus.Tags

// ParseOpusHead parses an OpusHead packet (RFC 7845 §5.1), rejecting what
// opusfile rejects (oggopus.ParseHeader). An error wraps ErrHeader. The
// mapping table of the result is a copy: b may be reused.
func ParseOpusHead(b []byte) (OggHeader, error) { return oggopus.ParseHeader(b) }

// ParseOpusTags parses an OpusTags packet (RFC 7845 §5.2), bounded by
// oggopus.MaxTagsSize and oggopus.MaxComments (oggopus.ParseTags). An
// error wraps ErrHeader. Padding after the last comment is ignored, as RFC
// 7845 §5.2 allows; binary data (first byte odd) is kept in Binary.
func ParseOpusTags(b []byte) (OggTags, error) { return oggopus.ParseTags(b) }

// The magic signatures of the two header packets, as the reader matches
// them.
const (
	opusHeadMagic = oggopus.HeadMagic
	opusTagsMagic = oggopus.TagsMagic
)
