package main

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// What info keeps of a file is bounded whatever the file: the Demuxer's
// own bounds (one link and its packet in progress, 64 other streams), and
// these lists, past which it counts without describing.
const (
	// maxListedLinks is the most links of a chain described one by one.
	maxListedLinks = 1000
	// maxListedProblems is the most problems described one by one.
	maxListedProblems = 1000
	// maxListedTagBytes is the most bytes of tags (vendor and comments)
	// kept over all the links described; later links list no comments.
	maxListedTagBytes = 1 << 20
)

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scanner is what scan keeps while it reads: the report, and the
// accounting of the link being read.
type scanner struct {
	rep      *fileReport
	audio    audioStats
	tagBytes int
	// The granule position of the file's last page and its stream, when
	// the file can seek (lastSerial is then set).
	lastSerial  uint32
	lastGranule int64
}

// scan reads an Ogg Opus stream through the library's demuxer
// (oggopus.Demuxer, which the OggReader also reads with) and reports what
// it holds and what is wrong with it. It fails only when the input is not
// Ogg Opus at all or cannot be read; damage is reported as problems.
func scan(name string, r io.Reader) (*fileReport, error) {
	cr := &countReader{r: r}
	src := io.Reader(cr)
	if rs, ok := r.(io.ReadSeeker); ok {
		if _, err := rs.Seek(0, io.SeekCurrent); err == nil {
			src = &countSeeker{countReader: cr, rs: rs}
		}
	}
	d := oggopus.NewDemuxer(src)
	s := &scanner{rep: &fileReport{File: name, Problems: []problem{}, Links: []*linkReport{}}}
	s.audio.init()
	d.Problem = s.addProblem
	l, err := d.NextLink()
	if err != nil {
		return nil, wrapf(err, "%s: %s", name, trimPrefix(err))
	}
	if cs, ok := src.(*countSeeker); ok {
		// The file's end, read first: where the granule positions say
		// the audio ends, whatever lies between.
		if serial, g, err := d.LastGranule(); err == nil {
			s.lastSerial, s.lastGranule = serial, g
			s.rep.LastPageGranule = &s.lastGranule
		}
		cur, _ := cs.rs.Seek(0, io.SeekCurrent)
		cs.size, _ = cs.rs.Seek(0, io.SeekEnd)
		cs.rs.Seek(cur, io.SeekStart)
	}
	for l != nil {
		lr := s.beginLink(l)
		if err := s.readLink(d, lr); err != nil {
			return nil, wrapf(err, "%s: %s", name, trimPrefix(err))
		}
		s.endLink(lr, d.Link())
		l, err = d.NextLink()
		if l == nil && err != io.EOF {
			return nil, wrapf(err, "%s: %s", name, trimPrefix(err))
		}
		// A damaged header of a later link (err wrapping ErrHeader) is a
		// problem the Demuxer reported; its audio is read on.
	}
	size := cr.n
	if cs, ok := src.(*countSeeker); ok {
		size = cs.size
	}
	s.finish(d, size)
	return s.rep, nil
}

// countSeeker is a countReader that can seek: the Demuxer then reads the
// file's last page first, and what is read twice is not counted as its
// size.
type countSeeker struct {
	*countReader
	rs   io.ReadSeeker
	size int64
}

func (c *countSeeker) Seek(off int64, whence int) (int64, error) { return c.rs.Seek(off, whence) }

// addProblem lists a problem the Demuxer found, up to maxListedProblems.
func (s *scanner) addProblem(p oggopus.Problem) {
	if len(s.rep.Problems) >= maxListedProblems {
		s.rep.ProblemsNotListed++
		return
	}
	s.rep.Problems = append(s.rep.Problems, problem{Offset: p.Offset, Link: p.Link, Page: p.Page, Message: p.Message})
}

// beginLink describes a link as it begins (nil past maxListedLinks).
func (s *scanner) beginLink(l *oggopus.Link) *linkReport {
	s.rep.linkCount++
	if len(s.rep.Links) >= maxListedLinks {
		s.rep.LinksNotListed++
		return nil
	}
	h := &l.Header
	lr := &linkReport{
		Serial: serialNumber(l.Serial), Offset: l.Offset, Channels: h.Channels, PreSkip: h.PreSkip,
		InputRate: h.InputSampleRate, OutputGain: int(h.OutputGain),
		OutputGainDB: float64(h.OutputGain) / 256, MappingFamily: h.MappingFamily,
		Comments: []string{}, FinalGranule: -1,
	}
	if n := len(l.Tags.Vendor); s.tagBytes+n <= maxListedTagBytes {
		lr.Vendor = l.Tags.Vendor
		s.tagBytes += n
	}
	for _, c := range l.Tags.Comments {
		if s.tagBytes+len(c) > maxListedTagBytes {
			break
		}
		lr.Comments = append(lr.Comments, c)
		s.tagBytes += len(c)
	}
	s.rep.Links = append(s.rep.Links, lr)
	return lr
}

// readLink counts the audio packets of the link being read.
func (s *scanner) readLink(d *oggopus.Demuxer, lr *linkReport) error {
	for {
		p, err := d.Packet()
		switch {
		case err == io.EOF:
			return nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			continue // truncation: a problem the Demuxer reported
		case err != nil:
			return err
		case p.Err != nil:
			continue // not valid Opus: a problem the Demuxer reported
		}
		s.audio.add(p.Data)
		if lr != nil {
			lr.Packets++
			lr.PayloadBytes += int64(len(p.Data))
			lr.PacketSamples += int64(p.Samples)
		}
		s.rep.Packets++
		s.rep.PayloadBytes += int64(len(p.Data))
		s.rep.PacketSamples += int64(p.Samples)
	}
}

// endLink completes a link's description once it has been read, and
// checks its positions.
func (s *scanner) endLink(lr *linkReport, l *oggopus.Link) {
	rep := s.rep
	playback := l.PlaybackSamples()
	switch {
	case l.Packets == 0:
		// An empty recording (headers only) is a valid stream.
		note := "empty stream (no audio packets)"
		if rep.linkCount > 1 {
			note = fmt.Sprintf("link %d: %s", l.Number, note)
		}
		if len(rep.Notes) < maxListedProblems {
			rep.Notes = append(rep.Notes, note)
		}
	case l.FinalGranule >= 0 && l.FinalGranule-l.StartGranule < int64(l.Header.PreSkip):
		s.problem(l, "final granule position %d is less than the start %d plus the pre-skip %d", l.FinalGranule, l.StartGranule, l.Header.PreSkip)
	case playback > l.PacketSamples && !s.hasLinkProblem(l.Number):
		s.problem(l, "granule positions claim %d samples but the packets hold %d", playback, l.PacketSamples)
	}
	if !l.Ended {
		s.problem(l, "no end-of-stream page: the stream was cut short (normal for a live recording)")
	}
	if rep.LastPageGranule != nil && l.Serial == s.lastSerial && l.Ended && l.FinalGranule != s.lastGranule {
		s.problem(l, "the file's last page has granule position %d, the stream's end page %d", s.lastGranule, l.FinalGranule)
	}
	rep.PlaybackSamples = min(rep.PlaybackSamples, 1<<63-1-playback) + playback // saturating
	if lr == nil {
		return
	}
	lr.Pages = int(l.Pages)
	lr.FinalGranule = l.FinalGranule
	lr.EOS = l.Ended
	lr.PlaybackSamples = playback
	lr.DurationSeconds = float64(playback) / 48000
}

// problem lists a problem found at the end of link l.
func (s *scanner) problem(l *oggopus.Link, format string, args ...any) {
	s.addProblem(oggopus.Problem{Offset: -1, Link: l.Number, Page: -1, Message: fmt.Sprintf(format, args...)})
}

func (s *scanner) hasLinkProblem(link int) bool {
	for _, p := range s.rep.Problems {
		if p.Link == link || p.Link == 0 {
			return true
		}
	}
	return false
}

// finish works out the file's totals once every link has been read.
func (s *scanner) finish(d *oggopus.Demuxer, size int64) {
	rep := s.rep
	rep.Bytes = size
	rep.Pages = int(d.Stats().Pages)
	for i := range rep.Problems {
		if rep.Problems[i].Offset < 0 {
			rep.Problems[i].Offset = size // found at the end
		}
	}
	for _, o := range d.OtherStreams() {
		if o.Codec == "unknown" {
			continue // a page whose stream's first page is missing: a problem
		}
		rep.OtherStreams = append(rep.OtherStreams, otherStream{Serial: serialNumber(o.Serial), Codec: o.Codec, Note: o.Note})
	}
	rep.DurationSeconds = float64(rep.PlaybackSamples) / 48000
	if rep.DurationSeconds > 0 {
		rep.Bitrate.AverageKbps = float64(rep.Bytes) * 8 / 1000 / rep.DurationSeconds
		rep.Bitrate.PayloadKbps = float64(rep.PayloadBytes) * 8 / 1000 / rep.DurationSeconds
	}
	rep.Bitrate.MinKbps, rep.Bitrate.MaxKbps, rep.Bitrate.Windows = s.audio.rates()
	rep.FrameSizes, rep.TOCCodes = s.audio.histogram()
	sort.SliceStable(rep.Problems, func(i, j int) bool { return rep.Problems[i].Offset < rep.Problems[j].Offset })
}
