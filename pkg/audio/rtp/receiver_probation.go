package rtp

import "time"

// probationSlots is how many would-be streams are held on probation at
// once; the oldest gives way to a new one.
const probationSlots = 8

// candidate is the first packet of a would-be stream, held on probation.
type candidate struct {
	used    bool
	header  Header // fixed fields only: no CSRCs, no extension
	payload []byte // the candidate's own copy, its storage reused
	arrival time.Time
	order   uint64 // when it was held, in candidates: the oldest gives way
}

func (c *candidate) hold(p *Packet, now time.Time, order uint64) {
	c.used, c.arrival, c.order = true, now, order
	c.header = Header{Marker: p.Marker, PayloadType: p.PayloadType, SequenceNumber: p.SequenceNumber, Timestamp: p.Timestamp, SSRC: p.SSRC}
	c.payload = append(c.payload[:0], p.Payload...)
}

// probationLocked takes the packet of an SSRC that is not (or no longer)
// the current stream's: it becomes a candidate (one per SSRC and payload
// type, so that a telephone-event packet does not displace the Opus one),
// or confirms one, which
// starts a new stream with both packets (RFC 3550 A.1's probation, with
// a second packet within 100 sequence numbers of the first, either side,
// instead of the very next: the first two packets may swap places).
func (r *Receiver) probationLocked(p *Packet, now time.Time) error {
	if r.cfg.noProbation {
		return r.deliverLocked(p, now, r.startStreamLocked(p, now))
	}
	for i := range r.cands {
		c := &r.cands[i]
		if !c.used || c.header.SSRC != p.SSRC || c.header.PayloadType != p.PayloadType {
			continue
		}
		d := int16(p.SequenceNumber - c.header.SequenceNumber)
		if d == 0 || d > maxMisorder || d < -maxMisorder {
			r.dropCandidateLocked(c)
			r.candOrder++
			c.hold(p, now, r.candOrder)
			return lazyErrorf(ErrProbation, "SSRC %08[1]x: packet %[2]d held until another confirms the stream", int64(p.SSRC), int64(p.SequenceNumber), 0)
		}
		held := Packet{Header: c.header, Payload: c.payload}
		c.used = false
		for j := range r.cands {
			if r.cands[j].used {
				r.dropCandidateLocked(&r.cands[j])
			}
		}
		err := r.deliverLocked(&held, c.arrival, r.startStreamLocked(&held, c.arrival))
		if err2 := r.streamPacketLocked(p, now, false); err == nil {
			err = err2
		}
		return err
	}
	slot := 0 // a free one, else the oldest
	for i := range r.cands {
		if !r.cands[i].used {
			slot = i
			break
		}
		if r.cands[i].order < r.cands[slot].order {
			slot = i
		}
	}
	c := &r.cands[slot]
	if c.used {
		r.dropCandidateLocked(c)
	}
	r.candOrder++
	c.hold(p, now, r.candOrder)
	return lazyErrorf(ErrProbation, "SSRC %08[1]x: packet %[2]d held until another confirms the stream", int64(p.SSRC), int64(p.SequenceNumber), 0)
}

// dropCandidateLocked gives up on a candidate, counting its packet.
func (r *Receiver) dropCandidateLocked(c *candidate) {
	c.used = false
	r.stats.IgnoredUnconfirmed++
	r.stats.PacketsIgnored++
}
