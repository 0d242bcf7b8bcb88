package opusrt

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// OggReaderStats counts what an OggReader has read, skipped and lost. The
// counts cover every link of a chained stream.
type OggReaderStats struct {
	// Pages is the number of valid Ogg pages read, of every logical stream.
	Pages int64
	// BadPages is the number of pages skipped because their CRC did not
	// match or the input ended inside them.
	BadPages int64
	// SkippedBytes is the number of bytes skipped while resynchronising:
	// garbage between pages and the bytes of bad pages.
	SkippedBytes int64
	// Frames is the number of audio packets returned.
	Frames int64
	// InvalidFrames is the number of audio packets skipped because they
	// are not valid Opus (RFC 6716 §3.4).
	InvalidFrames int64
	// DroppedPackets is the number of packets (or their parts) dropped
	// because their start was lost, they were cut short, or they were
	// larger than any Opus packet.
	DroppedPackets int64
	// Holes is the number of places where data was missing: a page
	// sequence gap or a dropped packet.
	Holes int64
	// RepeatedPages is the number of pages skipped because their sequence
	// number was seen already (a duplicated page): their packets are not
	// returned twice.
	RepeatedPages int64
	// LossEvents is the number of losses Frame reported, and Lost their
	// total duration.
	LossEvents int64
	Lost       time.Duration
	// Discontinuities is the number of places where data was missing and
	// the granule positions claimed more than DefaultResyncThreshold lost
	// (a corrupt or hostile granule): no loss is reported for them, as a
	// Buffer reports no loss for a stamp that jumps that far.
	Discontinuities int64
	// BadHeaders is the number of links whose OpusHead or OpusTags was
	// lost or malformed; their audio is read on.
	BadHeaders int64
	// Links is the number of Opus logical streams read: more than one for
	// a chained stream.
	Links int
}

// Stats returns the counts so far.
func (or *OggReader) Stats() OggReaderStats {
	s := or.stats
	ds := sumStats(or.base, or.d.Stats())
	s.Pages, s.BadPages, s.SkippedBytes = ds.Pages, ds.BadPages, ds.SkippedBytes
	s.InvalidFrames = ds.InvalidPackets
	s.DroppedPackets, s.Holes, s.RepeatedPages = ds.DroppedPackets, ds.Holes, ds.RepeatedPages
	s.Discontinuities, s.BadHeaders, s.Links = ds.Discontinuities, ds.BadHeaders, ds.Links
	return s
}

// sumStats adds the counts of two Demuxers that read the same input, one
// after a seek replaced the other: what both read, except the links, of
// which the most either began (the second reads the first link again).
func sumStats(a, b oggopus.DemuxerStats) oggopus.DemuxerStats {
	a.Pages += b.Pages
	a.BadPages += b.BadPages
	a.SkippedBytes += b.SkippedBytes
	a.PageBytes += b.PageBytes
	a.Packets += b.Packets
	a.InvalidPackets += b.InvalidPackets
	a.DroppedPackets += b.DroppedPackets
	a.Holes += b.Holes
	a.RepeatedPages += b.RepeatedPages
	a.Discontinuities += b.Discontinuities
	a.BadHeaders += b.BadHeaders
	a.Links = max(a.Links, b.Links)
	a.OtherStreams += b.OtherStreams
	return a
}
