package oggopus

import (
	"errors"
	"fmt"
	"io"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
)

// ErrNotSeekable reports a seek on a Demuxer whose input is no
// io.ReadSeeker, or one that cannot seek (a pipe).
var ErrNotSeekable = errors.New("oggopus: input cannot seek")

// PreRoll is the audio, in 48 kHz samples, that a decoder should decode
// before a seek target so that its output has converged there (RFC 7845
// §4.6): 80 ms.
const PreRoll = 3840

// seekScan is the span of input, in bytes, below which a seek stops
// bisecting and reads the pages in order.
const seekScan = 64 << 10

// SeekSamples moves to playback position pos of the current link, in
// 48 kHz samples from the first sample a player outputs (the pre-skip is
// not counted), as opusfile's op_pcm_seek does: it bisects the link's
// bytes on the granule positions of its pages, then reads on to the page
// where the packets needed begin. The next Packet is the one that holds
// the sample PreRoll before pos (or the link's first packet, near its
// start), so that a decoder converges before pos; SeekSamples returns how
// many samples to drop from the decoded output, counting from the start
// of that packet, to reach pos: the pre-roll, the part of the packet
// before it, and near the start the pre-skip.
//
// pos counts from the start of the current link; past the link's end
// (its playback length) it goes on into the links after it, a chain's
// samples end to end as op_pcm_seek counts them, so that from the first
// link pos is a position in the whole stream: the Demuxer then reads that
// link (NextLink is done; Link tells which). Past the end of the input,
// Packet then returns io.EOF.
//
// Seeking reads a few chunks of the input (about log2(link bytes/64 KiB)
// of them, then 64 KiB at most in order, and as many again per link
// passed over to find where it ends), not the link. It needs an input
// that can seek (ErrNotSeekable otherwise). The link's counts (Packets,
// Pages) count what was read, seeks included.
func (d *Demuxer) SeekSamples(pos int64) (discard int64, err error) {
	if d.rs == nil {
		return 0, ErrNotSeekable
	}
	if d.ra == nil {
		return 0, fmt.Errorf("oggopus: seek before the first link")
	}
	end, err := d.rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("oggopus: seeking: %w", err)
	}
	size := end - d.origin
	pos = max(pos, 0)
	for {
		if err := d.ensureStarted(); err != nil {
			return 0, err
		}
		serial, last, err := d.LastGranule()
		if err != nil {
			return d.seekInLink(pos, size)
		}
		if serial == d.ra.Serial() {
			// The last link: past its end is the end of the input.
			l := &d.link
			if pos >= max(last-max(l.StartGranule, 0)-int64(l.Header.PreSkip), 0) {
				return 0, d.reposition(size)
			}
			return d.seekInLink(pos, size)
		}
		bound, final, ok, err := d.linkEnd(size)
		if err != nil {
			return 0, err
		}
		if !ok {
			return d.seekInLink(pos, size)
		}
		l := &d.link
		n := max(final-max(l.StartGranule, 0)-int64(l.Header.PreSkip), 0)
		if pos < n {
			return d.seekInLink(pos, bound)
		}
		// Past this link: on into the next, as op_pcm_seek counts a
		// chain's samples end to end.
		pos -= n
		if err := d.reposition(bound); err != nil {
			return 0, err
		}
		if l, err := d.NextLink(); l == nil {
			if err == io.EOF {
				return 0, nil
			}
			return 0, err
		}
	}
}

// seekInLink is SeekSamples within the link being read, whose pages lie
// before offset limit.
func (d *Demuxer) seekInLink(pos, limit int64) (discard int64, err error) {
	l := &d.link
	start := max(l.StartGranule, 0)
	target := addSamples(start, addSamples(int64(l.Header.PreSkip), pos))
	from := target - PreRoll
	off := d.audioOff
	atStart := from <= start
	if !atStart {
		if off, atStart, err = d.bisect(d.audioOff, limit, from); err != nil {
			return 0, err
		}
	}
	if err := d.reposition(off); err != nil {
		return 0, err
	}
	if atStart {
		d.end, d.haveEnd = start, true
		from = max(from, start)
	}
	s0, ok := d.skipTo(from)
	if !ok {
		return 0, nil
	}
	return max(target-s0, 0), nil
}

// linkEnd finds where the link being read ends in the input: the offset
// of the first page of the next link (bound), and the last granule
// position of the link's stream (final), by bisection on serial numbers
// as opusfile finds a chain's links. ok is false when no next link is
// found before size.
func (d *Demuxer) linkEnd(size int64) (bound, final int64, ok bool, err error) {
	serial := d.ra.Serial()
	lo, hi := d.audioOff, size
	for hi-lo > seekScan {
		mid := lo + (hi-lo)/2
		off, ours, err := d.probeLink(mid, hi, serial)
		if err != nil {
			return 0, 0, false, err
		}
		if ours {
			lo = off
		} else {
			hi = mid
		}
	}
	if _, err := d.rs.Seek(d.origin+lo, io.SeekStart); err != nil {
		return 0, 0, false, fmt.Errorf("oggopus: seeking: %w", err)
	}
	pr := ogg.NewPageReader(io.LimitReader(d.rs, hi-lo+2*ogg.MaxPageSize))
	var read int64
	final = -1
	for {
		pg, err := pr.ReadPage()
		if err != nil {
			return 0, 0, false, nil
		}
		po := lo + read + pr.Stats().Skipped
		read += int64(pg.Len())
		switch {
		case pg.Serial == serial && !pg.BOS():
			if pg.Granule >= 0 {
				final = pg.Granule
			}
		case pg.BOS() && final >= 0:
			return po, final, true, nil
		}
	}
}

// probeLink reads the pages from offset at on (up to limit) and returns
// the first that is of the stream (ours) or begins a stream: whether the
// link goes on past at.
func (d *Demuxer) probeLink(at, limit int64, serial uint32) (off int64, ours bool, err error) {
	if _, err := d.rs.Seek(d.origin+at, io.SeekStart); err != nil {
		return 0, false, fmt.Errorf("oggopus: seeking: %w", err)
	}
	pr := ogg.NewPageReader(io.LimitReader(d.rs, limit-at+ogg.MaxPageSize))
	var read int64
	for {
		pg, err := pr.ReadPage()
		if err != nil {
			return 0, false, nil
		}
		po := at + read + pr.Stats().Skipped
		read += int64(pg.Len())
		switch {
		case po >= limit:
			return 0, false, nil
		case pg.Serial == serial && !pg.BOS():
			return po, true, nil
		case pg.BOS():
			return po, false, nil
		}
	}
}

// ensureStarted reads on, queueing the packets, until the link's start
// granule is known.
func (d *Demuxer) ensureStarted() error {
	for !d.started && !d.hasPending && d.err == nil {
		if err := d.step(); err != nil {
			d.err = err
		}
	}
	if !d.started {
		return fmt.Errorf("oggopus: seek in a link with no audio page with a position")
	}
	return nil
}

// bisect finds, in the input span [lo, hi) where the link's audio pages
// lie, the last page of the link whose granule position is below from,
// and returns its offset; atStart when there is none (from lies on the
// first audio page).
func (d *Demuxer) bisect(lo, hi, from int64) (int64, bool, error) {
	serial := d.ra.Serial()
	first := lo
	for hi-lo > seekScan {
		mid := lo + (hi-lo)/2
		off, g, found, err := d.probe(mid, hi, serial, false, from)
		if err != nil {
			return 0, false, err
		}
		switch {
		case !found || g >= from:
			hi = mid
		default:
			lo = off
		}
	}
	off, _, found, err := d.probe(lo, hi+ogg.MaxPageSize, serial, true, from)
	if err != nil {
		return 0, false, err
	}
	if !found {
		return first, true, nil
	}
	return off, false, nil
}

// probe reads the pages from offset at on (up to limit). Not scanning,
// it returns the first page of the stream with a granule position; else
// the last page with a granule position below from before the first at or
// above it.
func (d *Demuxer) probe(at, limit int64, serial uint32, scan bool, from int64) (off, granule int64, found bool, err error) {
	if _, err := d.rs.Seek(d.origin+at, io.SeekStart); err != nil {
		return 0, 0, false, fmt.Errorf("oggopus: seeking: %w", err)
	}
	pr := ogg.NewPageReader(io.LimitReader(d.rs, limit-at+ogg.MaxPageSize))
	var read int64
	for {
		pg, err := pr.ReadPage()
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return off, granule, found, nil
			}
			return 0, 0, false, fmt.Errorf("oggopus: %w", err)
		}
		po := at + read + pr.Stats().Skipped
		read += int64(pg.Len())
		if po >= limit {
			return off, granule, found, nil
		}
		if pg.Serial != serial || pg.Granule < 0 {
			if pg.Serial != serial && pg.BOS() && po > d.audioOff {
				// The next link: the link ends before it.
				return off, granule, found, nil
			}
			continue
		}
		if !scan {
			return po, pg.Granule, true, nil
		}
		if pg.Granule >= from {
			return off, granule, found, nil
		}
		off, granule, found = po, pg.Granule, true
	}
}

// reposition makes the Demuxer read the link on from offset off.
func (d *Demuxer) reposition(off int64) error {
	if _, err := d.rs.Seek(d.origin+off, io.SeekStart); err != nil {
		return fmt.Errorf("oggopus: seeking: %w", err)
	}
	ps := d.pr.Stats()
	d.prev.Pages += ps.Pages
	d.prev.BadPages += ps.BadPages
	d.prev.Skipped += ps.Skipped
	d.pr = ogg.NewPageReader(d.rs)
	d.base, d.prBytes = off, 0
	d.ra.Reset()
	d.qn, d.qi = 0, 0
	d.hasPending, d.needTags = false, false
	d.err, d.cut, d.unexpected, d.errSaid = nil, false, false, false
	d.ended, d.nonBOS = false, true
	d.haveEnd = false
	d.seekMark, d.seekAfter = d.ra.Stats(), true
	return nil
}

// skipTo passes over the packets that end at or before granule position
// from, and returns where the next one starts; false when the link ends
// first.
func (d *Demuxer) skipTo(from int64) (int64, bool) {
	for {
		for d.qi >= d.qn {
			d.qn, d.qi = 0, 0
			if d.hasPending || d.err != nil {
				return 0, false
			}
			if err := d.step(); err != nil {
				d.err = err
			}
		}
		it := &d.q[d.qi]
		if it.granule >= 0 && it.granule <= from {
			d.qi++
			continue
		}
		if it.granule < 0 {
			return from, true
		}
		return it.granule - int64(it.samples), true
	}
}

// LastGranule returns the granule position of the last page of the input
// that has one, and the serial number of its stream, reading the input
// backwards from its end in chunks of 64 KiB (a playback length without
// reading the whole stream, as opusfile finds it). The Demuxer then reads
// on where it was. It needs an input that can seek (ErrNotSeekable
// otherwise). The input is taken not to change: the answer is read once.
func (d *Demuxer) LastGranule() (serial uint32, granule int64, err error) {
	if d.rs == nil {
		return 0, 0, ErrNotSeekable
	}
	if d.lastKnown {
		return d.lastSerial, d.lastGranule, nil
	}
	cur, err := d.rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, 0, fmt.Errorf("oggopus: seeking: %w", err)
	}
	defer d.rs.Seek(cur, io.SeekStart)
	end, err := d.rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, 0, fmt.Errorf("oggopus: seeking: %w", err)
	}
	for hi := end; hi > d.origin; {
		lo := max(hi-seekScan, d.origin)
		if _, err := d.rs.Seek(lo, io.SeekStart); err != nil {
			return 0, 0, fmt.Errorf("oggopus: seeking: %w", err)
		}
		pr := ogg.NewPageReader(io.LimitReader(d.rs, end-lo))
		found := false
		var read int64
		for {
			pg, err := pr.ReadPage()
			if err != nil {
				break
			}
			po := lo + read + pr.Stats().Skipped
			read += int64(pg.Len())
			if po >= hi {
				break // seen from the chunk after
			}
			if pg.Granule >= 0 {
				serial, granule, found = pg.Serial, pg.Granule, true
			}
		}
		if found {
			d.lastSerial, d.lastGranule, d.lastKnown = serial, granule, true
			return serial, granule, nil
		}
		hi = lo
	}
	return 0, 0, fmt.Errorf("%w: no page with a granule position", ErrNotOpus)
}

// PlaybackSamples returns the playback length of the current link in
// 48 kHz samples (Link.PlaybackSamples) without reading it through: from
// the granule position of the input's last page (LastGranule). It needs an
// input that can seek, and works for the last link of the input (a file
// of one link): for an earlier link of a chain the length is only known
// once the link is read.
func (d *Demuxer) PlaybackSamples() (int64, error) {
	if d.ra == nil {
		return 0, fmt.Errorf("oggopus: no link")
	}
	serial, granule, err := d.LastGranule()
	if err != nil {
		return 0, err
	}
	if serial != d.ra.Serial() {
		return 0, fmt.Errorf("oggopus: the last page is of stream %08x, not of this link's %08x (a chain): its length is known once it is read", serial, d.ra.Serial())
	}
	if err := d.ensureStarted(); err != nil {
		return 0, err
	}
	return max(granule-max(d.link.StartGranule, 0)-int64(d.link.Header.PreSkip), 0), nil
}
