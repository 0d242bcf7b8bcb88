package opusrt

import "time"

// The RealtimeBuffer's calls into its Buffer. Each is made with b.mu held:
// a RealtimeBuffer shares its Buffer's lock, so that a decision and its
// effect on the Buffer are one step, but it keeps its own state and reads
// and changes the Buffer's only through these.

// head describes the Buffer's next event without taking it.
type head struct {
	kind    EventKind // 0 when nothing is held
	startUs int64     // where the event starts (the read position, or the first frame's start when there is none)
	arrival int64     // ns since the clock's base, of the frame the event leads to (noArrival: not timed)
}

// arrivedLocked returns when the frame h leads to arrived; ok is false when
// it was not timed (WithoutArrivalTimes, Append).
func (b *Buffer) arrivedLocked(h head) (t time.Time, ok bool) {
	if h.arrival == int64(noArrival) {
		return time.Time{}, false
	}
	return b.base.Add(time.Duration(h.arrival)), true
}

// headLocked returns what takeLocked would take next, dropping the held
// frames that it would drop as late on the way.
func (b *Buffer) headLocked() head {
	if b.dropPassedLocked() {
		e := b.queue.front()
		h := head{kind: EventFrame, startUs: e.start, arrival: e.arrival}
		switch {
		case b.jumped:
			h.kind = EventDiscontinuity
		case !b.hasPos:
		case e.start-b.posUs > b.resyncUs:
			h.kind = EventDiscontinuity
		case e.start > b.posUs+toleranceUs:
			h.kind, h.startUs = EventLoss, b.posUs
		default:
			h.startUs = b.posUs // within the tolerance of it
		}
		return h
	}
	return head{}
}

// configureLocked makes the Buffer serve a RealtimeBuffer: clock, if not
// nil, becomes its clock, and resync, if positive, its resync threshold.
func (b *Buffer) configureLocked(clock Clock, resync time.Duration) {
	b.initLocked()
	if clock != nil {
		b.setClockLocked(clock)
	}
	if resync > 0 {
		b.resyncUs = resync.Microseconds()
	}
}

// clockLocked returns the Buffer's clock.
func (b *Buffer) clockLocked() Clock { return b.clock }

// sinceLocked returns a reading of the clock as the Buffer keeps arrival
// times: the time since its base.
func (b *Buffer) sinceLocked(t time.Time) time.Duration { return t.Sub(b.base) }

// countInvalidLocked counts data rejected before it reached Append.
func (b *Buffer) countInvalidLocked() { b.stats.PacketsInvalid++ }

// positionLocked returns the read position, if there is one.
func (b *Buffer) positionLocked() (posUs int64, ok bool) { return b.posUs, b.hasPos && !b.jumped }

// underrunLocked reports a loss of lossUs that the reader conceals with
// nothing held after it: counted, and, when move is set, the read position
// moved to toUs so that frames for the concealed span are late.
func (b *Buffer) underrunLocked(lossUs, toUs int64, move bool) {
	b.countLossLocked(lossUs, lossUs)
	if move {
		b.hasPos, b.posUs = true, toUs
	}
}

// frameDurationLocked returns the duration of the last frame read, 0
// before any (and after Reset).
func (b *Buffer) frameDurationLocked() int64 { return b.lastDurUs }

// timelineLocked returns a count that changes with every resync back and
// Reset: the start of a new timeline.
func (b *Buffer) timelineLocked() uint64 { return b.timeline }
