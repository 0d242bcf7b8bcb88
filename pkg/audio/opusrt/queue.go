package opusrt

// entry is one held frame and where it lies on the timeline.
type entry struct {
	start   int64 // µs since the epoch: the stamp
	dur     int64 // µs
	arrival int64 // ns since the buffer's clock base, when it arrived
	frame   Frame
}

func (e *entry) end() int64 { return e.start + e.dur }

// frameQueue holds entries sorted by start in a ring that grows by doubling
// and never shrinks. Frames arriving in order are appended at the tail in
// O(1); a reordered frame is placed by scanning back from the tail (it is
// usually a few places from it) and shifting the entries after it. Steady
// state allocates nothing.
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

// popFront removes and returns the head entry. The queue must not be empty.
func (q *frameQueue) popFront() entry {
	slot := &q.ring[q.head]
	e := *slot
	*slot = entry{} // let the frame be collected
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	return e
}

// insert places e in start order. If an entry with the same start is held,
// it inserts nothing and reports false.
func (q *frameQueue) insert(e entry) bool {
	// Find i, the first index whose entry starts after e, scanning back.
	i := q.n
	for i > 0 {
		prev := q.at(i - 1)
		if prev.start == e.start {
			return false
		}
		if prev.start < e.start {
			break
		}
		i--
	}
	if q.n == len(q.ring) {
		q.grow()
	}
	for j := q.n; j > i; j-- {
		*q.at(j) = *q.at(j - 1)
	}
	*q.at(i) = e
	q.n++
	return true
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
