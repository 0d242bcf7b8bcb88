package opusrt

// entry is one held frame and where it lies on the timeline.
type entry struct {
	start   int64 // µs since the epoch: the stamp
	dur     int64 // µs
	arrival int64 // ns since the buffer's clock base, when it arrived
	frame   Frame
}

// frameQueue holds entries sorted by start in a ring that grows by doubling
// and never shrinks. Frames arriving in order are appended at the tail in
// O(1); a reordered frame, and the duplicate check, find their place by
// binary search (the ring is sorted), and the entries on the nearer side
// of it move by one slot: a frame a few places from either end, as a
// reordered one is, moves a few. Steady state allocates nothing.
type frameQueue struct {
	ring []entry // len is a power of two, or 0
	head int
	n    int
}

const minQueueCap = 16

func (q *frameQueue) len() int { return q.n }

// at returns the i-th entry from the head (0 ≤ i < n).
func (q *frameQueue) at(i int) *entry { return &q.ring[(q.head+i)&(len(q.ring)-1)] }

func (q *frameQueue) front() *entry { return q.at(0) }

func (q *frameQueue) back() *entry { return q.at(q.n - 1) }

// dropFront removes the head entry. The queue must not be empty.
func (q *frameQueue) dropFront() {
	q.ring[q.head] = entry{} // let the frame be collected
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
}

// insert makes room for an entry that starts at start, in start order, and
// returns its slot, zeroed, for the caller to fill (building the entry in
// place costs less than copying one in). If an entry with the same start
// is held, it makes none and returns nil.
func (q *frameQueue) insert(start int64) *entry {
	if q.n == 0 || q.back().start < start {
		// In order: the common case.
		if q.n == len(q.ring) {
			q.grow()
		}
		q.n++
		return q.at(q.n - 1)
	}
	// i is the first index whose entry does not start before start.
	lo, hi := 0, q.n-1 // the back starts at or after it
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if q.at(mid).start < start {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	i := lo
	if q.at(i).start == start {
		return nil
	}
	if q.n == len(q.ring) {
		q.grow()
	}
	if i < q.n-i {
		// Nearer the head: move the first i entries one slot back.
		q.head = (q.head - 1) & (len(q.ring) - 1)
		for j := 0; j < i; j++ {
			*q.at(j) = *q.at(j + 1)
		}
	} else {
		for j := q.n; j > i; j-- {
			*q.at(j) = *q.at(j - 1)
		}
	}
	q.n++
	p := q.at(i)
	*p = entry{}
	return p
}

func (q *frameQueue) grow() {
	size := max(2*len(q.ring), minQueueCap)
	ring := make([]entry, size)
	for i := range q.n {
		ring[i] = *q.at(i)
	}
	q.ring, q.head = ring, 0
}

// clear drops every entry, keeping the ring's memory.
func (q *frameQueue) clear() {
	for i := range q.n {
		*q.at(i) = entry{}
	}
	q.head, q.n = 0, 0
}
