package opusrt

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// DefaultMaxPageDuration is the most audio an OggWriter puts on one page
// unless told otherwise: a player or a live listener gets a page at least
// once a second, and the container costs about 0.3 kbit/s.
const DefaultMaxPageDuration = time.Second

// DefaultVendor is the OpusTags vendor string an OggWriter records unless
// told otherwise.
const DefaultVendor = "giztoy opusrt"

// OggOption configures an OggWriter (NewOggWriter). Options apply in
// order: a later one changes what an earlier one set.
type OggOption func(*oggConfig)

type oggConfig struct {
	head     OggHeader // Channels 0: from the first frame
	tags     OggTags
	maxPage  time.Duration
	serial   uint32
	serialOK bool
	err      error // an option's invalid argument
}

// WithChannels sets the channel count recorded in OpusHead instead of
// taking it from the first frame's stereo flag: 1 or 2 in one Opus stream
// (mapping family 0), or 3 to 8 in channel mapping family 1 with the
// streams and table of libopus's surround encoder (oggopus.SurroundHeader),
// whose packets must then be multistream packets of that many streams.
func WithChannels(n int) OggOption {
	return func(c *oggConfig) {
		switch {
		case n == 1 || n == 2:
			c.head.Channels, c.head.MappingFamily = n, oggopus.FamilyRTP
			c.head.StreamCount, c.head.CoupledCount, c.head.ChannelMapping = 0, 0, nil
		case n > 2 && n <= 8:
			h, _ := oggopus.SurroundHeader(n)
			c.head.Channels, c.head.MappingFamily = n, h.MappingFamily
			c.head.StreamCount, c.head.CoupledCount, c.head.ChannelMapping = h.StreamCount, h.CoupledCount, h.ChannelMapping
		default:
			c.err = fmt.Errorf("opusrt: NewOggWriter: %d channels, want 1 to 8", n)
		}
	}
}

// WithPreSkip sets the pre-skip recorded in OpusHead, in 48 kHz samples
// (0 to 65535): how much decoded audio a player drops from the start. The
// default, DefaultPreSkip, suits packets from libopus. opusinfo warns of a
// pre-skip below 120 (2.5 ms) as implausible for any Opus encoder.
func WithPreSkip(samples int) OggOption { return func(c *oggConfig) { c.head.PreSkip = samples } }

// WithHeader sets the whole OpusHead: channels, mapping family, stream
// counts and table, output gain, input rate and pre-skip (its Version is
// ignored: version 1 is written). It replaces NewOggWriter's sampleRate. A
// header that oggopus rejects (Header.Validate) makes NewOggWriter fail.
// With more than one stream (StreamCount), every packet written must be a
// multistream packet of that many streams (RFC 6716 Appendix B). The
// header is copied.
func WithHeader(h OggHeader) OggOption {
	return func(c *oggConfig) {
		if err := h.Validate(); err != nil {
			c.err = fmt.Errorf("opusrt: NewOggWriter: %w", err)
			return
		}
		c.head = h
		c.head.ChannelMapping = slices.Clone(h.ChannelMapping)
	}
}

// WithMaxPageDuration sets the most audio one page holds; a page also ends
// when it holds 255 lacing values (a packet takes one per 255 bytes, plus
// one). 0 or less means DefaultMaxPageDuration. Shorter pages reach a live
// listener sooner and cost more bytes; any longer duration, up to
// math.MaxInt64, is taken as it is.
func WithMaxPageDuration(d time.Duration) OggOption {
	return func(c *oggConfig) { c.maxPage = d }
}

// WithSerial sets the Ogg stream serial number of the first link, random
// by default; each later link (NextLink) takes the next number, so the
// links of a chain differ as RFC 3533 requires and the same options give
// the same bytes.
func WithSerial(serial uint32) OggOption {
	return func(c *oggConfig) { c.serial, c.serialOK = serial, true }
}

// WithTags sets the OpusTags vendor string and user comments
// ("NAME=value") of the first link. An empty vendor means DefaultVendor.
// Tags larger than oggopus.MaxTagsSize or with more than
// oggopus.MaxComments comments make NewOggWriter fail. (NextLink takes a
// link's tags whole, binary data and empty vendor included.)
func WithTags(vendor string, comments ...string) OggOption {
	return func(c *oggConfig) {
		c.tags = OggTags{Vendor: vendor, Comments: slices.Clone(comments)}
	}
}

// durationSamples converts d to 48 kHz samples, rounding down, without
// overflow for any d.
func durationSamples(d time.Duration) int64 {
	return int64(d/time.Second)*48000 + int64(d%time.Second)*48000/int64(time.Second)
}

// samplesDuration converts 48 kHz samples to a duration, rounding down and
// saturating at math.MaxInt64 (292 years) instead of overflowing.
func samplesDuration(samples int64) time.Duration {
	if samples <= 0 {
		return 0
	}
	secs, rem := samples/48000, time.Duration(samples%48000)*time.Second/48000
	if secs > int64(math.MaxInt64/time.Second) || time.Duration(secs)*time.Second > math.MaxInt64-rem {
		return math.MaxInt64
	}
	return time.Duration(secs)*time.Second + rem
}
