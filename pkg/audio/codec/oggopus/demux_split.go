package oggopus

import (
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// slabSize is the size of the chunks a Demuxer copies packets into.
const slabSize = 64 << 10

// split queues the audio packets completed on pg, a page of the link's
// stream read once its headers are: their bytes copied into the slab in
// one piece, then split by the lacing values, each packet's length and
// validity read from its TOC byte in the common case (one Opus stream, one
// frame). Only the first packet is taken from the Reassembler, for where
// it starts (it may have been joined across pages, or follow the dropped
// rest of one) and whether a hole precedes it: no later packet of the page
// can be dropped (the link's packet limit exceeds a page) or follow a
// hole. It does what packets does, packet for packet, and reports
// whether it timed the packets too (what time does; otherwise the
// granules it set are only a guess, which time replaces).
func (d *Demuxer) split(pg *ogg.Page, seq int64, holeSaid bool) (timed bool) {
	p0, ok := d.ra.Packet()
	if !ok {
		return false // no packet ends on the page
	}
	lacing, body := pg.Lacing, pg.Body
	// The packets are the runs of lacing values up to one below 255. The
	// first packet is the page's first run or, on a page that continues a
	// packet the Reassembler did not join (its start was lost), the
	// second; bstart is where its run starts and from where it ends.
	i, bstart, from := 0, 0, 0
	runs := 1
	if pg.Continued() && p0.Offset >= 0 {
		runs = 2
	}
	for ; i < len(lacing) && runs > 0; i++ {
		from += int(lacing[i])
		if lacing[i] < ogg.MaxSegmentSize {
			if runs--; runs > 0 {
				bstart = from
			}
		}
	}
	joined := p0.Offset < 0
	if from > len(body) || !joined && (p0.Offset != bstart || p0.Offset+len(p0.Data) != from) {
		// Lacing values that do not describe the body, or another page
		// than the Reassembler's: never so on a page read, but the
		// Reassembler's packets are right whatever the page.
		d.takeRest(p0, pg, seq, holeSaid)
		return false
	}
	if joined {
		bstart = from // only the joined packet's tail is in the body
	}
	// The body up to the end of its last packet (what follows goes on in
	// the next page, which the Reassembler keeps).
	last := len(body)
	for k := len(lacing) - 1; k >= i && lacing[k] == ogg.MaxSegmentSize; k-- {
		last -= ogg.MaxSegmentSize
	}
	last = max(last, from)
	n := last - bstart
	if joined {
		n += len(p0.Data)
	}
	d.reserve(n)
	if need := d.qn + len(lacing) + 1; need > len(d.q) {
		d.q = append(d.q[:d.qn], make([]qitem, max(need, 2*len(d.q))-d.qn)...)
	}
	// The slab holds the joined packet, if any, then body[bstart:last].
	at := d.used
	if joined {
		at += copy(d.slab[at:], p0.Data)
	}
	delta := at - bstart // a body offset plus delta is a slab offset
	d.used = at + copy(d.slab[at:], body[bstart:last])

	l := &d.link
	if p0.Hole && !holeSaid {
		d.problem(d.pageOffset, seq, "data missing before this page's packets (a packet was cut or dropped)")
	}
	q := d.q[d.qn:]
	off0 := d.used - n
	q[0] = qitem{off: uint32(off0), end: uint32(off0 + len(p0.Data)), granule: -1, hole: p0.Hole}
	total := int64(0)
	k := 0
	for s, e := from, from; ; {
		it := &q[k]
		p := d.slab[it.off:it.end]
		if len(p) >= 1 && len(p) <= 1+opus.MaxFrameSize && p[0]&3 == 0 && d.multi <= 1 {
			// One frame: valid (as opus.Validate checks it first), its
			// length its TOC byte's.
			it.samples = frameSamples[p[0]>>3]
		} else {
			it.samples, it.invalid = d.check(p, seq, int64(k))
		}
		total += int64(it.samples)
		it.granule = d.end + total // if the page follows on (see below)
		k++
		// The next run, if any.
		for ; i < len(lacing); i++ {
			e += int(lacing[i])
			if lacing[i] < ogg.MaxSegmentSize {
				break
			}
		}
		if i >= len(lacing) || e > last {
			break
		}
		i++
		q[k] = qitem{off: uint32(s + delta), end: uint32(e + delta), granule: -1}
		s = e
	}
	l.Packets += int64(k)
	l.PacketSamples += total
	d.qn += k
	// A page that follows on from the last with nothing lost, as most
	// do, is timed: its packets end where they add up to from the end of
	// the last one, the last at the page's position. time would find the
	// same.
	return d.started && d.haveEnd && pg.Granule >= 0 && !pg.EOS() && d.end+total == pg.Granule
}

// check returns the length of packet k of page seq, being split, and
// whether it is invalid, saying why (Problem).
func (d *Demuxer) check(p []byte, seq, k int64) (int32, bool) {
	samples, err := checkPacket(p, d.multi)
	if err != nil {
		d.stats.InvalidPackets++
		d.problem(d.pageOffset, seq, "packet %d is not valid Opus: %v", d.link.Packets+k+1, err)
	}
	return int32(samples), err != nil
}

// frameSamples[c] is the length in 48 kHz samples of a frame of TOC
// configuration c.
var frameSamples = func() (t [32]int32) {
	for c := range t {
		t[c] = int32(opus.TOC(c << 3).FrameSamples())
	}
	return t
}()

// takeRest takes p0, the first packet completed on pg, and the page's
// other packets the way packets does.
func (d *Demuxer) takeRest(p0 ogg.Packet, pg *ogg.Page, seq int64, holeSaid bool) {
	for p, ok := p0, true; ok; p, ok = d.ra.Packet() {
		if p.Hole && !holeSaid {
			d.problem(d.pageOffset, seq, "data missing before this page's packets (a packet was cut or dropped)")
			holeSaid = true
		}
		d.audioPacket(p, seq)
	}
}

// audioPacket checks an audio packet the Reassembler gave for page seq,
// counts it in the link and queues it.
func (d *Demuxer) audioPacket(p ogg.Packet, seq int64) {
	l := &d.link
	samples, err := checkPacket(p.Data, d.multi)
	if err != nil {
		d.stats.InvalidPackets++
		d.problem(d.pageOffset, seq, "packet %d is not valid Opus: %v", l.Packets+1, err)
	}
	l.Packets++
	l.PacketSamples += int64(samples)
	d.queue(p.Data, qitem{granule: -1, samples: int32(samples), hole: p.Hole, invalid: err != nil})
}

// queue adds a packet to the queue, its bytes copied into the slab.
func (d *Demuxer) queue(data []byte, it qitem) {
	if d.qn == len(d.q) {
		d.q = append(d.q[:d.qn], make([]qitem, max(d.qn, ogg.MaxSegments))...)
	}
	d.reserve(len(data))
	it.off = uint32(d.used)
	d.used += copy(d.slab[d.used:], data)
	it.end = uint32(d.used)
	d.q[d.qn] = it
	d.qn++
}

// reserve makes room for n bytes at slab[used:]. When they do not fit it
// starts a new chunk, and moves there the packets still queued (returned
// to no caller yet, so no caller holds them); the new chunk has room for
// twice those, so that moving them again and again costs no more than
// copying each once on average.
func (d *Demuxer) reserve(n int) {
	if n <= len(d.slab)-d.used {
		return
	}
	queued := 0
	for i := d.qi; i < d.qn; i++ {
		queued += int(d.q[i].end - d.q[i].off)
	}
	slab := make([]byte, max(slabSize, n+2*queued))
	used := 0
	for i := d.qi; i < d.qn; i++ {
		it := &d.q[i]
		m := copy(slab[used:], d.slab[it.off:it.end])
		it.off, it.end = uint32(used), uint32(used+m)
		used += m
	}
	d.slab, d.used = slab, used
}
