package opusrt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// The errors NewOggReader fails with for input it cannot read as Ogg Opus;
// errors returned wrap them.
var (
	// ErrNotOgg reports input with no valid Ogg page in its first 64 KiB.
	ErrNotOgg = errors.New("opusrt: not an Ogg stream")
	// ErrNotOpus reports an Ogg stream in which no logical stream is Opus.
	ErrNotOpus = errors.New("opusrt: no Opus stream in Ogg")
)

const (
	// oggSyncLimit is how far NewOggReader looks for a first page.
	oggSyncLimit = 64 << 10
	// maxOggOpusPacket bounds an audio packet (per Opus stream of a
	// multistream packet): 48 frames of 1275 bytes with their lengths fit
	// in 61,298 bytes; 64 KiB leaves room for padding.
	maxOggOpusPacket = 64 << 10
	// maxOggTagsPacket bounds the OpusTags packet, cover art included.
	maxOggTagsPacket = 16 << 20
	// oggSlabSize is the size of the chunks frames are carved from.
	oggSlabSize = 64 << 10
	// maxOggGap is the most audio, in 48 kHz samples, that granule
	// positions may claim lost in one place: DefaultResyncThreshold.
	maxOggGap = int64(DefaultResyncThreshold / time.Millisecond * opus.SampleRate / 1000)
	// maxOggOthers bounds the serial numbers of other streams remembered.
	maxOggOthers = 64
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
	// BadHeaders is the number of links after the first whose OpusHead or
	// OpusTags was lost or malformed; their audio is read on.
	BadHeaders int64
	// Links is the number of Opus logical streams read: more than one for
	// a chained stream.
	Links int
}

// oggItem is an audio packet waiting to be returned: qbase[off:end]. It
// holds no pointer, so queueing one costs no write barrier.
type oggItem struct {
	off, end uint32
	loss     time.Duration // reported before the frame
}

// oggTiming is what timePage needs of an audio packet of the page just
// read, valid or not: no pointers, so cheap to keep.
type oggTiming struct {
	end     int64 // granule at the packet's end, or -1 if unknown
	samples int32
	hole    bool
	valid   bool    // queued
	toc     [1]byte // the packet's first byte, if any
}

// OggReader reads the Opus packets of an Ogg Opus stream (RFC 7845).
//
// NewOggReader reads up to the end of the headers of the first Opus
// logical stream; Header and Tags hold them. Frame then returns the audio
// packets in order. Damage is skipped, not fatal: garbage between pages is
// passed over by resynchronising on the next valid page, a page with a bad
// CRC is dropped, a packet that is not valid Opus is skipped, and where
// audio is missing (a page sequence gap, a dropped page) Frame reports the
// loss, measured from granule positions, before the next packet.
//
// A chained stream (Ogg Opus files end to end) is read through: each new
// link's headers are parsed, replacing Header and Tags, and not returned.
// A link whose OpusHead page was lost is still read, after the page of
// its stream that follows the last link's end.
// Other logical streams multiplexed with the Opus one are ignored; of
// several Opus streams in one link only the first is read.
//
// Memory is bounded whatever the input: pages are read through a buffer
// of at most 128 KiB and a packet larger than any Opus packet is dropped.
//
// An OggReader is not safe for concurrent use.
type OggReader struct {
	// Header is the OpusHead of the link being read.
	Header OggHeader
	// Tags is the OpusTags of the link being read.
	Tags OggTags

	pr *ogg.PageReader
	ra *ogg.Reassembler // the Opus stream being read; nil before one

	needTags bool // the next packet of the stream is OpusTags
	nonBOS   bool // a non-BOS page was seen since the stream began
	ended    bool // the stream's EOS page was seen
	otherBOS bool // a BOS page of another codec was seen before any Opus

	haveEnd bool  // end is known
	end     int64 // granule at the end of the last packet processed

	queue  []oggItem // the audio packets of one page
	qi     int
	qbase  []byte      // the part of a slab that holds them
	timing []oggTiming // scratch: the audio packets of a page
	kept   [][]byte    // scratch: the packets of a page to copy
	slab   []byte      // frames are carved from it; never overwritten

	err        error // what ends the stream, returned after the queue
	unexpected bool  // io.ErrUnexpectedEOF was returned
	warn       error // a damaged link header, returned once before its audio

	// others holds the serial numbers of the other logical streams seen
	// since the link began (at most maxOggOthers), so that after the
	// link's end a page of a stream whose first page was lost is told
	// from a page of a stream multiplexed with it.
	others map[uint32]struct{}

	stats    OggReaderStats
	prevDrop int64 // DroppedPackets and Holes of earlier links
	prevHole int64
	prevRep  int64
}

// NewOggReader returns an OggReader that reads from r, after reading the
// OpusHead and OpusTags headers of the first Opus logical stream. It fails
// with an error wrapping ErrNotOgg when the first 64 KiB of r hold no valid
// Ogg page, ErrNotOpus when the Ogg stream carries no Opus stream, ErrHeader
// when the Opus headers are malformed, and io.ErrUnexpectedEOF when r ends
// before the headers do.
func NewOggReader(r io.Reader) (*OggReader, error) {
	or := &OggReader{pr: ogg.NewPageReader(r), others: map[uint32]struct{}{}}
	or.pr.SetSkipLimit(oggSyncLimit)
	for or.ra == nil || or.needTags {
		err := or.page()
		if err == nil {
			continue
		}
		st := or.pr.Stats()
		switch {
		case errors.Is(err, ogg.ErrNoPage):
			return nil, fmt.Errorf("%w: no valid page in the first %d bytes", ErrNotOgg, oggSyncLimit)
		case st.Pages == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF):
			if st.Skipped == 0 {
				return nil, fmt.Errorf("%w: empty input", ErrNotOgg)
			}
			return nil, fmt.Errorf("%w: no valid page in %d bytes", ErrNotOgg, st.Skipped)
		case or.ra == nil && (err == io.EOF || err == io.ErrUnexpectedEOF):
			return nil, fmt.Errorf("%w: %d pages, none begins an Opus stream", ErrNotOpus, st.Pages)
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil, fmt.Errorf("opusrt: Ogg Opus input ends inside its headers: %w", io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	return or, nil
}

// Frame returns the next audio packet with loss 0, or, where audio is
// missing before the next packet, a nil frame and the duration lost. The
// frame is the caller's to keep: no later call overwrites it.
//
// At the end of the stream Frame returns io.EOF, also when the stream ends
// on a page boundary without its end-of-stream flag (a recording cut
// short). When the input ends inside a page or inside a packet continued
// across pages, it first returns every complete packet, then
// io.ErrUnexpectedEOF once, then io.EOF.
//
// A link after the first whose OpusHead is lost or malformed, or whose
// OpusTags is malformed, is said once by an error wrapping ErrHeader
// before the link's audio, which the next call goes on to read (with the
// last good header in Header; Stats counts BadHeaders): a loop that stops
// on any error stops there, one that stops only on io.EOF reads it all.
// Any other error — the underlying reader's — is returned once, and io.EOF
// after it.
//
// A loss is measured from granule positions, and is never more than
// DefaultResyncThreshold: a gap the granules claim is longer (a corrupt or
// hostile granule) is a discontinuity, counted in Stats and not reported
// as loss, so no copy fills hours of silence.
func (or *OggReader) Frame() (Frame, time.Duration, error) {
	for or.qi >= len(or.queue) {
		or.queue, or.qi = or.queue[:0], 0
		if or.err != nil {
			return nil, 0, or.err
		}
		err := or.page()
		switch {
		case err == nil && or.warn != nil:
			// Not fatal: the next call reads on.
			w := or.warn
			or.warn = nil
			return nil, 0, w
		case err == nil:
			continue
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			or.err = io.EOF
			if !or.unexpected && (err == io.ErrUnexpectedEOF || or.ra.Partial()) {
				or.unexpected = true
				return nil, 0, io.ErrUnexpectedEOF
			}
			return nil, 0, io.EOF
		default:
			// Returned once; then io.EOF, so a loop that stops only on
			// io.EOF ends.
			or.err = io.EOF
			return nil, 0, err
		}
	}
	it := &or.queue[or.qi]
	if it.loss > 0 {
		loss := it.loss
		it.loss = 0
		or.stats.LossEvents++
		or.stats.Lost = addSat(or.stats.Lost, loss)
		return nil, loss, nil
	}
	or.qi++
	or.stats.Frames++
	return Frame(or.qbase[it.off:it.end:it.end]), 0, nil
}

// Stats returns the counts so far.
func (or *OggReader) Stats() OggReaderStats {
	s := or.stats
	ps := or.pr.Stats()
	s.Pages, s.BadPages, s.SkippedBytes = ps.Pages, ps.BadPages, ps.Skipped
	s.DroppedPackets, s.Holes, s.RepeatedPages = or.prevDrop, or.prevHole, or.prevRep
	if or.ra != nil {
		rs := or.ra.Stats()
		s.DroppedPackets += rs.Dropped
		s.Holes += rs.Holes
		s.RepeatedPages += rs.Repeated
	}
	return s
}

// page reads one page and takes what it holds: a new Opus stream's
// headers, or the current stream's packets into the queue, which is empty
// when page is called (Frame and NewOggReader read a page only then, and
// stop at one with audio).
func (or *OggReader) page() error {
	pg, err := or.pr.ReadPage()
	if err != nil {
		return err
	}
	or.pr.SetSkipLimit(0)
	return or.page1(&pg)
}

// page1 takes the page pg, as page does once it has read it.
func (or *OggReader) page1(pgp *ogg.Page) error {
	pg := *pgp
	if pg.BOS() && !pg.Continued() && bytes.HasPrefix(pg.Body, []byte(opusHeadMagic)) &&
		(or.ra == nil || or.ended || or.nonBOS) {
		// A new link, even with the serial number of the last one (files
		// with a fixed serial concatenated).
		return or.beginLink(&pg)
	}
	if or.ra == nil || pg.Serial != or.ra.Serial() {
		switch {
		case or.ra == nil && pg.BOS():
			or.otherBOS = true
		case or.ra == nil && or.otherBOS:
			// Every stream of the first link began, none of them Opus.
			return fmt.Errorf("%w: the first link's streams are of other codecs", ErrNotOpus)
		case or.ra != nil && or.ended && !pg.BOS() && or.headLost(&pg):
			return or.beginHeadless(&pg)
		case !pg.BOS():
			or.nonBOS = true
		}
		if or.ra != nil && len(or.others) < maxOggOthers {
			or.others[pg.Serial] = struct{}{}
		}
		return nil
	}
	if !pg.BOS() {
		or.nonBOS = true
	}
	if pg.EOS() {
		or.ended = true
	}
	if !pg.Continued() && len(pg.Body) > 0 && !or.needTags && or.ra.MaxPacketSize >= ogg.MaxBodySize {
		// Every packet completed on a page that does not continue one
		// aliases the page's body: copy the body into the slab once and
		// those packets are the caller's to keep as they are.
		body := or.reserve(len(pg.Body))
		copy(body, pg.Body)
		pg.Body = body
		if err := or.ra.PageIn(&pg); err != nil {
			return ignoreRepeated(err)
		}
		or.splitPage(&pg)
		return nil
	}
	if err := or.ra.PageIn(&pg); err != nil {
		return ignoreRepeated(err)
	}
	or.timing = or.timing[:0]
	or.kept = or.kept[:0]
	granule := int64(-1) // of the last packet taken
	multistream := or.Header.StreamCount > 1
	for p, ok := or.ra.Packet(); ok; p, ok = or.ra.Packet() {
		if or.needTags {
			or.needTags = false
			or.ra.MaxPacketSize = maxOggOpusPacket * max(1, or.Header.StreamCount)
			if bytes.HasPrefix(p.Data, []byte(opusTagsMagic)) {
				tags, err := ParseOpusTags(p.Data)
				if err != nil && or.stats.Links == 1 {
					return err // as opusfile, which fails to open such a file
				}
				if err != nil {
					or.stats.BadHeaders++
					or.warn = fmt.Errorf("%w (link %d, stream %#x); read on without tags", err, or.stats.Links, pg.Serial)
					continue
				}
				or.Tags = tags
				continue
			}
			// The OpusTags page was lost, or the stream has none: this is
			// audio, read on without tags.
			or.stats.BadHeaders++
		}
		granule = p.Granule
		valid := len(p.Data) > 0 && (multistream || opus.Valid(p.Data))
		tm := oggTiming{samples: int32(opus.PacketSamples(p.Data)), hole: p.Hole, valid: valid}
		if len(p.Data) > 0 {
			tm.toc[0] = p.Data[0]
		}
		or.timing = append(or.timing, tm)
		if !valid {
			or.stats.InvalidFrames++
			continue
		}
		or.kept = append(or.kept, p.Data)
	}
	if len(or.kept) > 0 {
		// Copy the packets, which alias the page or the Reassembler's
		// buffer, into one part of the slab.
		n := 0
		for _, p := range or.kept {
			n += len(p)
		}
		or.qbase = or.reserve(n)
		or.slab = or.slab[:len(or.slab)+n]
		off := 0
		for _, p := range or.kept {
			end := off + copy(or.qbase[off:], p)
			or.queue = append(or.queue, oggItem{off: uint32(off), end: uint32(end)})
			off = end
		}
		clear(or.kept) // hold no reference to the page
	}
	if len(or.timing) > 0 {
		or.timePage(granule, pg.EOS())
	}
	return nil
}

// reserve returns the n bytes of the slab after its end, allocating a new
// slab if they do not fit. They are the caller's until the slab is
// extended over them.
func (or *OggReader) reserve(n int) []byte {
	if n > cap(or.slab)-len(or.slab) {
		or.slab = make([]byte, 0, max(oggSlabSize, n))
	}
	i := len(or.slab)
	return or.slab[i : i+n : i+n]
}

// splitPage queues the audio packets of a page that does not continue a
// packet, once the Reassembler has taken it and its body is in the slab.
// They are then the runs of segments up to each lacing value below 255,
// all of them (none is larger than MaxPacketSize), and only the first can
// follow a hole, so they are read straight from the lacing values rather
// than one Packet at a time.
func (or *OggReader) splitPage(pg *ogg.Page) {
	first, ok := or.ra.Packet()
	if !ok {
		return // no packet ends on the page
	}
	hole := first.Hole
	// With the page's granule known, as it is on all but a page that ends
	// no packet, only the first packet's end matters, for a hole; else
	// timePage counts forward from the previous page.
	forward := pg.Granule < 0
	or.timing = or.timing[:0]
	total, samples0 := int64(0), int64(-1)
	multistream := or.Header.StreamCount > 1
	body, start, end := pg.Body, 0, 0
	for _, v := range pg.Lacing {
		end += int(v)
		if v == ogg.MaxSegmentSize {
			continue
		}
		p := body[start:end:end]
		start = end
		var samples int64
		var valid bool
		if len(p) > 0 && p[0]&3 == 0 && len(p) <= 1+opus.MaxFrameSize {
			// One frame, the common case: valid (as opus.Validate
			// checks it first), and its duration is its TOC byte's.
			samples, valid = int64(tocSamples[p[0]]), true
		} else {
			samples = int64(opus.PacketSamples(p))
			valid = len(p) > 0 && (multistream || opus.Valid(p))
		}
		if total += samples; samples0 < 0 {
			samples0 = samples
		}
		if forward {
			tm := oggTiming{samples: int32(samples), hole: hole, valid: valid}
			if len(p) > 0 {
				tm.toc[0] = p[0]
			}
			or.timing = append(or.timing, tm)
			hole = false
		}
		if !valid {
			or.stats.InvalidFrames++
			continue
		}
		or.queue = append(or.queue, oggItem{off: uint32(start - len(p)), end: uint32(start)})
	}
	if len(or.queue) > 0 {
		// Keep the slab up to the end of the page's last packet.
		or.qbase = body
		or.slab = or.slab[:len(or.slab)+start]
	}
	if forward {
		or.timePage(pg.Granule, pg.EOS())
		return
	}
	// As timePage would count back from the granule.
	if hole && or.haveEnd {
		if end0 := pg.Granule - (total - samples0); end0 >= 0 {
			if gap := end0 - samples0 - or.end; gap > 0 && len(or.queue) > 0 {
				or.queue[0].loss = or.gapLoss(gap, pg.EOS(), body[:1])
			}
		}
	}
	or.end, or.haveEnd = pg.Granule, true
}

// addLinkStats adds the counts of the link being read to those of the
// links before it, as a new one begins.
func (or *OggReader) addLinkStats() {
	if or.ra != nil {
		rs := or.ra.Stats()
		or.prevDrop += rs.Dropped
		or.prevHole += rs.Holes
		or.prevRep += rs.Repeated
	}
}

// tocSamples[b] is opus.PacketSamples of a packet whose TOC byte is b, for
// codes 0 to 2, where it depends on that byte alone.
var tocSamples = func() (t [256]int16) {
	for b := range t {
		t[b] = int16(opus.PacketSamples([]byte{byte(b)}))
	}
	return t
}()

// ignoreRepeated drops the error of a repeated page, which is skipped
// (counted in Stats.RepeatedPages).
func ignoreRepeated(err error) error {
	if errors.Is(err, ogg.ErrRepeated) {
		return nil
	}
	return err
}

// beginLink starts reading the Opus stream whose BOS page is pg.
func (or *OggReader) beginLink(pg *ogg.Page) error {
	or.addLinkStats()
	or.ra = ogg.NewReassembler(pg.Serial)
	if err := or.ra.PageIn(pg); err != nil {
		return err
	}
	p, ok := or.ra.Packet()
	if !ok {
		return fmt.Errorf("%w: OpusHead does not end on its page", ErrHeader)
	}
	h, err := ParseOpusHead(p.Data)
	if err != nil && or.stats.Links == 0 {
		return err
	}
	or.Tags = OggTags{}
	or.ra.MaxPacketSize = maxOggTagsPacket
	or.needTags = true
	or.nonBOS, or.ended, or.haveEnd = false, pg.EOS(), false
	or.stats.Links++
	clear(or.others)
	if err != nil {
		// Read the link's audio on with the last link's header, the best
		// guess there is, after saying so.
		or.stats.BadHeaders++
		or.warn = fmt.Errorf("%w (link %d, stream %#x); read on with link %d's header",
			err, or.stats.Links, pg.Serial, or.stats.Links-1)
		return nil
	}
	or.Header = h
	return nil
}

// headLost reports whether pg, a page of a stream other than the link
// that has ended, is the first page seen of the next link, whose OpusHead
// page was lost: a stream not seen during the link whose page holds its
// OpusTags, or starts with a packet that is valid Opus.
func (or *OggReader) headLost(pg *ogg.Page) bool {
	if _, seen := or.others[pg.Serial]; seen || len(or.others) >= maxOggOthers {
		return false
	}
	if pg.Continued() || len(pg.Lacing) == 0 {
		return false
	}
	n := 0
	for _, v := range pg.Lacing {
		n += int(v)
		if v < ogg.MaxSegmentSize {
			break
		}
	}
	first := pg.Body[:n]
	return bytes.HasPrefix(first, []byte(opusTagsMagic)) || opus.Valid(first)
}

// beginHeadless starts reading the link whose first page seen is pg, its
// OpusHead page lost, with the last link's header, and says so once.
func (or *OggReader) beginHeadless(pg *ogg.Page) error {
	or.addLinkStats()
	or.ra = ogg.NewReassembler(pg.Serial)
	or.Tags = OggTags{}
	or.ra.MaxPacketSize = maxOggTagsPacket
	or.needTags = true
	or.nonBOS, or.ended, or.haveEnd = true, false, false
	or.stats.Links++
	or.stats.BadHeaders++
	clear(or.others)
	or.warn = fmt.Errorf("%w: link %d (stream %#x): its OpusHead page is lost; read on with link %d's header",
		ErrHeader, or.stats.Links, pg.Serial, or.stats.Links-1)
	return or.page1(pg)
}

// gapLoss returns the loss to report for gap samples found missing from
// granule positions: none, counted as a discontinuity, when gap is more
// than the resync threshold. On the stream's last page the granule
// position is lowered by the end trimming (RFC 7845 §4.4), which would
// shorten the gap: what was lost is whole frames, so the gap is rounded up
// to a whole number of frames of the packet after it (whose first byte is
// toc).
func (or *OggReader) gapLoss(gap int64, eos bool, toc []byte) time.Duration {
	if gap > maxOggGap {
		or.stats.Discontinuities++
		return 0
	}
	if eos && len(toc) > 0 {
		if unit := int64(opus.TOC(toc[0]).FrameSamples()); unit > 0 {
			gap = (gap + unit - 1) / unit * unit
		}
	}
	return granuleDuration(gap)
}

// timePage works out where each audio packet of the page just read ends,
// from the granule position of the last one (or the end of the previous
// page when that is -1), and sets the loss before the first valid packet
// that follows a hole; the page's valid packets are or.queue.
func (or *OggReader) timePage(granule int64, eos bool) {
	t := or.timing
	switch {
	case granule >= 0:
		e := granule
		for i := len(t) - 1; i >= 0; i-- {
			t[i].end = e
			e -= int64(t[i].samples)
		}
	case or.haveEnd:
		e := or.end
		for i := range t {
			e += int64(t[i].samples)
			t[i].end = e
		}
	default:
		for i := range t {
			t[i].end = -1
		}
	}
	var loss time.Duration
	q := 0
	for i := range t {
		p := &t[i]
		if p.hole && or.haveEnd && p.end >= 0 {
			if gap := p.end - int64(p.samples) - or.end; gap > 0 {
				loss = addSat(loss, or.gapLoss(gap, eos, p.toc[:]))
			}
		}
		if p.end >= 0 {
			or.end, or.haveEnd = p.end, true
		}
		if p.valid {
			or.queue[q].loss = loss
			q++
			loss = 0
		}
	}
}

// granuleDuration converts a count of 48 kHz samples to a duration without
// overflow: a bogus granule position (a corrupt or hostile file) gives a
// long loss, never a negative one.
func granuleDuration(samples int64) time.Duration {
	const maxSamples = int64(1<<63-1) / int64(time.Second) * opus.SampleRate
	if samples >= maxSamples {
		return 1<<63 - 1
	}
	return time.Duration(samples/opus.SampleRate)*time.Second +
		time.Duration(samples%opus.SampleRate)*time.Second/opus.SampleRate
}

// addSat adds two non-negative durations, saturating.
func addSat(a, b time.Duration) time.Duration {
	if a > 1<<63-1-b {
		return 1<<63 - 1
	}
	return a + b
}
