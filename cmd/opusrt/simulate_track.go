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
	arrive   [2]time.Duration // the copies that arrived: none when lost, two when duplicated
	arrived  int8
	open     int8          // copies in flight or held: what became of them is not known yet
	playout  time.Duration // the first time it was played, −1 when never
	late     bool          // a copy arrived (or was found) after its slot was played
	dropped  bool          // a copy was dropped because the buffer was full
	resynced bool          // a copy was dropped by a resync
}

// notPlayed counts the packets sent but never played: outside (before the
// first played, after the last) and, between, by what became of them.
// Between, they are what the buffer reports as concealed.
type notPlayed struct {
	Outside  int `json:"before_after"`
	Lost     int `json:"lost_in_network"`
	Late     int `json:"late"`
	Dropped  int `json:"dropped"`
	Resynced int `json:"resynced"`
}

// tracker follows every packet from its sending until what became of all
// its copies is known, then hands it on, in send order, to the accounts,
// the output and the plot. It holds only the packets between the oldest
// still open and the newest sent: what the network and the buffer hold.
type tracker struct {
	recs []packetRecord // packets lo, lo+1, ... (recs[head:] in use)
	head int
	lo   int64 // the number of recs[head] in send order

	held []int64 // the packets the buffer holds, in stamp order

	// The accounts, in send order.
	seenPlayed bool
	pending    notPlayed // not played since the last played
	counts     notPlayed
	firstPos   time.Duration // start of the first packet played
	lastEnd    time.Duration // end of the last packet played

	out  *simOutput // nil without -o
	plot *plotData  // nil without --plot

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

// hold records that the buffer took packet idx.
func (t *tracker) hold(idx int64) {
	stamp := t.at(idx).stamp
	k, _ := slices.BinarySearchFunc(t.held, stamp, func(j int64, s opusrt.EpochMillis) int {
		return cmp.Compare(t.at(j).stamp, s)
	})
	t.held = slices.Insert(t.held, k, idx)
}

// takeHeld removes and returns the held packet of the earliest stamp.
func (t *tracker) takeHeld() *packetRecord {
	p := t.at(t.held[0])
	t.held = t.held[:copy(t.held, t.held[1:])]
	p.open--
	return p
}

// resync records that the buffer dropped everything it held.
func (t *tracker) resync() {
	for _, i := range t.held {
		p := t.at(i)
		p.resynced = true
		p.open--
	}
	t.held = t.held[:0]
}

// flush hands on the packets whose fate is known, in send order; with
// all, every packet (at the end: what is still held was never played).
func (t *tracker) flush(all bool) error {
	for t.head < len(t.recs) {
		p := &t.recs[t.head]
		if p.open > 0 && !all {
			break
		}
		if err := t.done(p); err != nil {
			return err
		}
		*p = packetRecord{}
		t.head++
		t.lo++
	}
	return nil
}

// done takes one packet into the accounts, the output and the plot.
func (t *tracker) done(p *packetRecord) error {
	if t.plot != nil {
		t.plot.add(p)
	}
	if p.playout < 0 {
		np := &t.pending
		switch {
		case p.arrived == 0:
			np.Lost++
		case p.resynced:
			np.Resynced++
		case p.dropped:
			np.Dropped++
		default:
			np.Late++
		}
		return nil
	}
	if t.seenPlayed {
		t.counts.Lost += t.pending.Lost
		t.counts.Late += t.pending.Late
		t.counts.Dropped += t.pending.Dropped
		t.counts.Resynced += t.pending.Resynced
	} else {
		t.firstPos = p.pos
		t.counts.Outside += t.pending.total()
	}
	t.pending = notPlayed{}
	t.seenPlayed = true
	t.lastEnd = p.pos + p.frame.Duration()
	if t.out != nil {
		return t.out.Played(p.pos, p.frame)
	}
	return nil
}

// finish returns the packets never played, and the audio lost before the
// first packet played and after the last, which the buffer never reports
// (its timeline starts at the first frame, and its losses after the last
// frame played are the underrun past the input's end), for a stream of
// the given length.
func (t *tracker) finish(length time.Duration) (notPlayed, time.Duration) {
	c := t.counts
	c.Outside += t.pending.total()
	if !t.seenPlayed {
		return c, length
	}
	return c, t.firstPos + length - t.lastEnd
}

func (n notPlayed) total() int { return n.Outside + n.Lost + n.Late + n.Dropped + n.Resynced }
