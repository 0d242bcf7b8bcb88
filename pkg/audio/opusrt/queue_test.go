package opusrt

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFrameQueueKeepsOrder inserts random starts (in order, reordered near
// either end, anywhere, duplicates) into a queue whose head wanders round
// the ring, and checks it against a sorted slice after every step.
func TestFrameQueueKeepsOrder(t *testing.T) {
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 1))
		var q frameQueue
		var want []int64
		next := int64(0)
		for step := range 2000 {
			var start int64
			switch k := r.IntN(10); {
			case k < 5 || len(want) == 0:
				next += 1 + r.Int64N(3)
				start = next
			case k < 7:
				start = want[0] - 1 - r.Int64N(3) // before the head
			case k < 9:
				start = want[r.IntN(len(want))] + r.Int64N(2) // anywhere, maybe a duplicate
			default:
				if len(want) > 0 {
					q.dropFront()
					want = want[1:]
				}
				continue
			}
			i, found := slices.BinarySearch(want, start)
			got := q.insert(start)
			if got != nil {
				got.start = start
			}
			if found != (got == nil) {
				t.Fatalf("seed %d step %d: insert(%d) duplicate=%v, want %v", seed, step, start, got == nil, found)
			}
			if !found {
				want = slices.Insert(want, i, start)
				if got.start != start {
					t.Fatalf("seed %d step %d: insert returned the entry at %d", seed, step, got.start)
				}
			}
			if q.len() != len(want) {
				t.Fatalf("seed %d step %d: len %d, want %d", seed, step, q.len(), len(want))
			}
			for j, s := range want {
				if q.at(j).start != s {
					t.Fatalf("seed %d step %d: entry %d starts at %d, want %d", seed, step, j, q.at(j).start, s)
				}
			}
			if len(want) > 200 {
				for range 150 {
					q.dropFront()
				}
				want = want[150:]
			}
		}
	}
}
