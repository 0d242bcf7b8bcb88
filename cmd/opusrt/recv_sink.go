package main

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// overlapSink passes the RTP Receiver's frames to the buffer, moving on a
// frame that starts inside the one before it: the buffer would drop it as
// overlapping what it played, and a recorder keeps every packet. GStreamer
// does this: after oggdemux, rtpopuspay steps the timestamp of the first
// packet by its duration less the pre-skip (13.5 ms for a 20 ms frame), so
// the second packet overlaps the first by 6.5 ms. The shift is kept for
// the frames after it, so they do not overlap in turn, and is forgotten at
// a jump of more than the resync threshold (a new timeline). Frames that
// start at or before the previous one's start (reordered, duplicated) pass
// unchanged for the buffer to judge.
type overlapSink struct {
	next               rtp.Sink
	shift              opusrt.EpochMillis
	lastStart, lastEnd opusrt.EpochMillis
	have               bool
	moved              int // frames moved on
}

// Append passes frame on, its stamp moved if it overlaps the last.
func (s *overlapSink) Append(frame opusrt.Frame, stamp opusrt.EpochMillis) error {
	st := stamp + s.shift
	if s.have && absMillis(st-s.lastStart) > opusrt.FromDuration(opusrt.DefaultResyncThreshold) {
		s.shift, st = 0, stamp
	}
	tol := opusrt.FromDuration(opusrt.StampTolerance)
	if s.have && st > s.lastStart && st < s.lastEnd-tol {
		s.shift += s.lastEnd - st
		st = s.lastEnd
		s.moved++
	}
	if !s.have || st > s.lastStart {
		// Whole milliseconds, rounded down: a 2.5 ms frame ends at 2, so
		// whole-millisecond stamps of short frames are never moved.
		s.lastStart, s.lastEnd, s.have = st, st+opusrt.FromDuration(frame.Duration().Truncate(time.Millisecond)), true
	}
	return s.next.Append(frame, st)
}

func absMillis(m opusrt.EpochMillis) opusrt.EpochMillis {
	if m < 0 {
		return -m
	}
	return m
}
