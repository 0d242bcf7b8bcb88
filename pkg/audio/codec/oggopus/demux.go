package oggopus

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
)

// The errors a Demuxer fails with for input it cannot read as Ogg Opus;
// errors returned wrap them.
var (
	// ErrNotOgg reports input with no valid Ogg page in its first
	// SyncLimit bytes, an empty input included.
	ErrNotOgg = errors.New("oggopus: not an Ogg stream")
	// ErrNotOpus reports an Ogg stream in which no logical stream is Opus.
	ErrNotOpus = errors.New("oggopus: no Opus stream in Ogg")
)

// Limits of a Demuxer.
const (
	// SyncLimit is how far into its input a Demuxer looks for a first
	// valid page before it fails with ErrNotOgg.
	SyncLimit = 64 << 10
	// MaxGap is the most audio, in 48 kHz samples, that granule positions
	// may claim lost in one place: 5 s, the resync threshold of the
	// jitter buffers. A longer claim (a corrupt or hostile granule) is a
	// discontinuity, not a loss to fill.
	MaxGap = 5 * 48000
	// MaxOtherStreams is the most logical streams other than the link's
	// Opus stream a Demuxer remembers in one link (to tell a page of a
	// multiplexed stream from the first page of a next link whose OpusHead
	// page was lost), and the most it lists in OtherStreams.
	MaxOtherStreams = 64
)

// Packet is an audio packet of a link, as a Demuxer returns it.
type Packet struct {
	// Data is the packet. It is the caller's to keep: no later call
	// overwrites it (the Demuxer copies each page's packets once, into
	// chunks of memory it never writes again).
	Data []byte
	// Granule is the granule position at the packet's end, in 48 kHz
	// samples on the link's timeline, or −1 when unknown (no page with a
	// granule position read yet). On the link's last page the positions
	// are lowered by the end trimming (Link.EndTrim).
	Granule int64
	// Samples is the packet's length in 48 kHz samples, from its TOC (0
	// for a malformed packet).
	Samples int
	// Hole reports that data of the link was lost just before the packet.
	Hole bool
	// Lost is the audio lost just before the packet in 48 kHz samples, as
	// granule positions tell: 0 when they cannot (the link's first audio
	// page lost) or claim more than MaxGap (then Discontinuity is set).
	Lost int64
	// Discontinuity reports a hole over which the granule positions jump
	// by more than MaxGap: a corrupt or hostile granule, or a stream that
	// restarted. No loss is reported for it.
	Discontinuity bool
	// Err is nil for a valid Opus packet (RFC 6716 §3.4; for a multistream
	// link, every stream of the packet in the self-delimited framing of
	// Appendix B), and otherwise says why it is not.
	Err error
	// Offset is the byte offset in the input of the page the packet
	// completes on, and Page that page's sequence number.
	Offset int64
	Page   uint32
}

// OtherStream is a logical stream a Demuxer does not read.
type OtherStream struct {
	// Serial is the stream's serial number, and Link the number of the
	// link it was seen in (0 before the first).
	Serial uint32
	Link   int
	// Codec names the codec from the stream's first packet ("Vorbis",
	// "Opus", ...), "unknown" when its first page was not seen.
	Codec string
	// Note says why an Opus stream is not read.
	Note string
}

// DemuxerStats counts what a Demuxer has read, skipped and lost, over
// every link.
type DemuxerStats struct {
	// Pages, BadPages and SkippedBytes are the PageReader's counts (see
	// ogg.PageReaderStats): valid pages of every stream, pages skipped for
	// a bad CRC or a cut, and bytes skipped while resynchronising.
	Pages, BadPages, SkippedBytes int64
	// PageBytes is the number of bytes of the valid pages read.
	PageBytes int64
	// Packets is the number of audio packets returned, InvalidPackets how
	// many of them are not valid Opus.
	Packets, InvalidPackets int64
	// DroppedPackets, Holes and RepeatedPages are the Reassembler's counts
	// for the links' streams (see ogg.ReassemblerStats).
	DroppedPackets, Holes, RepeatedPages int64
	// Discontinuities is the number of holes over which granule positions
	// jump by more than MaxGap.
	Discontinuities int64
	// BadHeaders is the number of links whose OpusHead or OpusTags was
	// lost or malformed.
	BadHeaders int64
	// Links is the number of links begun.
	Links int
	// OtherStreams is the number of logical streams not read.
	OtherStreams int64
}

// Demuxer reads the links of an Ogg Opus stream (RFC 7845) and the audio
// packets of each, with their positions on the granule timeline: the one
// place where the mapping's reading decisions are made, for the opusrt
// OggReader and the opusrt command alike. The model is archive/tar.Reader:
// NextLink moves to the next link and returns its headers, Packet returns
// the link's audio packets and io.EOF at its end.
//
// A link begins at a BOS page whose first packet is OpusHead, once the
// link before it has ended (its EOS page) or any non-BOS page was read:
// Ogg files end to end, even with the same serial number. Of several Opus
// streams that begin together (multiplexed), the first is read; other
// streams are passed over (OtherStreams). A link whose OpusHead page is
// lost is still read, from the first page of a new stream after the last
// link's end whose first packet is OpusTags, with the last link's header
// (Link.HeaderErr says so).
//
// Damage is read past: garbage and bad pages are skipped by
// resynchronising, packets cut short are dropped, and Packet.Hole and
// Packet.Lost say where and how much audio is missing. Problem, when set,
// hears of each piece of damage.
//
// Memory is bounded whatever the input: the page buffer (at most 128 KiB),
// one packet in progress (at most Header.MaxPacketSize bytes of audio, or
// MaxTagsSize of OpusTags), the chunk the packets of the page last read
// are copied into (64 KiB, or one page's packets when larger), the current
// link and at most MaxOtherStreams other streams. Packets returned are
// the caller's: the chunks they lie in are freed with them.
//
// A Demuxer is not safe for concurrent use.
type Demuxer struct {
	// Problem, when not nil, is called with each piece of damage found, in
	// the order of the input. It must not call the Demuxer.
	Problem func(Problem)

	pr *ogg.PageReader
	ra *ogg.Reassembler // of the link's stream; nil before the first link

	link       Link
	needTags   bool // the link's next packet is its OpusTags
	nonBOS     bool // a non-BOS page was read since the link began
	ended      bool // the link's EOS page was read
	otherBOS   bool // before the first link: a BOS page of another codec
	lastBOS    bool // the page last read was a BOS page
	nextSeq    uint32
	end        int64 // granule at the end of the last packet, when haveEnd
	haveEnd    bool
	started    bool  // an audio page with a granule position was read
	lost       int64 // samples reported lost in the link, for EndTrim
	maxPacket  int
	multi      int // the link's Opus streams per packet
	streams    map[uint32]bool
	otherList  []OtherStream
	pageOffset int64 // where the page last read starts

	// Where the PageReader started reading (base), and the bytes of pages
	// it has read since (prBytes); prev sums the counts of the ones a seek
	// replaced, and seekDrops the packets a seek cut (not damage).
	rs        io.ReadSeeker // nil when the input cannot seek
	base      int64
	prBytes   int64
	prev      ogg.PageReaderStats
	seekDrops ogg.ReassemblerStats
	seekMark  ogg.ReassemblerStats
	audioOff  int64 // where the link's audio pages begin
	seekTo    int64 // Packet skips the packets that end by it; −1: none
	seekAfter bool  // a seek positioned the reader: skip problems of the first page
	origin    int64 // the position of rs where reading began
	// The last page with a granule position (LastGranule), once read.
	lastSerial  uint32
	lastGranule int64
	lastKnown   bool

	pending    ogg.Page // the first page of the next link, when hasPending
	hasPending bool
	headless   bool // the pending page begins a link whose OpusHead is lost
	pendingOff int64

	q       []qitem // q[qi:qn] are the packets of the page last read
	qi, qn  int
	slab    []byte // packets are copied into slab[used:]; never overwritten
	used    int
	qOffset int64 // where their page starts, and its sequence number
	qPage   uint32
	noSplit bool // tests: every page through the Reassembler's packets

	err        error // what ended the input (io.EOF at its end)
	cut        bool  // the input ended inside a page or a packet
	unexpected bool  // io.ErrUnexpectedEOF was returned
	errSaid    bool  // err, not io.EOF, was returned

	stats DemuxerStats
}

// NewDemuxer returns a Demuxer reading from r. Nothing is read until the
// first call to NextLink.
func NewDemuxer(r io.Reader) *Demuxer {
	d := &Demuxer{pr: ogg.NewPageReader(r), streams: map[uint32]bool{}, seekTo: -1}
	d.pr.SetSkipLimit(SyncLimit)
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			// Offsets count from where r stands; a pipe (os.Stdin) fails
			// here and cannot seek.
			d.rs, d.base = rs, 0
			d.origin = at
		}
	}
	return d
}

// Link returns the link being read: after NextLink, its headers; after
// Packet returned io.EOF, its final positions (Ended, FinalGranule,
// EndTrim). It is valid until the next call to NextLink.
func (d *Demuxer) Link() *Link { return &d.link }

// OtherStreams returns the logical streams passed over so far (at most
// MaxOtherStreams of them; Stats counts all).
func (d *Demuxer) OtherStreams() []OtherStream { return d.otherList }

// Stats returns the counts so far.
func (d *Demuxer) Stats() DemuxerStats {
	s := d.stats
	ps := d.pr.Stats()
	s.Pages = d.prev.Pages + ps.Pages
	s.BadPages = d.prev.BadPages + ps.BadPages
	s.SkippedBytes = d.prev.Skipped + ps.Skipped
	if d.ra != nil {
		rs := d.ra.Stats()
		s.DroppedPackets = rs.Dropped - d.seekDrops.Dropped
		s.Holes = rs.Holes - d.seekDrops.Holes
		s.RepeatedPages = rs.Repeated
	}
	return s
}

// Packet returns the next audio packet of the link. At the link's end it
// returns io.EOF (NextLink then moves on); when the input ends inside a
// page or a packet, io.ErrUnexpectedEOF once before that. An error of the
// underlying reader is returned once, wrapped, then io.EOF.
func (d *Demuxer) Packet() (Packet, error) {
	if err := d.fill(); err != nil {
		return Packet{}, err
	}
	it := &d.q[d.qi]
	d.qi++
	d.stats.Packets++
	data := d.slab[it.off:it.end:it.end]
	var err error
	if it.invalid {
		_, err = checkPacket(data, d.multi)
	}
	return Packet{Data: data, Granule: it.granule, Samples: int(it.samples), Hole: it.hole,
		Lost: it.lost, Discontinuity: it.disc, Err: err, Offset: d.qOffset, Page: d.qPage}, nil
}

// NextPacket is Packet for a reader of the audio, which reads many
// packets and needs only part of each: the packet's Data (the caller's to
// keep), Granule and Lost, and whether it is valid Opus (Err is nil). It
// returns them as values, not in a Packet: a Packet is large to copy, and
// each pointer written into one costs a write barrier while the garbage
// collector runs, together more than the rest of the work a packet takes.
func (d *Demuxer) NextPacket() (data []byte, granule, lost int64, valid bool, err error) {
	if d.qi >= d.qn || d.seekTo >= 0 {
		if err := d.fill(); err != nil {
			return nil, 0, 0, false, err
		}
	}
	it := &d.q[d.qi]
	d.qi++
	d.stats.Packets++
	return d.slab[it.off:it.end:it.end], it.granule, it.lost, !it.invalid, nil
}

// fill reads pages until a packet is queued (q[qi] is the next one),
// passing over those a seek left to skip; at the link's end, it returns
// the error Packet returns.
func (d *Demuxer) fill() error {
	for {
		for d.qi >= d.qn {
			d.qn, d.qi = 0, 0
			if d.ra == nil || d.hasPending {
				return io.EOF
			}
			if d.err != nil {
				return d.endErr()
			}
			if err := d.step(); err != nil {
				d.err = err
			}
		}
		if d.seekTo < 0 {
			return nil
		}
		if it := &d.q[d.qi]; it.granule >= 0 && it.granule <= d.seekTo {
			d.qi++ // ends before the position a seek asked for
			continue
		}
		d.seekTo = -1
		return nil
	}
}

// qitem is a packet of the page last read, waiting to be returned: its
// bytes are slab[off:end]. It holds no pointer, so queueing one writes
// none (no write barrier).
type qitem struct {
	off, end      uint32
	granule, lost int64
	samples       int32
	hole, disc    bool
	invalid       bool
}

// endErr returns what Packet returns once the input has ended.
func (d *Demuxer) endErr() error {
	switch {
	case d.err != io.EOF && d.err != io.ErrUnexpectedEOF && !d.errSaid:
		d.errSaid = true
		return d.err
	case !d.unexpected && (d.err == io.ErrUnexpectedEOF || d.cut || d.ra.Partial()):
		d.unexpected = true
		if d.ra.Partial() {
			d.problem(d.base+d.prBytes+d.pr.Stats().Skipped, int64(d.nextSeq)-1, "file truncated: the last packet is cut short")
		}
		return io.ErrUnexpectedEOF
	}
	return io.EOF
}

// NextLink moves to the next link, passing over what is left of the
// current one, reads its headers and returns it. At the end of the input
// it returns io.EOF.
//
// The first call fails with an error wrapping ErrNotOgg when the first
// SyncLimit bytes hold no valid page, ErrNotOpus when the stream carries
// no Opus, ErrHeader when the first link's OpusHead or OpusTags is
// malformed, and io.ErrUnexpectedEOF when the input ends inside its
// headers. For a later link whose headers are lost or malformed, it
// returns the link and an error wrapping ErrHeader (Link.HeaderErr): the
// link's audio can still be read.
func (d *Demuxer) NextLink() (*Link, error) {
	first := d.ra == nil
	for !d.hasPending {
		d.qn, d.qi = 0, 0
		if d.err != nil {
			if first {
				return nil, d.firstErr(d.err)
			}
			if err := d.endErr(); err != io.EOF && err != io.ErrUnexpectedEOF {
				return nil, err
			}
			return nil, io.EOF
		}
		if err := d.step(); err != nil {
			d.err = err
		}
	}
	if err := d.begin(); err != nil {
		return nil, err
	}
	for d.needTags && !d.hasPending && d.err == nil {
		if err := d.step(); err != nil {
			d.err = err
		}
	}
	l := &d.link
	if d.needTags {
		if first && (d.err == io.EOF || d.err == io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("oggopus: Ogg Opus input ends inside its headers: %w", io.ErrUnexpectedEOF)
		}
		if first && d.err != nil {
			return nil, d.err
		}
		d.needTags = false
		l.TagsLost = true
		d.stats.BadHeaders++
		d.problem(d.pageOffset, -1, "the OpusTags header is missing: no tags")
	}
	if first && l.HeaderErr != nil {
		return nil, l.HeaderErr
	}
	return l, l.HeaderErr
}

// firstErr explains why no first link was found.
func (d *Demuxer) firstErr(err error) error {
	st := d.pr.Stats()
	if err == io.EOF && d.cut {
		err = io.ErrUnexpectedEOF
	}
	switch {
	case errors.Is(err, ogg.ErrNoPage):
		return fmt.Errorf("%w: no valid page in its first %d bytes", ErrNotOgg, SyncLimit)
	case st.Pages == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) && st.Skipped == 0:
		return fmt.Errorf("%w: the input is empty", ErrNotOgg)
	case st.Pages == 0 && err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w: the input ends inside its first page (%d bytes): %w", ErrNotOgg, st.Skipped, io.ErrUnexpectedEOF)
	case st.Pages == 0 && err == io.EOF:
		return fmt.Errorf("%w: no valid page in %d bytes", ErrNotOgg, st.Skipped)
	case (err == io.EOF || err == io.ErrUnexpectedEOF) && st.BadPages > 0 && !d.otherBOS:
		return fmt.Errorf("%w: the first page, where the OpusHead should be, has a bad CRC", ErrNotOpus)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if d.otherBOS && len(d.otherList) > 0 {
			return fmt.Errorf("%w: the Ogg stream holds %s", ErrNotOpus, d.otherList[0].Codec)
		}
		return fmt.Errorf("%w: %d pages, none begins an Opus stream", ErrNotOpus, st.Pages)
	}
	return err
}

// problem reports damage at offset on page seq (−1: none) of the link.
func (d *Demuxer) problem(offset, seq int64, format string, args ...any) {
	d.report(offset, d.link.Number, seq, format, args...)
}

// report reports damage at offset in link (0: none) on page seq.
func (d *Demuxer) report(offset int64, link int, seq int64, format string, args ...any) {
	if d.Problem != nil && !d.seekAfter {
		d.Problem(Problem{Offset: offset, Link: link, Page: seq, Message: fmt.Sprintf(format, args...)})
	}
}

// readPage reads the next valid page, reporting what was skipped before
// it, and records where it starts.
func (d *Demuxer) readPage() (ogg.Page, error) {
	before := d.pr.Stats()
	pg, err := d.pr.ReadPage()
	after := d.pr.Stats()
	at := d.base + d.prBytes + before.Skipped
	if skipped := after.Skipped - before.Skipped; skipped > 0 && err == nil && after.Pages > 1 {
		what := "garbage between pages"
		if bad := after.BadPages - before.BadPages; bad == 1 {
			what = "a page with a bad CRC"
		} else if bad > 1 {
			what = fmt.Sprintf("%d pages with a bad CRC", bad)
		}
		d.report(at, 0, -1, "%d bytes skipped: %s", skipped, what)
	}
	switch {
	case err == io.ErrUnexpectedEOF:
		d.cut = true
		if after.Pages > 0 {
			d.report(at, 0, -1, "file truncated: it ends inside a page (%d bytes of it lost)", after.Skipped-before.Skipped)
		}
		return pg, io.EOF
	case err != nil && err != io.EOF && !errors.Is(err, ogg.ErrNoPage):
		return pg, fmt.Errorf("oggopus: %w", err)
	case err != nil:
		return pg, err
	}
	d.pr.SetSkipLimit(0)
	d.pageOffset = d.base + d.prBytes + after.Skipped
	d.prBytes += int64(pg.Len())
	d.stats.PageBytes += int64(pg.Len())
	return pg, nil
}

// step reads one page and takes what it holds: the first page of the next
// link (kept pending for NextLink), a page of another stream (passed
// over), or a page of the link's stream, whose headers or audio packets it
// takes.
func (d *Demuxer) step() error {
	pg, err := d.readPage()
	if err != nil {
		return err
	}
	if pg.BOS() && !d.lastBOS {
		// The streams of a link all begin before any other page: a BOS
		// page after other pages begins a new group of streams.
		clear(d.streams)
	}
	d.lastBOS = pg.BOS()
	if pg.BOS() && !pg.Continued() && bytes.HasPrefix(pg.Body, []byte(HeadMagic)) &&
		(d.ra == nil || d.ended || d.nonBOS) {
		d.setPending(&pg, false)
		return nil
	}
	if d.ra == nil || pg.Serial != d.ra.Serial() {
		return d.other(&pg)
	}
	return d.linkPage(&pg)
}

func (d *Demuxer) setPending(pg *ogg.Page, headless bool) {
	d.pending, d.hasPending, d.headless, d.pendingOff = *pg, true, headless, d.pageOffset
}

// other takes a page of a stream other than the link's.
func (d *Demuxer) other(pg *ogg.Page) error {
	_, seen := d.streams[pg.Serial]
	switch {
	case d.ra == nil && pg.BOS():
		d.otherBOS = true
	case d.ra == nil && d.otherBOS:
		// Every stream of the first link began, none of them Opus.
		d.addOther(pg)
		return fmt.Errorf("%w: the Ogg stream holds %s", ErrNotOpus, d.otherList[0].Codec)
	case d.ra != nil && d.ended && !pg.BOS() && !seen && d.headLost(pg):
		d.setPending(pg, true)
		return nil
	}
	if !pg.BOS() {
		d.nonBOS = true
	}
	if !seen && len(d.streams) < MaxOtherStreams {
		d.streams[pg.Serial] = true
		d.addOther(pg)
		if !pg.BOS() {
			d.problem(d.pageOffset, int64(pg.Sequence), "page of stream %08x, whose first page is missing: ignored", pg.Serial)
		}
	}
	return nil
}

// addOther lists the stream of pg, seen for the first time, as passed over.
func (d *Demuxer) addOther(pg *ogg.Page) {
	d.stats.OtherStreams++
	if len(d.otherList) >= MaxOtherStreams {
		return
	}
	o := OtherStream{Serial: pg.Serial, Link: d.link.Number, Codec: "unknown"}
	if pg.BOS() {
		o.Codec = codecName(pg.Body)
		if o.Codec == "Opus" && d.ra != nil {
			o.Note = fmt.Sprintf("multiplexed with Opus stream %08x, which is the one played", d.ra.Serial())
		}
	}
	d.otherList = append(d.otherList, o)
}

// codecName guesses the codec of a logical stream from its first packet.
func codecName(p []byte) string {
	for _, c := range []struct{ magic, name string }{
		{"\x01vorbis", "Vorbis"}, {"\x7fFLAC", "FLAC"}, {"Speex   ", "Speex"},
		{"\x80theora", "Theora"}, {"fishead\x00", "Skeleton"}, {HeadMagic, "Opus"},
	} {
		if bytes.HasPrefix(p, []byte(c.magic)) {
			return c.name
		}
	}
	return "an unknown codec"
}

// headLost reports whether pg, the first page seen of a stream after the
// link's end, begins the next link with its OpusHead page lost: its first
// packet is OpusTags. (With its OpusTags page lost too, nothing tells its
// pages from those of a stream multiplexed with the last link: they are
// passed over.)
func (d *Demuxer) headLost(pg *ogg.Page) bool {
	if pg.Continued() || len(pg.Lacing) == 0 || len(d.streams) >= MaxOtherStreams {
		return false
	}
	n := 0
	for _, v := range pg.Lacing {
		n += int(v)
		if v < ogg.MaxSegmentSize {
			break
		}
	}
	if n > len(pg.Body) {
		return false
	}
	return bytes.HasPrefix(pg.Body[:n], []byte(TagsMagic))
}

// begin starts the link whose first page is pending.
func (d *Demuxer) begin() error {
	pg := d.pending
	d.hasPending = false
	prev := d.link.Header
	first := d.ra == nil
	if first {
		d.ra = ogg.NewReassembler(pg.Serial)
	} else {
		d.ra.ResetTo(pg.Serial)
	}
	d.stats.Links++
	d.link = Link{Number: d.stats.Links, Serial: pg.Serial, Offset: d.pendingOff, Header: prev,
		StartGranule: -1, FinalGranule: -1}
	d.needTags, d.ended, d.nonBOS = true, false, d.headless
	d.haveEnd, d.started, d.lost = false, false, 0
	d.maxPacket = MaxTagsSize
	d.ra.MaxPacketSize = MaxTagsSize
	d.cut = false
	if d.headless {
		d.stats.BadHeaders++
		d.link.HeaderErr = fmt.Errorf("%w: link %d (stream %08x): its OpusHead page is lost; read on with link %d's header",
			ErrHeader, d.link.Number, pg.Serial, d.link.Number-1)
		d.problem(d.pendingOff, int64(pg.Sequence), "the OpusHead header is missing (its page was lost): read with link %d's header", d.link.Number-1)
		d.setStreams()
		return d.linkPage(&pg)
	}
	d.link.Pages++
	d.nextSeq = pg.Sequence + 1
	d.ended = pg.EOS()
	d.link.Ended = pg.EOS()
	if err := d.ra.PageIn(&pg); err != nil {
		return err
	}
	p, ok := d.ra.Packet()
	var h Header
	var err error
	if !ok {
		err = fmt.Errorf("%w: OpusHead does not end on its page", ErrHeader)
	} else {
		h, err = ParseHeader(p.Data)
	}
	if err != nil {
		if first {
			return err
		}
		// Read the link's audio on with the last link's header, the best
		// guess there is, after saying so.
		d.stats.BadHeaders++
		d.link.HeaderErr = fmt.Errorf("%w (link %d, stream %08x); read on with link %d's header",
			err, d.link.Number, pg.Serial, d.link.Number-1)
		d.problem(d.pendingOff, int64(pg.Sequence), "bad Opus header: %s", trimPrefix(err))
	} else {
		d.link.Header = h
	}
	d.setStreams()
	return nil
}

// setStreams takes the link's number of Opus streams from its header.
func (d *Demuxer) setStreams() {
	d.multi = d.link.Header.Streams()
}

func trimPrefix(err error) string {
	s := err.Error()
	if len(s) > 9 && s[:9] == "oggopus: " {
		return s[9:]
	}
	return s
}
