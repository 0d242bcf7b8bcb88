package rtp

import (
	"io"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// Sink takes the frames a Receiver makes of RTP packets, stamped on the
// Buffer's timeline. *opusrt.Buffer is one; StampedSink makes one of an
// *opusrt.RealtimeBuffer or any writer of stamped frames.
//
// The Receiver calls Append from the goroutine that called Receive, one
// call at a time, with a frame the sink may keep: it is the Receiver's own
// copy of the payload, never written again.
type Sink interface {
	Append(frame opusrt.Frame, stamp opusrt.EpochMillis) error
}

// StampedSink returns a Sink that writes each frame to w as one stamped
// frame (opusrt.AppendStamped), for *opusrt.RealtimeBuffer and other
// writers that take stamped frames, such as a UDP connection to a stamped
// receiver. w must not keep the slice it is given (the Write contract of
// io.Writer, which both opusrt buffers honour by copying): it is reused for
// the next frame, so the sink costs no allocation per frame. An error of
// w.Write is returned as is.
func StampedSink(w io.Writer) Sink { return &stampedSink{w: w} }

type stampedSink struct {
	w       io.Writer
	scratch []byte
}

func (s *stampedSink) Append(frame opusrt.Frame, stamp opusrt.EpochMillis) error {
	s.scratch = opusrt.AppendStamped(s.scratch[:0], frame, stamp)
	_, err := s.w.Write(s.scratch)
	return err
}

// copies marks the sinks that copy what they are given, so the Receiver
// hands them the payload in place instead of copying it first.
func (*stampedSink) copies() {}

type copyingSink interface{ copies() }

// frameSlab copies frames into chunks that are never reused, so that a
// sink may keep them, at well under one allocation per frame.
type frameSlab struct{ buf []byte }

const (
	slabSize       = 16 << 10
	slabLargeFrame = 2 << 10 // frames above this get their own allocation
)

func (s *frameSlab) copy(b []byte) opusrt.Frame {
	n := len(b)
	if n > slabLargeFrame {
		return opusrt.Frame(b).Clone()
	}
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]byte, 0, slabSize)
	}
	start := len(s.buf)
	s.buf = append(s.buf, b...)
	return opusrt.Frame(s.buf[start : start+n : start+n])
}
