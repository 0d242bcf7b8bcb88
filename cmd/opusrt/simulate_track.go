package main

import (
	"cmp"
	"slices"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// packetRecord is what became of one packet sent. Times are offsets from
// the start of the simulation.
type packetRecord struct {
	sentPacket
	arrive  [2]time.Duration // the copies that arrived: none when lost, two when duplicated
	arrived int8
	open    int8          // copies in flight or held: what became of them is not known yet
	playout time.Duration // the first time it was played, −1 when never
	target  time.Duration // with --plot: the target delay when it was played, above the network's base
	late    bool          // a copy arrived after its slot was played
	gone    bool          // a copy the buffer took was never played
}

// notPlayed counts the packets sent but never played: outside (before the
// first played, after the last) and, between, by what became of them.
type notPlayed struct {
	Outside int `json:"before_after"`
	Lost    int `json:"lost_in_network"`
	// Late counts the packets whose every copy arrived after its slot.
	Late int `json:"late"`
	// Discarded counts the packets the buffer took but never played:
	// dropped, resynced, removed by adaptive playout, or found late.
	Discarded int `json:"discarded"`
}

func (n notPlayed) total() int { return n.Outside + n.Lost + n.Late + n.Discarded }

// tracker follows every packet from its sending until what became of all
// its copies is known, then hands it on, in send order, to the accounts
// and the plot. It holds only the packets between the oldest still open
// and the newest sent: what the network and the buffer hold.
//
// What the buffer holds it learns from the events the buffer hands out,
// not from its Stats: a frame played is the held packet of the frame's
// stamp; a held packet whose place in the timeline the playout has passed
// (a frame or loss after it, a discontinuity away from it) was dropped,
// whatever the reason and the order in which the buffer dropped it.
type tracker struct {
	recs []packetRecord // packets lo, lo+1, ... (recs[head:] in use)
	head int
	lo   int64 // the number of recs[head] in send order

	held []int64 // the packets the buffer holds (as far as we know), in stamp order
	// resyncing is set from a resync to the discontinuity that follows:
	// the events in between are on the old timeline.
	resyncing bool

	// The accounts, in send order.
	seenPlayed bool
	pending    notPlayed // not played since the last played
	counts     notPlayed
	firstPos   time.Duration // start of the first packet played, in send order
	lastEnd    time.Duration // end of the last packet played, in send order

	plot *plotData // nil without --plot

	maxOpen int // the most packets open at once, for tests of memory
}

// sent records a packet sent and returns its number.
func (t *tracker) sent(p sentPacket) int64 {
	if t.head > 0 && t.head >= len(t.recs)/2 {
		n := copy(t.recs, t.recs[t.head:])
		clear(t.recs[n:])
		t.recs, t.head = t.recs[:n], 0
	}
	t.recs = append(t.recs, packetRecord{sentPacket: p, playout: -1})
	t.maxOpen = max(t.maxOpen, len(t.recs)-t.head)
	return t.lo + int64(len(t.recs)-t.head) - 1
}

// at returns packet idx's record, which must be open.
func (t *tracker) at(idx int64) *packetRecord { return &t.recs[t.head+int(idx-t.lo)] }

// byStamp returns the open record of the packet stamped s, or nil.
func (t *tracker) byStamp(s opusrt.EpochMillis) *packetRecord {
	recs := t.recs[t.head:]
	k, ok := slices.BinarySearchFunc(recs, s, func(r packetRecord, s opusrt.EpochMillis) int {
		return cmp.Compare(r.stamp, s)
	})
	if !ok {
		return nil
	}
	return &recs[k]
}

// hold records that the buffer took a copy of packet idx: false when it
// holds one of the same stamp already (the copy is a duplicate, dropped).
func (t *tracker) hold(idx int64) bool {
	stamp := t.at(idx).stamp
	n := len(t.held)
	if n == 0 || t.at(t.held[n-1]).stamp < stamp {
		t.held = append(t.held, idx) // in order: the common case
		return true
	}
	k, found := slices.BinarySearchFunc(t.held, stamp, func(j int64, s opusrt.EpochMillis) int {
		return cmp.Compare(t.at(j).stamp, s)
	})
	if found {
		return false
	}
	t.held = slices.Insert(t.held, k, idx)
	return true
}

// passed records that the playout reached start (µs since the epoch of the
// stamps) on its timeline: the packets held before it are gone.
func (t *tracker) passed(start time.Duration) {
	if t.resyncing {
		return // the old timeline's
	}
	n := 0
	for n < len(t.held) {
		p := t.at(t.held[n])
		if p.stamp.Duration()+opusrt.StampTolerance >= start {
			break
		}
		p.gone = true
		p.open--
		n++
	}
	t.held = t.held[:copy(t.held, t.held[n:])]
}

// resynced records that the buffer resynced when it took packet idx: it
// dropped every other packet it held. Until the discontinuity that starts
// the new timeline (resyncDone), the playout goes on on the old one, and
// its losses pass nothing of the new.
func (t *tracker) resynced(idx int64) {
	for _, j := range t.held {
		if j != idx {
			p := t.at(j)
			p.gone = true
			p.open--
		}
	}
	t.held = append(t.held[:0], idx)
	t.resyncing = true
}

// resyncDone records the discontinuity back that starts the new timeline.
func (t *tracker) resyncDone() { t.resyncing = false }

// played records the frame stamped s played: the held packet of that
// stamp, returned (nil if none is known: the buffer took a copy we took
// for a duplicate of one it had dropped).
func (t *tracker) played(s opusrt.EpochMillis) *packetRecord {
	t.passed(s.Duration())
	if len(t.held) > 0 {
		if p := t.at(t.held[0]); p.stamp == s {
			t.held = t.held[:copy(t.held, t.held[1:])]
			p.open--
			return p
		}
	}
	return t.byStamp(s)
}

// flush hands on the packets whose fate is known, in send order; with
// all, every packet (at the end: what is still held was never played).
func (t *tracker) flush(all bool) {
	for t.head < len(t.recs) {
		p := &t.recs[t.head]
		if p.open > 0 && !all {
			break
		}
		t.done(p)
		*p = packetRecord{}
		t.head++
		t.lo++
	}
}

// done takes one packet into the accounts and the plot.
func (t *tracker) done(p *packetRecord) {
	if t.plot != nil {
		t.plot.add(p)
	}
	if p.playout < 0 {
		np := &t.pending
		switch {
		case p.arrived == 0:
			np.Lost++
		case p.gone || p.open > 0:
			np.Discarded++
		default:
			np.Late++
		}
		return
	}
	if t.seenPlayed {
		t.counts.Lost += t.pending.Lost
		t.counts.Late += t.pending.Late
		t.counts.Discarded += t.pending.Discarded
	} else {
		t.firstPos = p.pos
		t.counts.Outside += t.pending.total()
	}
	t.pending = notPlayed{}
	t.seenPlayed = true
	t.lastEnd = p.pos + p.frame.Duration()
}

// finish returns the packets never played.
func (t *tracker) finish() notPlayed {
	c := t.counts
	c.Outside += t.pending.total()
	return c
}
