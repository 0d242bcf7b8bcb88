package rtp

import (
	"errors"
	"fmt"
)

// The sentinel errors callers branch on. Errors returned by this package
// wrap them with what was wrong.
var (
	// ErrInvalidPacket reports bytes that are not a well-formed RTP packet
	// (RFC 3550 §5.1), or a Header or Packet that cannot be encoded.
	ErrInvalidPacket = errors.New("rtp: invalid packet")
	// ErrInvalidRTCP reports bytes that are not a well-formed RTCP packet
	// (RFC 3550 §6), or a report that cannot be encoded.
	ErrInvalidRTCP = errors.New("rtp: invalid RTCP packet")
	// ErrInvalidExtension reports a header extension whose elements do not
	// follow RFC 8285. The packet itself is still valid: the extension is
	// opaque to RTP, so only parsing its elements fails.
	ErrInvalidExtension = errors.New("rtp: invalid header extension")
)

// wireError is a sentinel with what was wrong: "rtp: <reason>: <detail>".
type wireError struct {
	sentinel error
	detail   string
}

func (e *wireError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *wireError) Unwrap() error { return e.sentinel }

// errorf returns an error that wraps sentinel and reads
// "rtp: <sentinel's reason>: <details>".
func errorf(sentinel error, format string, args ...any) error {
	return &wireError{sentinel, fmt.Sprintf(format, args...)}
}

// withContext puts context before the detail of an error of this package,
// so that the prefix is said once: "rtp: invalid RTCP packet: packet 2: ...".
func withContext(err error, format string, args ...any) error {
	var we *wireError
	if errors.As(err, &we) {
		return &wireError{we.sentinel, fmt.Sprintf(format, args...) + ": " + we.detail}
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// ErrIgnored reports a datagram the Receiver did not take, though nothing
// is wrong with it: another payload type, another SSRC while the current
// stream is live, a sequence number too far from the stream's, a datagram
// that is not RTP. It is counted in ReceiverStats.
var ErrIgnored = errors.New("rtp: packet ignored")

// ErrProbation reports the first packet of a would-be stream, held until a
// second packet of the same SSRC confirms it (see Receiver). The packet is
// not lost: it reaches the sink with the second. Random datagrams never
// get past probation, so a caller that locks onto a sender should do so
// on a nil error, not on this.
var ErrProbation = errors.New("rtp: packet held on probation")

// lazyError is a wireError whose detail is formatted only when asked for:
// the Receiver returns one for every datagram it ignores, and a flood of
// them should cost one small allocation each, not a Sprintf.
type lazyError struct {
	sentinel error
	format   string
	args     [3]int64
}

// lazyErrorf returns an error wrapping sentinel whose detail is format
// applied to a, b and c. The format must index its verbs (%[1]d), so that
// the arguments it leaves out are not reported as extra.
func lazyErrorf(sentinel error, format string, a, b, c int64) error {
	return &lazyError{sentinel, format, [3]int64{a, b, c}}
}

func (e *lazyError) Error() string {
	return e.sentinel.Error() + ": " + fmt.Sprintf(e.format, e.args[0], e.args[1], e.args[2])
}

func (e *lazyError) Unwrap() error { return e.sentinel }
