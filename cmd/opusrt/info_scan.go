package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// fileReport is what info finds in one file; it is also its JSON form.
// Durations in samples are 48 kHz samples per channel, as Ogg Opus granule
// positions count them.
type fileReport struct {
	File            string        `json:"file"`
	Bytes           int64         `json:"bytes"`
	DurationSeconds float64       `json:"duration_seconds"`
	PlaybackSamples int64         `json:"playback_samples"`
	PacketSamples   int64         `json:"packet_samples"`
	Packets         int           `json:"packets"`
	Pages           int           `json:"pages"`
	PayloadBytes    int64         `json:"payload_bytes"`
	Bitrate         bitrateReport `json:"bitrate"`
	FrameSizes      []frameCount  `json:"frame_sizes"`
	TOCCodes        [4]int        `json:"toc_codes"`
	Links           []*linkReport `json:"links"`
	OtherStreams    []otherStream `json:"other_streams,omitempty"`
	Problems        []problem     `json:"problems"`
	// Notes are facts worth knowing that are no damage, such as a link
	// with no audio.
	Notes []string `json:"notes,omitempty"`
}

// bitrateReport gives bit rates in kbit/s: over the whole playback length,
// with and without the container, and the lowest and highest of the payload
// over one-second windows of audio.
type bitrateReport struct {
	AverageKbps float64 `json:"average_kbps"`
	PayloadKbps float64 `json:"payload_kbps"`
	MinKbps     float64 `json:"min_kbps"`
	MaxKbps     float64 `json:"max_kbps"`
	Windows     int     `json:"windows"`
}

// frameCount counts the packets that last PacketMillis, made of
// FramesPerPacket frames of FrameMillis each.
type frameCount struct {
	PacketMillis    float64 `json:"packet_ms"`
	FrameMillis     float64 `json:"frame_ms"`
	FramesPerPacket int     `json:"frames_per_packet"`
	Packets         int     `json:"packets"`
}

// packetShape is a packet's length and its frames' length, in 48 kHz
// samples.
type packetShape struct{ samples, frameSamples int }

// linkReport describes one Opus logical stream: one link of a chain.
type linkReport struct {
	Serial          serialNumber `json:"serial"`
	Offset          int64        `json:"offset"`
	Channels        int          `json:"channels"`
	PreSkip         int          `json:"pre_skip"`
	InputRate       int          `json:"input_rate"`
	OutputGain      int          `json:"output_gain"`
	OutputGainDB    float64      `json:"output_gain_db"`
	MappingFamily   int          `json:"mapping_family"`
	Vendor          string       `json:"vendor"`
	Comments        []string     `json:"comments"`
	Pages           int          `json:"pages"`
	Packets         int          `json:"packets"`
	PayloadBytes    int64        `json:"payload_bytes"`
	PacketSamples   int64        `json:"packet_samples"`
	FinalGranule    int64        `json:"final_granule"`
	PlaybackSamples int64        `json:"playback_samples"`
	DurationSeconds float64      `json:"duration_seconds"`
	EOS             bool         `json:"eos"`
}

// otherStream is a logical stream that is not Opus, ignored.
type otherStream struct {
	Serial serialNumber `json:"serial"`
	Codec  string       `json:"codec"`
	// Note says why an Opus stream is ignored.
	Note string `json:"note,omitempty"`
}

// problem is one thing wrong with a file, and where: a byte offset, and the
// link and page sequence number when known (Link counts from 1; 0 means
// not in a known link).
type problem struct {
	Offset  int64  `json:"offset"`
	Link    int    `json:"link,omitempty"`
	Page    int64  `json:"page"`
	Message string `json:"message"`
}

// stream is the scanner's state for one logical stream.
type stream struct {
	serial  uint32
	ra      *ogg.Reassembler
	link    *linkReport // nil until known to be Opus, and for other codecs
	linkNum int
	other   bool
	group   int // which link of the physical stream it began in, from 1
	packets int // packets seen, headers included
	head    []byte
	offset  int64 // where the stream's first page is
	nextSeq uint32
	seen    bool
	granule int64 // last granule position seen, -1 before any
	start   int64 // granule where the link's audio starts (RFC 7845 §4.2), from its first audio granule
	started bool  // start is known
}

// countReader counts the bytes read through it.
type countReader struct {
	r    io.Reader
	n    int64
	head []byte // the first 4 bytes read
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if len(c.head) < 4 {
		c.head = append(c.head, p[:min(n, 4-len(c.head))]...)
	}
	c.n += int64(n)
	return n, err
}

// scan reads an Ogg Opus stream and reports what it holds and what is wrong
// with it. It fails only when the input is not Ogg Opus at all or cannot be
// read; damage is reported as problems.
func scan(name string, r io.Reader) (*fileReport, error) {
	cr := &countReader{r: r}
	pr := ogg.NewPageReader(cr)
	pr.SetSkipLimit(64 << 10)
	rep := &fileReport{File: name, Problems: []problem{}}
	streams := map[uint32]*stream{}
	var (
		pageBytes int64                   // bytes of the valid pages read
		position  int64                   // audio position in samples, across links
		windows   []int64                 // payload bytes per second of audio
		sizes     = map[packetShape]int{} // packets by length and frame size
		first     = true
		lastSt    *stream
		// The streams of one link all begin (BOS pages) before any other
		// page: a BOS page after other pages begins a new link of a
		// chain, one right after BOS pages is multiplexed with them.
		group     int
		lastBOS   bool
		groupOpus = map[int]*stream{} // the Opus stream played in each link
	)
	addProblem := func(off int64, st *stream, page int64, format string, args ...any) {
		p := problem{Offset: off, Page: page, Message: fmt.Sprintf(format, args...)}
		if st != nil {
			p.Link = st.linkNum
		}
		rep.Problems = append(rep.Problems, p)
	}
	// audio counts an audio packet of an Opus link.
	audio := func(st *stream, pkt ogg.Packet, offset int64, pg *ogg.Page) {
		p, err := opus.ParsePacket(pkt.Data)
		if err != nil {
			addProblem(offset, st, int64(pg.Sequence), "packet %d is not valid Opus: %v", st.link.Packets+1, err)
			return
		}
		n := p.Samples()
		st.link.Packets++
		st.link.PayloadBytes += int64(len(pkt.Data))
		st.link.PacketSamples += int64(n)
		rep.TOCCodes[p.TOC.Code()]++
		sizes[packetShape{n, p.TOC.FrameSamples()}]++
		w := int(position / opus.SampleRate)
		for len(windows) <= w {
			windows = append(windows, 0)
		}
		windows[w] += int64(len(pkt.Data))
		position += int64(n)
	}
	var (
		headerErr  error // a bad OpusHead or OpusTags
		firstBad   bool  // the first page had a bad CRC
		headerSeen bool  // an OpusHead was read
	)
	for {
		before := pr.Stats()
		pg, err := pr.ReadPage()
		after := pr.Stats()
		if first && err == io.ErrUnexpectedEOF && bytes.HasPrefix(cr.head, []byte("OggS")) {
			return nil, wrapf(io.ErrUnexpectedEOF, "%s: Ogg data truncated inside its first page (%d bytes)", name, cr.n)
		}
		if first && (errors.Is(err, ogg.ErrNoPage) || err == io.EOF || err == io.ErrUnexpectedEOF) {
			return nil, wrapf(opusrt.ErrNotOgg, "%s: not an Ogg file (no Ogg page in its first 64 KiB)", name)
		}
		if skipped := after.Skipped - before.Skipped; skipped > 0 && err == nil {
			what := "garbage between pages"
			if bad := after.BadPages - before.BadPages; bad > 0 {
				what = "a page with a bad CRC"
				if bad > 1 {
					what = fmt.Sprintf("%d pages with a bad CRC", bad)
				}
			}
			addProblem(pageBytes+before.Skipped, nil, -1, "%d bytes skipped: %s", skipped, what)
		}
		if err == io.EOF {
			break
		}
		if err == io.ErrUnexpectedEOF {
			addProblem(pageBytes+before.Skipped, lastSt, -1, "file truncated: it ends inside a page (%d bytes of it lost)", after.Skipped-before.Skipped)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if first {
			pr.SetSkipLimit(0)
			first = false
			firstBad = after.BadPages > 0
		}
		offset := pageBytes + after.Skipped
		pageBytes += int64(pg.Len())
		rep.Pages++

		st := streams[pg.Serial]
		if st == nil {
			if pg.BOS() && !lastBOS {
				group++
			}
			st = &stream{serial: pg.Serial, ra: ogg.NewReassembler(pg.Serial), granule: -1, group: group}
			streams[pg.Serial] = st
			if !pg.BOS() {
				st.other = true
				addProblem(offset, nil, int64(pg.Sequence), "page of stream %v, whose first page is missing: ignored", serialNumber(pg.Serial))
			}
		}
		lastSt = st
		lastBOS = pg.BOS()
		if st.seen && pg.Sequence != st.nextSeq && !st.other {
			if pg.Sequence > st.nextSeq {
				if n := pg.Sequence - st.nextSeq; n == 1 {
					addProblem(offset, st, int64(pg.Sequence), "page %d missing (sequence gap): audio lost", st.nextSeq)
				} else {
					addProblem(offset, st, int64(pg.Sequence), "%d pages missing, %d to %d (sequence gap): audio lost", n, st.nextSeq, pg.Sequence-1)
				}
			} else {
				addProblem(offset, st, int64(pg.Sequence), "page sequence goes back from %d to %d", st.nextSeq-1, pg.Sequence)
			}
		}
		st.seen = true
		st.nextSeq = pg.Sequence + 1
		if st.other {
			continue
		}
		if st.link != nil {
			st.link.Pages++
		}
		if err := st.ra.PageIn(&pg); err != nil {
			addProblem(offset, st, int64(pg.Sequence), "%v", err)
			continue
		}
		for {
			pkt, ok := st.ra.Packet()
			if !ok {
				break
			}
			st.packets++
			if pkt.Hole && st.link != nil && st.packets > 2 {
				// A sequence gap is reported above; a packet dropped
				// inside the stream only here.
				if len(rep.Problems) == 0 || rep.Problems[len(rep.Problems)-1].Offset != offset {
					addProblem(offset, st, int64(pg.Sequence), "data missing before this page's packets (a packet was cut or dropped)")
				}
			}
			switch {
			case st.packets == 1:
				if !bytes.HasPrefix(pkt.Data, []byte("OpusHead")) {
					st.other = true
					rep.OtherStreams = append(rep.OtherStreams, otherStream{Serial: serialNumber(st.serial), Codec: codecName(pkt.Data)})
					break
				}
				if played := groupOpus[st.group]; played != nil {
					// Players (and the library's OggReader) play the
					// first Opus stream of a link.
					st.other = true
					rep.OtherStreams = append(rep.OtherStreams, otherStream{Serial: serialNumber(st.serial), Codec: "Opus",
						Note: fmt.Sprintf("multiplexed with Opus stream %v, which is the one played", serialNumber(played.serial))})
					break
				}
				groupOpus[st.group] = st
				headerSeen = true
				st.head = bytes.Clone(pkt.Data)
				st.offset = offset
			case st.packets == 2:
				h, err := opusrt.ParseOpusHead(st.head)
				if err != nil {
					addProblem(st.offset, st, 0, "bad Opus header: %v", trimPrefix(err))
					headerErr = wrapf(err, "%s: %s", name, trimPrefix(err))
					st.other = true
					break
				}
				// As the library reads it: a packet after a hole that is
				// not OpusTags is audio, the OpusTags page lost.
				tagsLost := pkt.Hole && !bytes.HasPrefix(pkt.Data, []byte("OpusTags"))
				var t opusrt.OggTags
				if !tagsLost {
					if t, err = opusrt.ParseOpusTags(pkt.Data); err != nil {
						addProblem(offset, st, int64(pg.Sequence), "bad Opus header: %v", trimPrefix(err))
						headerErr = wrapf(err, "%s: %s", name, trimPrefix(err))
						st.other = true
						break
					}
				}
				l := &linkReport{
					Serial: serialNumber(st.serial), Offset: st.offset, Channels: h.Channels, PreSkip: h.PreSkip,
					InputRate: h.InputSampleRate, OutputGain: int(h.OutputGain),
					OutputGainDB: float64(h.OutputGain) / 256, MappingFamily: h.MappingFamily,
					Vendor: t.Vendor, Comments: t.Comments, FinalGranule: -1,
				}
				if l.Comments == nil {
					l.Comments = []string{}
				}
				// The header pages before this one.
				l.Pages = int(pg.Sequence) + 1
				st.link = l
				rep.Links = append(rep.Links, l)
				st.linkNum = len(rep.Links)
				if tagsLost {
					addProblem(offset, st, int64(pg.Sequence), "the OpusTags header is missing (its page was lost): no tags")
					audio(st, pkt, offset, &pg)
				}
			default:
				if st.link != nil {
					audio(st, pkt, offset, &pg)
				}
			}
		}
		if st.link != nil && pg.Granule >= 0 {
			if st.granule >= 0 && pg.Granule < st.granule {
				addProblem(offset, st, int64(pg.Sequence), "granule position goes back from %d to %d", st.granule, pg.Granule)
			}
			if !st.started && st.link.Packets > 0 {
				st.started = true
				// The first audio granule less the packets that end by it: a
				// stream may start at a position other than 0, as live
				// recordings and our own writer's files do.
				st.start = max(pg.Granule-st.link.PacketSamples, 0)
			}
			st.granule = pg.Granule
			st.link.FinalGranule = pg.Granule
		}
		if pg.EOS() && st.link != nil {
			st.link.EOS = true
		}
	}
	if len(rep.Links) == 0 {
		switch {
		case headerErr != nil:
			return nil, headerErr
		case headerSeen:
			return nil, wrapf(io.ErrUnexpectedEOF, "%s: Ogg Opus input ends inside its headers", name)
		case firstBad:
			return nil, wrapf(opusrt.ErrNotOpus, "%s: no Opus stream: the first page, where the OpusHead should be, has a bad CRC", name)
		case len(rep.OtherStreams) > 0:
			return nil, wrapf(opusrt.ErrNotOpus, "%s: not Opus: the Ogg file holds %s", name, rep.OtherStreams[0].Codec)
		}
		return nil, wrapf(opusrt.ErrNotOpus, "%s: no Opus stream found in the Ogg data", name)
	}
	rep.Bytes = cr.n

	// Links in file order; the map gave each its number already.
	for _, st := range streams {
		l := st.link
		if l == nil {
			continue
		}
		if st.ra.Partial() {
			addProblem(rep.Bytes, st, int64(st.nextSeq-1), "file truncated: the last packet is cut short")
		}
		if !l.EOS {
			addProblem(rep.Bytes, st, int64(st.nextSeq-1), "no end-of-stream page: the stream was cut short (normal for a live recording)")
		}
		switch {
		case l.Packets == 0:
			// An empty recording (headers only) is a valid stream.
			note := "empty stream (no audio packets)"
			if len(rep.Links) > 1 {
				note = fmt.Sprintf("link %d: %s", st.linkNum, note)
			}
			rep.Notes = append(rep.Notes, note)
		case l.FinalGranule < 0:
			l.PlaybackSamples = l.PacketSamples
		case l.FinalGranule-st.start < int64(l.PreSkip):
			addProblem(rep.Bytes, st, -1, "final granule position %d is less than the start %d plus the pre-skip %d", l.FinalGranule, st.start, l.PreSkip)
		default:
			// What players output, as opusinfo counts it: from the start
			// position, less the pre-skip.
			l.PlaybackSamples = l.FinalGranule - st.start - int64(l.PreSkip)
			if l.PlaybackSamples > l.PacketSamples && !hasLinkProblem(rep, st.linkNum) {
				addProblem(rep.Bytes, st, -1, "granule positions claim %d samples but the packets hold %d", l.PlaybackSamples, l.PacketSamples)
			}
		}
		l.DurationSeconds = float64(l.PlaybackSamples) / opus.SampleRate
	}
	for _, l := range rep.Links {
		rep.Packets += l.Packets
		rep.PayloadBytes += l.PayloadBytes
		rep.PacketSamples += l.PacketSamples
		rep.PlaybackSamples += l.PlaybackSamples
	}
	rep.DurationSeconds = float64(rep.PlaybackSamples) / opus.SampleRate
	if rep.DurationSeconds > 0 {
		rep.Bitrate.AverageKbps = float64(rep.Bytes) * 8 / 1000 / rep.DurationSeconds
		rep.Bitrate.PayloadKbps = float64(rep.PayloadBytes) * 8 / 1000 / rep.DurationSeconds
	}
	rep.Bitrate.MinKbps, rep.Bitrate.MaxKbps, rep.Bitrate.Windows = windowRates(windows, position)
	for s, n := range sizes {
		rep.FrameSizes = append(rep.FrameSizes, frameCount{
			PacketMillis: float64(s.samples) / 48, FrameMillis: float64(s.frameSamples) / 48,
			FramesPerPacket: s.samples / max(s.frameSamples, 1), Packets: n,
		})
	}
	sort.Slice(rep.FrameSizes, func(i, j int) bool {
		a, b := rep.FrameSizes[i], rep.FrameSizes[j]
		return a.PacketMillis < b.PacketMillis || a.PacketMillis == b.PacketMillis && a.FrameMillis < b.FrameMillis
	})
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Offset < rep.Problems[j].Offset })
	return rep, nil
}

func hasLinkProblem(rep *fileReport, link int) bool {
	for _, p := range rep.Problems {
		if p.Link == link || p.Link == 0 {
			return true
		}
	}
	return false
}

// windowRates returns the lowest and highest payload bit rate, in kbit/s,
// over the whole one-second windows of audio (the last, partial one only
// when there is no whole one), and how many windows there were.
func windowRates(windows []int64, samples int64) (lo, hi float64, n int) {
	whole := int(samples / opus.SampleRate)
	if whole == 0 && len(windows) > 0 {
		secs := float64(samples) / opus.SampleRate
		r := float64(windows[0]) * 8 / 1000 / secs
		return r, r, 1
	}
	for i := 0; i < whole && i < len(windows); i++ {
		r := float64(windows[i]) * 8 / 1000
		if n == 0 || r < lo {
			lo = r
		}
		if n == 0 || r > hi {
			hi = r
		}
		n++
	}
	return lo, hi, n
}

// wrapped is an error with a message of its own that wraps one of the
// library's sentinel errors, so callers can branch on it with errors.Is.
type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

// wrapf returns an error that reads as format says and wraps err.
func wrapf(err error, format string, args ...any) error {
	return wrapped{fmt.Sprintf(format, args...), err}
}

// codecName guesses the codec of a logical stream from its first packet.
func codecName(p []byte) string {
	for _, c := range []struct{ magic, name string }{
		{"\x01vorbis", "Vorbis"}, {"\x7fFLAC", "FLAC"}, {"Speex   ", "Speex"},
		{"\x80theora", "Theora"}, {"fishead\x00", "Skeleton"}, {"OpusHead", "Opus"},
	} {
		if bytes.HasPrefix(p, []byte(c.magic)) {
			return c.name
		}
	}
	return "an unknown codec"
}

func trimPrefix(err error) string {
	s := err.Error()
	if len(s) > 8 && s[:8] == "opusrt: " {
		return s[8:]
	}
	return s
}

// durationString formats seconds as opusinfo does, m:ss.mmm, with hours
// when there are any.
func durationString(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Truncate(time.Millisecond)
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := float64(d%time.Minute) / float64(time.Second)
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%06.3f", h, m, s)
	}
	return fmt.Sprintf("%d:%06.3f", m, s)
}
