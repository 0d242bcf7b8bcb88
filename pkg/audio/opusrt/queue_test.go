package opusrt

import (
	"cmp"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// entries returns the entries held, in start order, merging the ring
// and the tree.
func (q *frameQueue) entries() []*entry {
	out := make([]*entry, 0, q.len())
	for i := range q.ringLen() {
		out = append(out, q.at(i))
	}
	var walk func(t int32)
	walk = func(t int32) {
		if t != 0 {
			walk(q.nodes[t].left)
			out = append(out, &q.nodes[t].e)
			walk(q.nodes[t].right)
		}
	}
	walk(q.root)
	slices.SortFunc(out, func(a, b *entry) int { return cmp.Compare(a.start, b.start) })
	return out
}

// height returns the tree's height: 0 for none.
func (q *frameQueue) height(t int32) int {
	if t == 0 {
		return 0
	}
	return 1 + max(q.height(q.nodes[t].left), q.height(q.nodes[t].right))
}

// checkQueue fails unless q keeps its invariants: the ring sorted and its
// unused slots zero; the tree a valid AA tree, sorted, of height at most
// 2·log₂(n+1), every start in it after the ring's head and before its
// back, least its leftmost node; the ring empty only with the tree; every node in the
// tree or on the free list, the free ones zero but for their link.
func checkQueue(t *testing.T, q *frameQueue) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("queue (ring %d, tree %d): %s", q.ringLen(), q.tn, fmt.Sprintf(format, args...))
	}
	for i := 1; i < q.ringLen(); i++ {
		if q.at(i-1).start >= q.at(i).start {
			fail("ring entry %d starts at %d, after %d", i, q.at(i).start, q.at(i-1).start)
		}
	}
	for i := q.ringLen(); i < len(q.ring); i++ {
		if p := q.at(i); p.start != 0 || p.dur != 0 || p.arrival != 0 || p.frame != nil {
			fail("unused ring slot %d holds %+v", i, *p)
		}
	}
	if q.ringLen() == 0 && q.tn != 0 {
		fail("the ring is empty and the tree is not")
	}
	count := 0
	var last *int64
	var walk func(t int32, lo, hi int64)
	walk = func(t int32, lo, hi int64) {
		if t == 0 {
			return
		}
		count++
		if count > len(q.nodes) {
			fail("the tree has a cycle")
		}
		n := q.nodes[t]
		if n.e.start <= lo || n.e.start >= hi {
			fail("node %d starts at %d, outside (%d, %d)", t, n.e.start, lo, hi)
		}
		l, r := q.nodes[n.left], q.nodes[n.right]
		switch {
		case n.left == 0 && n.right == 0 && n.level != 1:
			fail("leaf %d at level %d", t, n.level)
		case l.level != n.level-1:
			fail("node %d at level %d, its left child at %d", t, n.level, l.level)
		case r.level != n.level && r.level != n.level-1:
			fail("node %d at level %d, its right child at %d", t, n.level, r.level)
		case q.nodes[r.right].level >= n.level:
			fail("node %d at level %d, its right grandchild at %d", t, n.level, q.nodes[r.right].level)
		case n.level > 1 && (n.left == 0 || n.right == 0):
			fail("node %d at level %d lacks a child", t, n.level)
		}
		walk(n.left, lo, n.e.start)
		if last == nil {
			if q.least != t {
				fail("least is %d, the leftmost node is %d", q.least, t)
			}
		}
		last = &n.e.start
		walk(n.right, n.e.start, hi)
	}
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if q.ringLen() > 0 {
		lo, hi = q.at(0).start, q.at(q.ringLen()-1).start
	}
	walk(q.root, lo, hi)
	if count != q.tn {
		fail("%d nodes in the tree, tn %d", count, q.tn)
	}
	if q.tn == 0 && (q.root != 0 || q.least != 0 || len(q.nodes) > 1) {
		fail("empty tree with root %d, least %d, %d nodes", q.root, q.least, len(q.nodes))
	}
	if h, limit := q.height(q.root), 2*bits.Len(uint(q.tn)); h > limit {
		fail("tree of %d nodes %d high, more than %d", q.tn, h, limit)
	}
	if z := q.nodes[:min(len(q.nodes), 1)]; len(z) == 1 && (!zeroEntry(z[0].e) || z[0].left != 0 || z[0].right != 0 || z[0].level != 0) {
		fail("sentinel is %+v", q.nodes[0])
	}
	free := 0
	for f := q.free; f != 0; f = q.nodes[f].left {
		free++
		if free > len(q.nodes) {
			fail("the free list has a cycle")
		}
		if n := q.nodes[f]; !zeroEntry(n.e) || n.right != 0 || n.level != 0 {
			fail("free node %d holds %+v", f, n)
		}
	}
	if used := max(len(q.nodes)-1, 0); free+q.tn != used {
		fail("%d nodes, %d in the tree and %d free", used, q.tn, free)
	}
}

func zeroEntry(e entry) bool { return e.start == 0 && e.dur == 0 && e.arrival == 0 && e.frame == nil }

// modelQueue is the queue's specification: the entries held, sorted.
type modelQueue []entry

func (m modelQueue) search(start int64) (int, bool) {
	return slices.BinarySearchFunc(m, start, func(e entry, s int64) int {
		switch {
		case e.start < s:
			return -1
		case e.start > s:
			return 1
		}
		return 0
	})
}

// payload is what a test stores in the entry that starts at start, to see
// that the queue keeps each slot's contents with its start.
func payload(start int64) entry {
	return entry{start: start, dur: 3*start + 1, arrival: -start, frame: payloadFrames[start&255]}
}

var payloadFrames = func() (f [256]Frame) {
	for i := range f {
		f[i] = Frame{byte(i)}
	}
	return f
}()

// insertChecked inserts start into q and m, fills the slot, and checks the
// queue's answer against the model's.
func insertChecked(t *testing.T, q *frameQueue, m *modelQueue, start int64) {
	t.Helper()
	i, found := m.search(start)
	p := q.insert(start)
	if found != (p == nil) {
		t.Fatalf("insert(%d) = %v, want a duplicate: %v", start, p, found)
	}
	if found {
		return
	}
	if e := *p; e.start != start && e.start != 0 || !zeroEntry(entry{dur: e.dur, arrival: e.arrival, frame: e.frame}) {
		t.Fatalf("insert(%d) returned the slot %+v, want zero but for start", start, *p)
	}
	*p = payload(start)
	*m = slices.Insert(*m, i, *p)
}

// compareQueue checks q's length, front, and every entry against m.
func compareQueue(t *testing.T, q *frameQueue, m modelQueue) {
	t.Helper()
	if q.len() != len(m) {
		t.Fatalf("len %d, want %d", q.len(), len(m))
	}
	if len(m) == 0 {
		return
	}
	if f := q.front(); f.start != m[0].start || f.dur != m[0].dur || f.arrival != m[0].arrival || !slices.Equal(f.frame, m[0].frame) {
		t.Fatalf("front %+v, want %+v", *f, m[0])
	}
	got := q.entries()
	for i, e := range m {
		if p := got[i]; p.start != e.start || p.dur != e.dur || p.arrival != e.arrival || !slices.Equal(p.frame, e.frame) {
			t.Fatalf("entry %d holds %+v, want %+v", i, *p, e)
		}
	}
}

// TestFrameQueueModel runs random sequences of in-order, reordered (near
// either end, anywhere), duplicate, dropFront and clear operations against
// a sorted slice, checking the queue's invariants after every step.
func TestFrameQueueModel(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			var q frameQueue
			var m modelQueue
			next := int64(0)
			limit := 100 + r.IntN(300) // how many are held before a burst of drops
			mostInTree := 0
			for range 3000 {
				mostInTree = max(mostInTree, q.tn)
				switch k := r.IntN(100); {
				case k < 30 || len(m) == 0:
					next += 1 + r.Int64N(4)
					insertChecked(t, &q, &m, next)
				case k < 38:
					insertChecked(t, &q, &m, m[len(m)-1].start-1-r.Int64N(int64(2*nearEnd+3))) // near the back
				case k < 45:
					insertChecked(t, &q, &m, m[0].start-1-r.Int64N(4)) // before the front
				case k < 75:
					lo := m[0].start - 2
					insertChecked(t, &q, &m, lo+r.Int64N(next-lo+1)) // anywhere, maybe held
				case k < 80:
					insertChecked(t, &q, &m, m[r.IntN(len(m))].start) // a duplicate
				case k < 99:
					q.dropFront()
					m = m[1:]
				default:
					q.clear()
					m = m[:0]
				}
				checkQueue(t, &q)
				compareQueue(t, &q, m)
				if len(m) > limit {
					for range len(m) - limit/3 {
						q.dropFront()
						m = m[1:]
					}
					checkQueue(t, &q)
					compareQueue(t, &q, m)
				}
			}
			if mostInTree < 10 {
				t.Errorf("the tree held %d at most: the sequence did not test it", mostInTree)
			}
			t.Logf("limit %d, the tree held %d at most", limit, mostInTree)
		})
	}
}

// TestFrameQueueEdges walks the queue through the corners of its two
// parts: the tree emptying while the ring holds, the ring and tree
// emptying together, clear with both holding, growth of both while the
// other holds, and a queue reused after each.
func TestFrameQueueEdges(t *testing.T) {
	type op struct {
		insert []int64 // in this order
		drop   int     // then this many from the front
		clear  bool    // then clear
		tree   int     // then the tree holds this many; -1: any
	}
	span := func(from, to, step int64) []int64 {
		var s []int64
		for v := from; step > 0 && v < to || step < 0 && v > to; v += step {
			s = append(s, v)
		}
		return s
	}
	tests := []struct {
		name string
		ops  []op
	}{
		{"tree empties, ring holds", []op{
			{insert: span(0, 1000, 10), tree: 0},         // 100 in the ring
			{insert: []int64{455, 465, 505}, tree: 3},    // the middle
			{drop: 47, tree: 2},                          // 0..450, 455
			{drop: 2, tree: 1},                           // 460, 465
			{drop: 5, tree: 0},                           // 470..500, 505
			{insert: []int64{515, 2000, 755}, tree: 1},   // near the head, in order, the middle
			{insert: []int64{1995, 1985, 1975}, tree: 1}, // near the back
		}},
		{"ring and tree empty together", []op{
			{insert: span(0, 1000, 10)},
			{insert: span(505, 95, -10), tree: 41},
			{drop: 141, tree: 0},
			{insert: []int64{7, 3}, tree: 0}, // a new start, before what was held
			{drop: 2},
		}},
		{"clear with both holding", []op{
			{insert: span(0, 4000, 10)},
			{insert: span(105, 3900, 20), tree: 190},
			{clear: true},
			{insert: span(1000, 2000, 10)},
			{insert: []int64{1505, 1555}, tree: 2},
			{clear: true},
		}},
		{"tree grows while ring holds", []op{
			{insert: span(0, 100000, 100), tree: 0},
			{insert: span(50050, 99000, 100), tree: 490},
			{insert: span(49950, 1000, -100), tree: 490 + 490},
			{drop: 1500, tree: 235}, // 470 left below the ring's last 10: half in each
		}},
		{"ring grows while tree holds", []op{
			{insert: span(0, 1000, 10), tree: 0},
			{insert: span(205, 800, 10), tree: 60},
			{insert: span(1000, 50000, 10), tree: 60},
			{insert: span(1005, 40000, 10), tree: 60 + 3900},
			{drop: 4900, tree: -1},
		}},
		{"ring full, reordered near its back", []op{
			{insert: span(0, 2*minQueueCap, 2), tree: 0},
			{insert: []int64{minQueueCap*2 - 3}, tree: 0},
		}},
		{"ring full, reordered before its head", []op{
			{insert: span(100, 100+2*minQueueCap, 2), tree: 0},
			{insert: []int64{99, 101}, tree: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q frameQueue
			var m modelQueue
			for i, o := range tt.ops {
				for _, s := range o.insert {
					insertChecked(t, &q, &m, s)
				}
				for range o.drop {
					q.dropFront()
					m = m[1:]
				}
				if o.clear {
					q.clear()
					m = m[:0]
				}
				checkQueue(t, &q)
				compareQueue(t, &q, m)
				if o.tree >= 0 {
					if q.tn != o.tree {
						t.Fatalf("op %d: the tree holds %d, want %d", i, q.tn, o.tree)
					}
				}
			}
			for q.len() > 0 {
				q.dropFront()
				m = m[1:]
				if q.len() < 50 || q.len()%101 == 0 {
					checkQueue(t, &q)
					compareQueue(t, &q, m)
				}
			}
		})
	}
}

// TestFrameQueueAdversarial holds every other frame, then fills the gaps
// in orders an unbalanced tree or a shifting ring would pay for: from the
// middle outwards, and ascending and descending. The tree must stay
// balanced and every late frame go to it, not move the ring.
func TestFrameQueueAdversarial(t *testing.T) {
	const n = 4096                        // even frames held
	orders := map[string]func(k int) int{ // the k-th gap filled, 0 ≤ k < n-1
		"middle outwards": func(k int) int {
			mid := (n - 1) / 2
			if k%2 == 0 {
				return mid - k/2
			}
			return mid + 1 + k/2
		},
		"ascending":  func(k int) int { return k },
		"descending": func(k int) int { return n - 2 - k },
	}
	for name, gap := range orders {
		t.Run(name, func(t *testing.T) {
			var q frameQueue
			var m modelQueue
			for i := range n {
				insertChecked(t, &q, &m, int64(2*i))
			}
			for k := range n - 1 {
				g := gap(k)
				insertChecked(t, &q, &m, int64(2*g+1))
				if k%256 == 0 {
					checkQueue(t, &q)
				}
			}
			checkQueue(t, &q)
			compareQueue(t, &q, m)
			// Only the gaps within nearEnd of the ring's ends were filled
			// in it.
			if q.ringLen() > n+2*nearEnd || q.tn < n-1-2*nearEnd {
				t.Fatalf("the ring holds %d, the tree %d: want at most %d in the ring", q.ringLen(), q.tn, n+2*nearEnd)
			}
			for q.len() > 0 {
				q.dropFront()
				m = m[1:]
				if q.len()%512 == 0 {
					checkQueue(t, &q)
					compareQueue(t, &q, m)
				}
			}
			checkQueue(t, &q)
		})
	}
}

// TestFrameQueueSteadyStateAllocs plays a stream whose every second frame
// arrives late, into the middle of what is held, once the queue has held
// that much: it allocates nothing, and its memory stays what it was.
func TestFrameQueueSteadyStateAllocs(t *testing.T) {
	const whole, gapped = 300, 300
	var q frameQueue
	for i := range whole {
		q.insert(int64(i))
	}
	for i := range gapped {
		q.insert(int64(whole + 2*i))
	}
	j := 0
	step := func() {
		*q.insert(int64(whole + 2*(gapped+j))) = payload(int64(whole + 2*(gapped+j)))
		*q.insert(int64(whole + 2*j + 1)) = payload(int64(whole + 2*j + 1))
		q.dropFront()
		q.dropFront()
		j++
	}
	for range 2 * (whole + gapped) {
		step()
	}
	ringCap, nodesCap := len(q.ring), cap(q.nodes)
	if n := testing.AllocsPerRun(5000, step); n != 0 {
		t.Errorf("%v allocations a step, want 0", n)
	}
	checkQueue(t, &q)
	if len(q.ring) != ringCap || cap(q.nodes) != nodesCap {
		t.Errorf("ring %d → %d, nodes %d → %d: memory grew in steady state", ringCap, len(q.ring), nodesCap, cap(q.nodes))
	}
	if q.tn < gapped/2-nearEnd || q.len() != whole+gapped {
		t.Errorf("tree holds %d of %d, want the late half of the whole frames", q.tn, q.len())
	}
}

// TestFrameQueueTreeFull lowers the tree's limit: past it, reordered
// entries go to the ring, moving entries, and the queue stays right.
func TestFrameQueueTreeFull(t *testing.T) {
	defer func(n int) { maxTreeLen = n }(maxTreeLen)
	maxTreeLen = 5
	var q frameQueue
	var m modelQueue
	for i := range 200 {
		insertChecked(t, &q, &m, int64(2*i))
	}
	for i := range 100 {
		insertChecked(t, &q, &m, int64(2*(50+i)+1))
		checkQueue(t, &q)
		if q.tn > maxTreeLen {
			t.Fatalf("the tree holds %d, more than %d", q.tn, maxTreeLen)
		}
	}
	if q.tn != maxTreeLen {
		t.Fatalf("the tree holds %d, want %d", q.tn, maxTreeLen)
	}
	compareQueue(t, &q, m)
	for q.len() > 0 {
		q.dropFront()
		m = m[1:]
		checkQueue(t, &q)
		compareQueue(t, &q, m)
	}
}

// TestBufferReorderedDeep runs the Buffer over its queue's tree: 20 ms
// frames arrive shuffled within blocks of 100 (every frame up to 99 places
// out, far past nearEnd), some twice, while the reader keeps 150 held, so
// no frame is late. Every frame must be played once, in stamp order, with
// its own bytes, and every copy counted as a duplicate.
func TestBufferReorderedDeep(t *testing.T) {
	const n, block, keep = 3000, 100, 150
	for seed := range uint64(8) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 11))
			frame := func(i int) Frame { return Frame{9 << 3, byte(i), byte(i >> 8)} }
			var order []int
			for b := 0; b < n; b += block {
				p := r.Perm(block)
				for _, k := range p {
					order = append(order, b+k)
				}
			}
			buf := NewBuffer(time.Hour, WithoutArrivalTimes())
			played, dups, mostInTree := 0, 0, 0
			read := func() {
				f, loss, err := buf.Frame()
				if err != nil || loss != 0 || !slices.Equal(f, frame(played)) {
					t.Fatalf("frame %d: Frame = %x, %v, %v; want %x", played, f, loss, err, frame(played))
				}
				played++
			}
			for k, i := range order {
				if err := buf.Append(frame(i), EpochMillis(20*i)); err != nil {
					t.Fatalf("Append %d: %v", i, err)
				}
				if k > 0 && r.IntN(10) == 0 {
					j := order[k-1-r.IntN(min(k, 20))] // sent again, maybe played
					if err := buf.Append(frame(j), EpochMillis(20*j)); err != nil && j >= played {
						t.Fatalf("Append %d again: %v", j, err)
					}
					if j >= played {
						dups++
					}
				}
				mostInTree = max(mostInTree, buf.queue.tn)
				for buf.Len() > keep {
					read()
				}
			}
			for buf.Len() > 0 {
				read()
			}
			if _, _, err := buf.Frame(); err != io.EOF {
				t.Fatalf("Frame after the last = %v, want io.EOF", err)
			}
			s := buf.Stats()
			if played != n || s.PacketsPlayed != n || s.PacketsDuplicated != uint64(dups) || s.PacketsLost != 0 {
				t.Fatalf("played %d of %d; stats %+v, want %d duplicates", played, n, s, dups)
			}
			if mostInTree < keep/4 {
				t.Fatalf("the tree held %d at most: the stream did not reach it", mostInTree)
			}
		})
	}
}
