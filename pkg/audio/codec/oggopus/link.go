package oggopus

// Link is one link of a chained Ogg Opus stream (RFC 7845 §3): an Opus
// logical stream, its headers and where its audio lies on the granule
// timeline. A Demuxer fills it in as it reads: the header fields when the
// link begins, the positions as its pages go by, and EndTrim once its last
// page is read.
type Link struct {
	// Number counts the links of the input from 1.
	Number int
	// Serial is the serial number of the link's logical stream.
	Serial uint32
	// Offset is the byte offset in the input of the link's first page read.
	Offset int64
	// Header and Tags are the link's OpusHead and OpusTags. When HeaderErr
	// is set, Header is the previous link's (the best guess there is) and
	// Tags are empty.
	Header Header
	Tags   Tags
	// HeaderErr, when not nil, says why the link's headers could not be
	// read (its OpusHead page lost, or a header malformed); it wraps
	// ErrHeader. The link's audio is read on.
	HeaderErr error
	// TagsLost reports a link with no OpusTags (its page lost, or another
	// packet where it should be): Tags are empty.
	TagsLost bool

	// StartGranule is the granule position where the link's audio starts
	// (RFC 7845 §4.2): the first audio page's granule position less the
	// samples of the packets completed on it, 0 when that is negative (as
	// for a first page that is also the last and trims its end). −1 until
	// an audio page with a granule position is read.
	StartGranule int64
	// FinalGranule is the granule position of the last page of the link
	// read that has one, −1 before any. Once Ended, it is the end of the
	// playable audio (RFC 7845 §4.4).
	FinalGranule int64
	// EndTrim is the number of 48 kHz samples the last page's granule
	// position cuts from the end of its packets (RFC 7845 §4.4): known once
	// Ended, 0 before.
	EndTrim int64
	// Ended reports that the link's end-of-stream page was read.
	Ended bool

	// Pages is the number of pages of the link's stream read, headers
	// included; Packets the number of audio packets completed (valid or
	// not), and PacketSamples their 48 kHz samples.
	Pages, Packets, PacketSamples int64
}

// PlaybackSamples returns the link's playback length in 48 kHz samples,
// what a decoder outputs (RFC 7845 §4): from the start granule to the final
// one, less the pre-skip; with no granule position read, the packets'
// samples less the pre-skip. It is never negative, and final only once the
// link is Ended.
func (l *Link) PlaybackSamples() int64 {
	n := l.PacketSamples - int64(l.Header.PreSkip)
	if l.FinalGranule >= 0 && l.StartGranule >= 0 {
		n = l.FinalGranule - l.StartGranule - int64(l.Header.PreSkip)
	}
	return max(n, 0)
}
