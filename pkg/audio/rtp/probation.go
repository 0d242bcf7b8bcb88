package rtp

import (
	"hash/maphash"
	"time"
)

// probationSlots is how many would-be streams a Probation holds at once;
// the one offered to least recently gives way to a new one.
const probationSlots = 8

// Probation holds the first datagrams of would-be streams until a later
// datagram of the same stream agrees with them: RFC 3550 A.1's probation,
// for any stream whose datagrams carry a position to compare (an RTP
// sequence number, a stamp). Random datagrams pass for a valid one now and
// then; two in a row from one stream that agree do not happen by chance,
// so garbage sent before (or among) a real sender's datagrams cannot take
// the place of its stream.
//
// Streams are told apart by a key K (an SSRC and payload type, a sender's
// address): each key has at most one candidate, and at most eight keys
// are held, the one offered to least recently giving way to a new one.
// The caller decides what an agreeing datagram does: Release confirms the
// stream, Keep holds it too (while the stream may not start yet), up to a
// bound in bytes. A copy of a datagram (a network duplicate) is never a
// second datagram.
//
// The Receiver uses one for new SSRCs; a receiver of several formats can
// use one for all of them. A Probation holds copies of what it is given,
// in storage it reuses, so it allocates nothing once warm. It is not safe
// for concurrent use.
type Probation[K comparable] struct {
	agree   func(key K, last, next int64) bool
	maxHeld int
	slots   [probationSlots]probationSlot[K]
	order   uint64
	views   [][]byte // Release's result, reused
	seed    maphash.Seed
}

type probationSlot[K comparable] struct {
	used    bool
	key     K
	pos     int64     // the position of the last datagram offered
	arrival time.Time // of the first datagram held
	order   uint64    // when it was last offered to: the oldest gives way
	last    uint64    // the hash of the datagram last offered
	buf     []byte    // the datagrams held, end to end
	ends    []int     // where each ends in buf
}

// NewProbation returns a Probation whose datagram at position next agrees
// with its key's candidate, last offered at position last, when
// agree(key, last, next). Keep holds up to maxHeld bytes a candidate (its
// first datagram is always held).
func NewProbation[K comparable](agree func(key K, last, next int64) bool, maxHeld int) *Probation[K] {
	return &Probation[K]{agree: agree, maxHeld: maxHeld, seed: maphash.MakeSeed()}
}

// SequenceConfirms is the Receiver's agreement of two RTP packets of one
// SSRC: the sequence number next is within 100 of last, either side (the
// first two packets may swap places, which RFC 3550 A.1's "the very next"
// would refuse), and not equal (a repeated packet confirms nothing).
func SequenceConfirms(last, next uint16) bool {
	d := int16(next - last)
	return d != 0 && d <= maxMisorder && d >= -maxMisorder
}

// Offer takes a datagram of key at position pos, arriving at now. If key's
// candidate agrees with it, Offer returns agreed: the caller then
// Releases the stream (confirmed) or Keeps the datagram. A copy of the
// datagram offered last for key (a network duplicate) is no second
// datagram: it changes nothing, and is given up (dropped is 1). Otherwise
// the datagram is held, a copy, as the first of key's would-be stream, in
// place of what key held (that disagreed), or of the candidate offered to
// least recently when all slots are taken; dropped counts the datagrams
// so given up.
func (p *Probation[K]) Offer(key K, pos int64, datagram []byte, now time.Time) (agreed bool, dropped int) {
	h := maphash.Bytes(p.seed, datagram)
	slot := p.find(key)
	switch {
	case slot != nil && slot.last == h:
		return false, 1
	case slot != nil && p.agree(key, slot.pos, pos):
		slot.last = h
		return true, 0
	case slot == nil:
		slot = &p.slots[0] // a free one, else the oldest
		for i := range p.slots {
			s := &p.slots[i]
			if !s.used {
				slot = s
				break
			}
			if s.order < slot.order {
				slot = s
			}
		}
	}
	if slot.used {
		dropped = len(slot.ends)
	}
	p.order++
	slot.used, slot.key, slot.pos, slot.arrival, slot.order, slot.last = true, key, pos, now, p.order, h
	slot.buf = append(slot.buf[:0], datagram...)
	slot.ends = append(slot.ends[:0], len(slot.buf))
	return false, dropped
}

// Keep holds datagram, at position pos, after those of key's candidate, if
// they come to no more than the Probation's bound with it; the candidate's
// position is pos and it counts as offered to now, whether the datagram
// was held or not. It reports whether it held it; false too when key has no
// candidate.
func (p *Probation[K]) Keep(key K, pos int64, datagram []byte) bool {
	s := p.find(key)
	if s == nil {
		return false
	}
	p.order++
	s.pos, s.order = pos, p.order
	if len(s.buf)+len(datagram) > p.maxHeld {
		return false
	}
	s.buf = append(s.buf, datagram...)
	s.ends = append(s.ends, len(s.buf))
	return true
}

// Release confirms key's stream: it returns the datagrams its candidate
// holds, first offered first, and when the first arrived, and forgets
// every candidate, counting in dropped the datagrams the others held. The
// datagram that agreed is not among them unless it was kept. The slices
// are the Probation's, valid until its next Offer or Keep. held is nil
// when key has no candidate.
func (p *Probation[K]) Release(key K) (held [][]byte, arrival time.Time, dropped int) {
	p.views = p.views[:0]
	for i := range p.slots {
		s := &p.slots[i]
		if !s.used {
			continue
		}
		s.used = false
		if s.key != key {
			dropped += len(s.ends)
			continue
		}
		start := 0
		for _, end := range s.ends {
			p.views = append(p.views, s.buf[start:end:end])
			start = end
		}
		arrival = s.arrival
	}
	if len(p.views) == 0 {
		return nil, time.Time{}, dropped
	}
	return p.views, arrival, dropped
}

// Len returns how many would-be streams are held.
func (p *Probation[K]) Len() int {
	n := 0
	for i := range p.slots {
		if p.slots[i].used {
			n++
		}
	}
	return n
}

func (p *Probation[K]) find(key K) *probationSlot[K] {
	for i := range p.slots {
		if s := &p.slots[i]; s.used && s.key == key {
			return s
		}
	}
	return nil
}
