package opusrt

import (
	"strconv"
	"time"
)

// EventKind says what an Event is.
type EventKind uint8

// The kinds of Event. The zero EventKind is none of them: the Event that
// comes with an error.
const (
	// EventFrame is a frame to decode: Event.Frame.
	EventFrame EventKind = iota + 1
	// EventLoss is audio missing from the stream, Event.Duration of it,
	// for a decoder to conceal (or to recover from Event.FEC).
	EventLoss
	// EventInserted is a concealment slot that adaptive playout inserted
	// to grow its delay: the consumer conceals Event.Duration as for a
	// loss, but nothing of the stream is missing. It is counted as
	// inserted, not as lost.
	EventInserted
	// EventDiscontinuity is a jump of the stream's timeline: a stamp jump
	// beyond the resync threshold, forward (a gap no decoder should
	// conceal) or back (a sender that restarted). There is no audio to
	// conceal: Duration is 0, Start is where the new timeline begins
	// (the frame that follows) and Jump how far it moved. A consumer that
	// keeps state across frames (a decoder, a recording's timeline) may
	// start afresh. It counts in Stats.Resyncs.
	EventDiscontinuity
)

// String returns the kind's name: "frame", "loss", "inserted",
// "discontinuity", or "EventKind(n)" for another value.
func (k EventKind) String() string {
	switch k {
	case EventFrame:
		return "frame"
	case EventLoss:
		return "loss"
	case EventInserted:
		return "inserted"
	case EventDiscontinuity:
		return "discontinuity"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one step of a stream as the buffers hand it out (Buffer.Event,
// RealtimeBuffer.Event): a frame, a loss or inserted slot to conceal, or a
// discontinuity of the timeline. Frame() is the same stream with
// discontinuities passed over and the rest reduced to (frame, loss).
type Event struct {
	// Kind says what the event is.
	Kind EventKind
	// Frame is the frame of an EventFrame; nil for the other kinds. It may
	// be kept: the buffers never reuse its memory (but see Buffer.Append).
	Frame Frame
	// Start is where the event begins on the stream's timeline, the time
	// since the Unix epoch of the sender's stamps, with microsecond
	// resolution (a 2.5 ms frame stamped in whole milliseconds keeps its
	// exact start). For a frame it is the frame's stamp.
	Start time.Duration
	// Duration is how much audio the event covers: the frame's duration,
	// the loss or inserted slot to conceal; 0 for a discontinuity.
	Duration time.Duration
	// Jump is, for an EventDiscontinuity, how far the timeline moved:
	// Start minus the end of the event before it (negative for a jump
	// back); 0 when there was none (the first event after Reset).
	Jump time.Duration
	// FEC is, for an EventLoss of exactly one frame, the next frame held
	// when it carries in-band FEC (LBRR) data for the lost one, so that a
	// decoder can recover it (libopus opus_decode with decode_fec=1, with
	// Duration as the frame size) instead of concealing it. The same frame
	// is then the next EventFrame: decode it normally. nil otherwise.
	FEC Frame
}

// Stamp returns Start as EpochMillis, rounded down to the millisecond.
func (e Event) Stamp() EpochMillis {
	ms := e.Start / time.Millisecond
	if e.Start%time.Millisecond < 0 {
		ms--
	}
	return EpochMillis(ms)
}

// End returns where the event ends on the timeline: Start + Duration.
func (e Event) End() time.Duration { return e.Start + e.Duration }

// Conceal reports whether the event asks the consumer to conceal audio:
// a loss or an inserted slot.
func (e Event) Conceal() bool { return e.Kind == EventLoss || e.Kind == EventInserted }

// frameResult reduces an event to what Frame returns: a frame with loss 0,
// or nil and the duration to conceal.
func (e Event) frameResult() (Frame, time.Duration) {
	if e.Kind == EventFrame {
		return e.Frame, 0
	}
	return nil, e.Duration
}
