package opusrt

import (
	"errors"
	"fmt"
)

// The sentinel errors callers branch on. Errors returned by this package
// wrap them with what was wrong, so test with errors.Is.
var (
	// ErrDisorderedPacket reports a frame that arrived after the audio it
	// belongs to was already played or passed over: a late frame.
	ErrDisorderedPacket = errors.New("opusrt: disordered packet")
	// ErrInvalidFrame reports bytes that are not a valid Opus packet
	// (RFC 6716 §3.4) or a stamped frame that cannot be parsed.
	ErrInvalidFrame = errors.New("opusrt: invalid frame")
	// ErrDone reports a write to a buffer or writer that was closed.
	ErrDone = errors.New("opusrt: done")
	// ErrNotDue is what RealtimeBuffer.TryFrame returns when nothing is due
	// yet. It is returned as is, never wrapped.
	ErrNotDue = errors.New("opusrt: not due yet")
)

// errorf returns an error that wraps sentinel and reads
// "opusrt: <sentinel's reason>: <details>".
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
