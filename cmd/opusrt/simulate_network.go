package main

import "time"

// network computes when each packet sent arrives: none when it is lost,
// two when it is duplicated (netsim.Link, or a trace). Times are on a
// clock (AppendSend, for send) or offsets from a start (AppendSendAt, for
// simulate); one network takes one kind.
type network interface {
	AppendSend(dst []time.Time, at time.Time) []time.Time
	AppendSendAt(dst []time.Duration, at time.Duration) []time.Duration
}

// arrival is one copy of a packet reaching the receiver.
type arrival struct {
	at  time.Duration // from the start
	seq uint64        // the order the copies were made, for equal times
	idx int64         // the packet's number in send order
}

// inFlight holds the copies sent and not yet arrived, earliest first (in
// the order they were made when they arrive at once). It holds what the
// network holds, whatever the input's length.
type inFlight struct {
	h   []arrival // a binary min-heap
	seq uint64
}

// add puts a copy of packet idx in flight, to arrive at at.
func (f *inFlight) add(at time.Duration, idx int64) {
	f.h = append(f.h, arrival{at: at, seq: f.seq, idx: idx})
	f.seq++
	// Sift up.
	h := f.h
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].before(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// next returns the earliest copy in flight without taking it.
func (f *inFlight) next() (arrival, bool) {
	if len(f.h) == 0 {
		return arrival{}, false
	}
	return f.h[0], true
}

// take removes the earliest copy in flight; there must be one.
func (f *inFlight) take() arrival {
	h := f.h
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	// Sift down.
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h[r].before(h[l]) {
			m = r
		}
		if !h[m].before(h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	f.h = h
	return top
}

func (f *inFlight) len() int { return len(f.h) }

// before orders copies by arrival, then by the order they were made.
func (a arrival) before(b arrival) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.seq < b.seq
}
