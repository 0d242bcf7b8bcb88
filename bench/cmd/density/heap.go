package main

// arrivalHeap is a min-heap of streams by the arrival time of their next
// frame, without container/heap's boxing.
type arrivalHeap []*stream

func (h arrivalHeap) less(i, j int) bool { return h[i].at.Before(h[j].at) }

func (h arrivalHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// fix0 restores the order after the root's time moved later.
func (h arrivalHeap) fix0() { h.down(0) }

func (h arrivalHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
