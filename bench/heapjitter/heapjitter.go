// Package heapjitter is the jitter buffer users hand-roll with
// container/heap: a min-heap of frames by stamp and a read position. It is
// the baseline of the side-by-side benchmarks, written the way the pattern
// is usually written (value items boxed through heap.Push and heap.Pop),
// not tuned.
package heapjitter

import (
	"container/heap"
	"errors"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// ErrLate reports a frame that starts before the read position.
var ErrLate = errors.New("heapjitter: late frame")

// tolerance is how far a frame may start from the read position and still
// count as contiguous, as opusrt.StampTolerance.
const tolerance = 2 * time.Millisecond

type item struct {
	stamp time.Duration // start of the frame's audio since the epoch
	dur   time.Duration
	frame opusrt.Frame
}

type frameHeap []item

func (h frameHeap) Len() int           { return len(h) }
func (h frameHeap) Less(i, j int) bool { return h[i].stamp < h[j].stamp }
func (h frameHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *frameHeap) Push(x any)        { *h = append(*h, x.(item)) }
func (h *frameHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = item{}
	*h = old[:n-1]
	return it
}

// Buffer is a min-heap jitter buffer with the contract of opusrt.Buffer's
// Append and Frame, minus statistics, duplicates and resyncs. It is not
// safe for concurrent use.
type Buffer struct {
	h      frameHeap
	hasPos bool
	pos    time.Duration // end of what Frame last returned
}

// Append adds frame, whose audio starts at stamp. A frame starting before
// the read position is ErrLate.
func (b *Buffer) Append(frame opusrt.Frame, stamp opusrt.EpochMillis) error {
	s := stamp.Duration()
	if b.hasPos && s < b.pos-tolerance {
		return ErrLate
	}
	heap.Push(&b.h, item{stamp: s, dur: frame.Duration(), frame: frame})
	return nil
}

// Frame returns the next frame in stamp order, or a nil frame and the gap
// before the next one, or io.EOF when nothing is held.
func (b *Buffer) Frame() (opusrt.Frame, time.Duration, error) {
	if len(b.h) == 0 {
		return nil, 0, io.EOF
	}
	if top := b.h[0]; b.hasPos && top.stamp > b.pos+tolerance {
		gap := top.stamp - b.pos
		b.pos = top.stamp
		return nil, gap, nil
	}
	it := heap.Pop(&b.h).(item)
	b.hasPos, b.pos = true, it.stamp+it.dur
	return it.frame, 0, nil
}

// Len returns the number of frames held.
func (b *Buffer) Len() int { return len(b.h) }
