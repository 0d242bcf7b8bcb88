package main

import (
	"sync/atomic"
	"time"
)

const (
	bucketWidth = 10 * time.Microsecond
	buckets     = 10000 // up to 100 ms; later returns count in the last
	shards      = 64
)

// histogram counts lateness in 10 µs buckets. It is sharded so that
// thousands of consumers adding at once do not all hit one cache line.
type histogram struct {
	shard  [shards][buckets]atomic.Uint32
	maxVal atomic.Int64
}

func newHistogram() *histogram { return new(histogram) }

// add counts d; shard spreads concurrent callers (a stream's index).
func (h *histogram) add(shard int, d time.Duration) {
	if d < 0 {
		d = 0
	}
	for {
		m := h.maxVal.Load()
		if int64(d) <= m || h.maxVal.CompareAndSwap(m, int64(d)) {
			break
		}
	}
	b := min(int(d/bucketWidth), buckets-1)
	h.shard[shard%shards][b].Add(1)
}

func (h *histogram) merged() []uint64 {
	m := make([]uint64, buckets)
	for s := range h.shard {
		for b := range h.shard[s] {
			m[b] += uint64(h.shard[s][b].Load())
		}
	}
	return m
}

func (h *histogram) count() int64 {
	var n int64
	for _, c := range h.merged() {
		n += int64(c)
	}
	return n
}

// quantile returns the upper edge of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	m := h.merged()
	var total uint64
	for _, c := range m {
		total += c
	}
	if total == 0 {
		return 0
	}
	rank := uint64(q * float64(total))
	var seen uint64
	for b, c := range m {
		seen += c
		if seen > rank {
			return time.Duration(b+1) * bucketWidth
		}
	}
	return time.Duration(buckets) * bucketWidth
}

func (h *histogram) max() time.Duration { return time.Duration(h.maxVal.Load()) }
