package rtp

import "time"

// probationKey tells would-be streams apart: one candidate per SSRC and
// payload type, so that a telephone-event packet does not displace the
// Opus one.
type probationKey struct {
	ssrc uint32
	pt   uint8
}

// newReceiverProbation returns the Receiver's probation: a second packet
// of the SSRC and payload type with a sequence number that
// SequenceConfirms confirms the stream.
func newReceiverProbation() *Probation[probationKey] {
	return NewProbation(func(_ probationKey, last, next int64) bool {
		return SequenceConfirms(uint16(last), uint16(next))
	}, 0)
}

// probationLocked takes the packet of an SSRC that is not (or no longer)
// the current stream's: it becomes a candidate, or confirms one, which
// starts a new stream with both packets, the first stamped from its
// arrival.
func (r *Receiver) probationLocked(p *Packet, datagram []byte, now time.Time) error {
	if r.cfg.noProbation {
		return r.deliverLocked(p, now, r.startStreamLocked(p, now))
	}
	key := probationKey{p.SSRC, p.PayloadType}
	agreed, dropped := r.prob.Offer(key, int64(p.SequenceNumber), datagram, now)
	r.dropUnconfirmedLocked(dropped)
	if !agreed {
		return lazyErrorf(ErrProbation, "SSRC %08[1]x: packet %[2]d held until another confirms the stream", int64(p.SSRC), int64(p.SequenceNumber), 0)
	}
	held, arrival, dropped := r.prob.Release(key)
	r.dropUnconfirmedLocked(dropped)
	first := &r.heldPkt
	if err := first.Unmarshal(held[0]); err != nil {
		return err // cannot happen: it parsed when it was held
	}
	err := r.deliverLocked(first, arrival, r.startStreamLocked(first, arrival))
	if err2 := r.streamPacketLocked(p, now, false); err == nil {
		err = err2
	}
	return err
}

// dropUnconfirmedLocked counts n packets given up on probation.
func (r *Receiver) dropUnconfirmedLocked(n int) {
	r.stats.IgnoredUnconfirmed += uint64(n)
	r.stats.PacketsIgnored += uint64(n)
}
