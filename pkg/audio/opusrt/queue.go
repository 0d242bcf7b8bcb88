package opusrt

// entry is one held frame and where it lies on the timeline.
type entry struct {
	start   int64 // µs since the epoch: the stamp
	dur     int64 // µs
	arrival int64 // ns since the buffer's clock base, when it arrived
	frame   Frame
}

// frameQueue holds entries in start order, without two of the same start,
// for a reader that only ever takes the first: every operation costs
// O(log n) at worst, and steady state allocates nothing.
//
// It is two parts. The ring, which grows by doubling and never shrinks,
// holds in start order the first entry and every entry that arrived at or
// after its back, so a stream in order is appended in O(1) and its entries
// are never moved; an entry that arrives before the back but within
// nearEnd places of either end of the ring (reordered by a few, before
// the first, or the ring short) is put in its place by moving those few.
// Any other reordered entry goes to the tree, an AA tree (a balanced
// search tree: height at most 2·log₂ n) whose nodes live in one slice,
// linked by index, with a free list, so it allocates only to hold more
// entries than it ever has.
//
// So every entry of the tree lies between the ring's head and its back:
// the ring's head is the first entry, front reads it without looking at
// the tree, and the hot path, in order, is the plain ring's. Dropping the
// head, the tree's least entry (kept at hand) moves to the ring's freed
// head slot if it starts before the new head. The back of the ring is the
// greatest start held, so the ring is empty only when the tree is too.
//
// The duplicate check is a binary search of the sorted ring and a look-up
// in the tree. The memory is what the most entries held at once needed:
// the ring's and the tree's peaks.
//
// A pointer insert or front returns is valid until the next call that
// changes the queue (insert, dropFront, clear).
type frameQueue struct {
	// The ring holds ring[head&mask] to ring[(tail-1)&mask]: head and tail
	// count on without wrapping (an int does not overflow at a frame a
	// nanosecond), which keeps dropFront small enough to be inlined. The
	// other methods index with &(len(ring)-1), which spares the bounds
	// check; dropFront's &mask costs the inliner less.
	ring       []entry // len is a power of two, or 0; unused slots are zero
	mask       int     // len(ring)-1
	head, tail int

	nodes []node // nodes[0] is the sentinel: no node, level 0
	root  int32
	least int32 // the leftmost node, 0 when the tree is empty
	free  int32 // the first free node, linked through left
	tn    int   // entries in the tree
}

// node is one entry of the tree. An AA tree's levels: a leaf is at level
// 1; a left child is one level below its parent; a right child is at its
// parent's level or one below, and its right child below both.
type node struct {
	e           entry
	left, right int32
	level       int32
}

const (
	minQueueCap = 16
	minTreeCap  = 16
	// nearEnd is how many ring entries a reordered one may move instead
	// of going to the tree: moving a few costs less than a tree node, and
	// keeps the common reordering (a frame one or two places late) in the
	// ring.
	nearEnd = 8
)

// maxTreeLen is how many entries the tree holds at most, so that its int32
// links do not overflow (at 64 bytes a node, 128 GiB). Past it, reordered
// entries move ring entries as near the ends do: slow, but right. A test
// lowers it.
var maxTreeLen = 1<<31 - 2

func (q *frameQueue) len() int { return q.tail - q.head + q.tn }

// ringLen returns how many entries the ring holds.
func (q *frameQueue) ringLen() int { return q.tail - q.head }

// at returns the i-th entry of the ring from its head (0 ≤ i < ringLen).
func (q *frameQueue) at(i int) *entry { return &q.ring[(q.head+i)&(len(q.ring)-1)] }

// front returns the first entry. The queue must not be empty.
func (q *frameQueue) front() *entry { return &q.ring[q.head&(len(q.ring)-1)] }

// dropFront removes the first entry. The queue must not be empty.
func (q *frameQueue) dropFront() {
	q.ring[q.head&q.mask] = entry{} // let the frame be collected
	q.head++
	if q.tn != 0 {
		q.takeFromTree()
	}
}

// takeFromTree is the end of dropFront when the tree is not empty: the
// ring keeps at least its back, and the tree's least entry takes the
// freed head slot if it starts before the new head. (Apart, so that
// dropFront can be inlined.)
func (q *frameQueue) takeFromTree() {
	if l := &q.nodes[q.least].e; l.start < q.at(0).start {
		q.head--
		*q.at(0) = *l
		q.root = q.dropLeast(q.root, 0)
	}
}

// insert makes room for an entry that starts at start, in start order, and
// returns its slot for the caller to fill (building the entry in place
// costs less than copying one in): zero, but for start in a slot of the
// tree, which is ordered by it. The caller sets start to start. If an
// entry with the same start is held, it makes none and returns nil.
func (q *frameQueue) insert(start int64) *entry {
	n := q.tail - q.head
	if n == len(q.ring) || n != 0 && q.ring[(q.tail-1)&(len(q.ring)-1)].start >= start {
		return q.insertSlow(start)
	}
	// In order, room in the ring: the common case.
	p := &q.ring[q.tail&(len(q.ring)-1)]
	q.tail++
	return p
}

// insertSlow is insert when the ring is full or start is not after its
// back. (Apart, so that insert's common case stays short.)
func (q *frameQueue) insertSlow(start int64) *entry {
	n := q.tail - q.head
	if n == 0 || q.at(n-1).start < start {
		// In order. (The ring empty means the tree is.)
		q.grow()
		p := q.at(n)
		q.tail++
		return p
	}
	// i is the first index whose entry does not start before start.
	lo, hi := 0, n-1 // the back starts at or after it
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
	if i > nearEnd && n-i > nearEnd && q.tn < maxTreeLen {
		// Between ring[i-1] and ring[i]: after the head, before the back.
		return q.insertTree(start)
	}
	if q.holdsInTree(start) {
		return nil
	}
	if n == len(q.ring) {
		q.grow()
	}
	if i < n-i {
		// Nearer the head: move the first i entries one slot back. (Before
		// the head, i is 0: the tree's entries stay after it.)
		q.head--
		for j := 0; j < i; j++ {
			*q.at(j) = *q.at(j + 1)
		}
	} else {
		for j := n; j > i; j-- {
			*q.at(j) = *q.at(j - 1)
		}
		q.tail++
	}
	p := q.at(i)
	*p = entry{start: start}
	return p
}

func (q *frameQueue) grow() {
	n := q.tail - q.head
	size := max(2*len(q.ring), minQueueCap)
	ring := make([]entry, size)
	for i := range n {
		ring[i] = *q.at(i)
	}
	q.ring, q.mask, q.head, q.tail = ring, size-1, 0, n
}

// clear drops every entry, keeping the ring's and the tree's memory.
func (q *frameQueue) clear() {
	for i := range q.tail - q.head {
		*q.at(i) = entry{}
	}
	q.head, q.tail = 0, 0
	if len(q.nodes) > 1 {
		clear(q.nodes[1:])
		q.nodes = q.nodes[:1]
	}
	q.root, q.least, q.free, q.tn = 0, 0, 0, 0
}

// holdsInTree reports whether the tree holds an entry that starts at start.
func (q *frameQueue) holdsInTree(start int64) bool {
	for t := q.root; t != 0; {
		switch s := q.nodes[t].e.start; {
		case start < s:
			t = q.nodes[t].left
		case start > s:
			t = q.nodes[t].right
		default:
			return true
		}
	}
	return false
}

// insertTree puts an entry that starts at start in the tree and returns
// it, or nil if the tree holds one that starts there.
func (q *frameQueue) insertTree(start int64) *entry {
	var added int32
	q.root = q.add(q.root, start, &added)
	if added == 0 {
		return nil
	}
	q.tn++
	if q.least == 0 || start < q.nodes[q.least].e.start {
		q.least = added
	}
	return &q.nodes[added].e
}

// add inserts start under t and returns the subtree's new root; *added is
// the new node, or stays 0 for a duplicate. It holds no pointer into
// q.nodes across the call below, which may move them.
func (q *frameQueue) add(t int32, start int64, added *int32) int32 {
	if t == 0 {
		*added = q.newNode(start)
		return *added
	}
	switch s := q.nodes[t].e.start; {
	case start < s:
		l := q.add(q.nodes[t].left, start, added)
		q.nodes[t].left = l
	case start > s:
		r := q.add(q.nodes[t].right, start, added)
		q.nodes[t].right = r
	default:
		return t
	}
	return q.split(q.skew(t))
}

// dropLeast removes the leftmost node under t, whose parent is parent (0
// for the root), and returns the subtree's new root.
func (q *frameQueue) dropLeast(t, parent int32) int32 {
	if l := q.nodes[t].left; l != 0 {
		l = q.dropLeast(l, t)
		q.nodes[t].left = l
		return q.rebalance(t)
	}
	// t has no left child, so it is a leaf or has one right child, a leaf:
	// its successor is that child, or else its parent.
	r := q.nodes[t].right
	q.least = r
	if r == 0 {
		q.least = parent
	}
	q.release(t)
	return r
}

// rebalance restores the levels at t after a node was removed below it,
// and returns the subtree's new root.
func (q *frameQueue) rebalance(t int32) int32 {
	n := &q.nodes[t]
	want := min(q.nodes[n.left].level, q.nodes[n.right].level) + 1
	if want < n.level {
		n.level = want
		if r := &q.nodes[n.right]; want < r.level {
			r.level = want
		}
	}
	t = q.skew(t)
	r := q.skew(q.nodes[t].right)
	q.nodes[t].right = r
	if r != 0 {
		q.nodes[r].right = q.skew(q.nodes[r].right)
	}
	t = q.split(t)
	q.nodes[t].right = q.split(q.nodes[t].right)
	return t
}

// skew turns a left child at t's level into t's parent.
func (q *frameQueue) skew(t int32) int32 {
	if t == 0 {
		return 0
	}
	n := &q.nodes[t]
	l := n.left
	if l == 0 || q.nodes[l].level != n.level {
		return t
	}
	n.left = q.nodes[l].right
	q.nodes[l].right = t
	return l
}

// split turns two right links at t's level into a parent one level up.
func (q *frameQueue) split(t int32) int32 {
	if t == 0 {
		return 0
	}
	n := &q.nodes[t]
	r := n.right
	if r == 0 || q.nodes[q.nodes[r].right].level != n.level {
		return t
	}
	n.right = q.nodes[r].left
	q.nodes[r].left = t
	q.nodes[r].level++
	return r
}

// newNode returns a node that starts at start, at level 1, from the free
// list or else the end of q.nodes.
func (q *frameQueue) newNode(start int64) int32 {
	t := q.free
	if t != 0 {
		q.free = q.nodes[t].left
	} else {
		if len(q.nodes) == 0 {
			q.nodes = make([]node, 1, minTreeCap)
		}
		t = int32(len(q.nodes))
		q.nodes = append(q.nodes, node{})
	}
	q.nodes[t] = node{e: entry{start: start}, level: 1}
	return t
}

// release returns t, out of the tree, to the free list, its frame let go.
// When the tree is empty every node is free, their entries zero: the
// slice starts again from its first, so the next nodes lie together.
func (q *frameQueue) release(t int32) {
	q.tn--
	q.nodes[t] = node{left: q.free}
	q.free = t
	if q.tn == 0 {
		q.nodes, q.free, q.least = q.nodes[:1], 0, 0
	}
}
