package opusrt

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// Frame is one Opus packet (RFC 6716 §3): a TOC byte and the compressed
// frames it describes. Despite the name it may carry up to 48 frames, 120 ms
// of audio; the seed API calls a packet a frame, and so does this package.
type Frame []byte

// Duration returns how long the packet plays, from its TOC and frame count
// (RFC 6716 §3.1–3.2). A malformed packet — empty, code 3 without its count
// byte, a count of zero, more than 120 ms — has duration 0.
func (f Frame) Duration() time.Duration { return opus.PacketDuration(f) }

// Samples returns the packet's length in 48 kHz samples (0 when malformed,
// as Duration).
func (f Frame) Samples() int { return opus.PacketSamples(f) }

// Clone returns a copy of f that shares no memory with it. Clone of nil is nil.
func (f Frame) Clone() Frame {
	if f == nil {
		return nil
	}
	return append(Frame(make([]byte, 0, len(f))), f...)
}

// TOC returns the packet's table-of-contents byte; 0 for an empty frame.
func (f Frame) TOC() opus.TOC {
	if len(f) == 0 {
		return 0
	}
	return opus.TOC(f[0])
}

// IsStereo reports whether the packet codes two channels.
func (f Frame) IsStereo() bool { return f.TOC().Stereo() }

// Valid reports whether f obeys every rule of RFC 6716 §3.4 (R1–R7). Only
// valid frames enter a Buffer or an OggWriter.
func (f Frame) Valid() bool { return opus.Valid(f) }

// validate returns nil for a valid frame and an error wrapping
// ErrInvalidFrame that says what is wrong otherwise.
func (f Frame) validate() error {
	if err := opus.Validate(f); err != nil {
		return &frameError{err: err}
	}
	return nil
}

// frameError wraps both ErrInvalidFrame and the parser's reason.
type frameError struct{ err error }

func (e *frameError) Error() string { return "opusrt: invalid frame: " + e.err.Error() }

func (e *frameError) Unwrap() []error { return []error{ErrInvalidFrame, e.err} }
