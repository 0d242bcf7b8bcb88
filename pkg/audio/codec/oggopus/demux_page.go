package oggopus

import (
	"bytes"
	"errors"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// linkPage takes a page of the link's stream: its OpusTags, if the link
// still needs it, and its audio packets, timed.
func (d *Demuxer) linkPage(pg *ogg.Page) error {
	l := &d.link
	if !pg.BOS() {
		d.nonBOS = true
	}
	seq := int64(pg.Sequence)
	gap := false
	if l.Pages > 0 && pg.Sequence != d.nextSeq {
		switch n := pg.Sequence - d.nextSeq; {
		case n == 1:
			d.problem(d.pageOffset, seq, "page %d missing (sequence gap): audio lost", d.nextSeq)
			gap = true
		case n < 1<<31:
			d.problem(d.pageOffset, seq, "%d pages missing, %d to %d (sequence gap): audio lost", n, d.nextSeq, pg.Sequence-1)
			gap = true
		case d.nextSeq-pg.Sequence > 64:
			d.problem(d.pageOffset, seq, "page sequence goes back from %d to %d", d.nextSeq-1, pg.Sequence)
		}
	}
	if err := d.ra.PageIn(pg); err != nil {
		if errors.Is(err, ogg.ErrRepeated) {
			d.problem(d.pageOffset, seq, "page %d repeated: skipped", pg.Sequence)
		} else {
			d.problem(d.pageOffset, seq, "%s", err)
		}
		return nil
	}
	l.Pages++
	d.nextSeq = pg.Sequence + 1
	if pg.EOS() {
		d.ended, l.Ended = true, true
	}
	start := d.qn
	timed := false
	if !d.needTags && !d.noSplit && d.maxPacket >= ogg.MaxBodySize {
		timed = d.split(pg, seq, gap)
	} else if err := d.packets(pg, seq, gap); err != nil {
		return err
	}
	d.qOffset, d.qPage = d.pageOffset, pg.Sequence
	if timed {
		d.end = pg.Granule
	} else if q := d.q[start:d.qn]; len(q) > 0 {
		d.time(q, pg)
	}
	if d.seekAfter {
		// The page a seek started on: what it cut is no damage.
		d.seekAfter = false
		rs := d.ra.Stats()
		d.seekDrops.Dropped += rs.Dropped - d.seekMark.Dropped
		d.seekDrops.Holes += rs.Holes - d.seekMark.Holes
	}
	if pg.Granule >= 0 && (start < d.qn || l.FinalGranule >= 0) {
		if l.FinalGranule >= 0 && pg.Granule < l.FinalGranule {
			d.problem(d.pageOffset, seq, "granule position goes back from %d to %d", l.FinalGranule, pg.Granule)
		}
		l.FinalGranule = pg.Granule
	}
	return nil
}

// time sets where each packet of q, the audio packets completed on page
// pg, ends on the granule timeline, and the loss before each that follows
// a hole. The page's granule position is the end of its last packet;
// without one (−1), the packets count on from the end of the last one.
func (d *Demuxer) time(q []qitem, pg *ogg.Page) {
	if pg.Granule >= 0 && d.started && !pg.EOS() && !anyHole(q) {
		// The common page: the packets end where the ones after them
		// begin, the last at the page's position; nothing lost.
		e := pg.Granule
		for i := len(q) - 1; i >= 0; i-- {
			q[i].granule = e
			e -= int64(q[i].samples)
		}
		d.end, d.haveEnd = pg.Granule, true
		return
	}
	l := &d.link
	total := int64(0)
	for i := range q {
		total += int64(q[i].samples)
	}
	granule := pg.Granule
	if granule < 0 && pg.Granule != -1 {
		granule = -1 // a negative position other than −1 means nothing
	}
	switch {
	case granule >= 0 && pg.EOS() && d.haveEnd && granule >= d.end &&
		addSamples(d.end, total) > granule && !anyHole(q):
		// The last page trims its end (RFC 7845 §4.4): its packets count
		// on from the end of the one before, the position cutting the
		// last of them; counted back from it, every packet would sit the
		// trim too early.
		e := d.end
		for i := range q {
			e = addSamples(e, int64(q[i].samples))
			q[i].granule = min(e, granule)
		}
	case granule >= 0:
		e := granule
		for i := len(q) - 1; i >= 0; i-- {
			q[i].granule = e
			e -= int64(q[i].samples)
		}
	case d.haveEnd:
		e := d.end
		for i := range q {
			e = addSamples(e, int64(q[i].samples))
			q[i].granule = e
		}
	default:
		for i := range q {
			q[i].granule = -1
		}
	}
	if !d.started && granule >= 0 {
		// The link's first audio page with a position: the audio starts
		// where its packets, and those before it, began (RFC 7845 §4.2).
		d.started = true
		l.StartGranule = max(granule-l.PacketSamples, 0)
		if !d.haveEnd && granule-total < 0 {
			// The first page is also the last and trims its end; or the
			// position is bogus: count from 0.
			d.end, d.haveEnd = 0, true
			e := int64(0)
			for i := range q {
				e += int64(q[i].samples)
				q[i].granule = min(e, granule)
			}
		}
	}
	endBefore, haveBefore := d.end, d.haveEnd
	lostHere := int64(0)
	for i := range q {
		p := &q[i]
		if p.hole && d.haveEnd && p.granule >= 0 {
			if gap := p.granule - int64(p.samples) - d.end; gap > MaxGap {
				p.disc = true
				d.stats.Discontinuities++
			} else if gap > 0 {
				if pg.EOS() && p.end > p.off {
					// The last page's position is lowered by the end
					// trimming, which would shorten the gap: what was lost
					// is whole frames.
					if unit := int64(opus.TOC(d.slab[p.off]).FrameSamples()); unit > 0 {
						gap = (gap + unit - 1) / unit * unit
					}
				}
				p.lost = gap
				lostHere += gap
			}
		}
		if p.granule >= 0 {
			d.end, d.haveEnd = p.granule, true
		}
	}
	d.lost += lostHere
	if pg.EOS() && granule >= 0 {
		// End trimming: what the page's packets hold past the final
		// position, at most all of them (a bogus position trims no more).
		if !haveBefore {
			endBefore = 0
		}
		l.EndTrim = min(max(addSamples(endBefore, lostHere+total)-granule, 0), total)
	}
}

// anyHole reports whether a packet of q follows a hole.
func anyHole(q []qitem) bool {
	for i := range q {
		if q[i].hole {
			return true
		}
	}
	return false
}

// addSamples adds two counts of samples, saturating at the largest.
func addSamples(a, b int64) int64 {
	if b > 0 && a > 1<<63-1-b {
		return 1<<63 - 1
	}
	return a + b
}

// packets takes the packets completed on pg one at a time from the
// Reassembler: its OpusTags, if the link still needs it, and audio
// packets, each copied into the slab. split does the same faster for a
// page of audio alone.
func (d *Demuxer) packets(pg *ogg.Page, seq int64, holeSaid bool) error {
	l := &d.link
	for p, ok := d.ra.Packet(); ok; p, ok = d.ra.Packet() {
		if p.Hole && !holeSaid && !d.needTags {
			d.problem(d.pageOffset, seq, "data missing before this page's packets (a packet was cut or dropped)")
			holeSaid = true
		}
		if d.needTags {
			d.needTags = false
			d.maxPacket = l.Header.MaxPacketSize()
			d.ra.MaxPacketSize = d.maxPacket
			if bytes.HasPrefix(p.Data, []byte(TagsMagic)) {
				t, err := ParseTags(p.Data)
				if err != nil {
					d.stats.BadHeaders++
					d.problem(d.pageOffset, seq, "bad Opus header: %s", trimPrefix(err))
					if l.Number == 1 {
						return err // as opusfile, which fails to open such a file
					}
					if l.HeaderErr == nil {
						l.HeaderErr = err
					}
					l.TagsLost = true
				}
				l.Tags = t
				d.audioOff = d.pageOffset + int64(pg.Len())
				continue
			}
			// The OpusTags page was lost, or the stream has none: this is
			// audio, read on without tags.
			l.TagsLost = true
			d.stats.BadHeaders++
			d.audioOff = d.pageOffset
			d.problem(d.pageOffset, seq, "the OpusTags header is missing (its page was lost): no tags")
		}
		d.audioPacket(p, seq)
	}
	return nil
}
