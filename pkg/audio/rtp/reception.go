package rtp

import "time"

// The limits of RFC 3550 A.1 for telling reordering from a restart.
const (
	// maxDropout is how far ahead of the highest sequence number a packet
	// may jump and still be taken as the same stream after a loss.
	maxDropout = 3000
	// maxMisorder is how far behind it a packet may arrive and still be
	// taken as reordered, not as a sender that restarted its numbering.
	maxMisorder = 100
	// seenWindow is how many sequence numbers behind the highest are
	// remembered for duplicate detection; more than maxMisorder.
	seenWindow = 128
)

// seqVerdict is what reception.update makes of a sequence number.
type seqVerdict uint8

const (
	seqInOrder   seqVerdict = iota // ahead of the highest: a new highest
	seqReordered                   // behind the highest, not seen before
	seqDuplicate                   // seen before
	seqJump                        // a jump too far: dropped until confirmed
	seqRestart                     // the jump was confirmed: state reset
)

// reception is the per-source state of RFC 3550 A.1 (sequence numbers),
// A.3 (expected and lost) and A.8 (jitter) for one stream.
//
// Kept from A.1: the extended highest sequence number (here unwrapped to
// 64 bits against it, so cycles are implicit), the base, the bad_seq rule
// (a jump of maxDropout or more ahead, or more than maxMisorder behind, is
// dropped; a second packet that follows it confirms that the sender
// restarted and resets the state), and the received count, duplicates
// included, so that lost = expected − received can go negative as A.3
// says. Changed: a reordered packet older than the first one received
// lowers the base, so a stream whose first two packets swap places does not
// report a loss of −1. Left out: probation (MIN_SEQUENTIAL), because the Receiver
// validates every payload as Opus, a stronger test of a real source than
// two consecutive numbers, and should not drop a new stream's first
// packet.
type reception struct {
	baseSeq, maxSeq int64 // unwrapped
	badSeq          int64 // the sequence number (mod 2¹⁶) that would confirm a jump; −1 for none
	seen            [seenWindow / 64]uint64

	received, duplicated uint64

	expectedPrior int64 // at the last report
	receivedPrior uint64

	transitValid bool
	transit      int64 // arrival − timestamp, timestamp units
	jitter16     int64 // 16·J as in A.8, timestamp units
}

// init starts the state at seq, the first packet of a stream.
func (r *reception) init(seq uint16) {
	*r = reception{baseSeq: int64(seq), maxSeq: int64(seq), badSeq: -1}
	r.mark(int64(seq))
	r.received = 1
}

// update takes the sequence number of a packet after the first and returns
// its unwrapped value and what it is. A seqJump packet is not counted; a
// seqRestart one starts the state again at it.
func (r *reception) update(seq uint16) (int64, seqVerdict) {
	ext := UnwrapSequence(r.maxSeq, seq)
	delta := ext - r.maxSeq
	switch {
	case delta > 0 && delta < maxDropout:
		r.advance(ext)
	case delta >= maxDropout || delta < -maxMisorder:
		if r.badSeq == int64(seq) {
			r.init(seq)
			return int64(seq), seqRestart
		}
		r.badSeq = int64(seq + 1)
		return ext, seqJump
	default: // behind the highest, within maxMisorder, or equal to it
		if r.isSeen(ext) {
			r.received++
			r.duplicated++
			return ext, seqDuplicate
		}
		r.mark(ext)
		r.baseSeq = min(r.baseSeq, ext)
		r.received++
		r.badSeq = -1
		return ext, seqReordered
	}
	r.received++
	r.badSeq = -1
	return ext, seqInOrder
}

// advance makes ext the highest sequence number, forgetting the numbers
// that fall out of the duplicate window.
func (r *reception) advance(ext int64) {
	if ext-r.maxSeq >= seenWindow {
		r.seen = [seenWindow / 64]uint64{}
	} else {
		for s := r.maxSeq + 1; s < ext; s++ {
			r.unmark(s)
		}
	}
	r.maxSeq = ext
	r.mark(ext)
}

func (r *reception) bit(ext int64) (int, uint64) {
	i := uint64(ext) % seenWindow
	return int(i / 64), 1 << (i % 64)
}
func (r *reception) mark(ext int64)   { w, b := r.bit(ext); r.seen[w] |= b }
func (r *reception) unmark(ext int64) { w, b := r.bit(ext); r.seen[w] &^= b }
func (r *reception) isSeen(ext int64) bool {
	if r.maxSeq-ext >= seenWindow {
		return false
	}
	w, b := r.bit(ext)
	return r.seen[w]&b != 0
}

// expected is A.3's expected packet count: highest − base + 1.
func (r *reception) expected() int64 { return r.maxSeq - r.baseSeq + 1 }

// lost is A.3's cumulative loss: expected − received, negative when
// duplicates outnumber losses.
func (r *reception) lost() int64 { return r.expected() - int64(r.received) }

// observeTransit updates the jitter (A.8) with a packet's arrival and RTP
// timestamp, both in timestamp units on their own origins.
func (r *reception) observeTransit(arrival, ts int64) {
	transit := arrival - ts
	if r.transitValid {
		d := transit - r.transit
		if d < 0 {
			d = -d
		}
		r.jitter16 += d - (r.jitter16+8)>>4
	}
	r.transitValid, r.transit = true, transit
}

// jitter returns the interarrival jitter in timestamp units.
func (r *reception) jitter() uint32 { return uint32(min(r.jitter16>>4, 1<<32-1)) }

// reportBlock returns the report on this source for an RR or SR and starts
// a new interval for the fraction lost (A.3).
func (r *reception) reportBlock(ssrc uint32) ReportBlock {
	expected := r.expected()
	expectedInterval := expected - r.expectedPrior
	receivedInterval := int64(r.received - r.receivedPrior)
	r.expectedPrior, r.receivedPrior = expected, r.received
	var fraction uint8
	if lostInterval := expectedInterval - receivedInterval; expectedInterval > 0 && lostInterval > 0 {
		fraction = uint8(min(lostInterval<<8/expectedInterval, 255))
	}
	lost := r.lost()
	return ReportBlock{
		SSRC:                    ssrc,
		FractionLost:            fraction,
		CumulativeLost:          int32(min(max(lost, minCumulativeLost), maxCumulativeLost)),
		ExtendedHighestSequence: uint32(r.maxSeq),
		Jitter:                  r.jitter(),
	}
}

// opusClockRate is the RTP clock of Opus (RFC 7587 §4.1), whatever the
// rate the audio was coded at.
const opusClockRate = 48000

// samplesIn returns d in 48 kHz timestamp units, rounded down, without
// overflowing for any duration.
func samplesIn(d time.Duration) int64 {
	whole := int64(d / time.Millisecond)
	part := int64(d % time.Millisecond)
	return whole*opusClockRate/1000 + part*opusClockRate/1000/int64(time.Millisecond)
}
