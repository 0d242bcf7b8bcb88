package rtp

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// ReceiverOption configures a Receiver.
type ReceiverOption func(*receiverConfig)

type receiverConfig struct {
	clock       opusrt.Clock
	payloadType int // −1: the first dynamic type carrying Opus
	quiet       time.Duration
	ssrc        uint32
	ssrcSet     bool
	cname       string
	onFrame     func(FrameInfo)
	noProbation bool
}

// DefaultStreamTimeout is how long a stream must be silent before a packet
// of another SSRC may start a new stream (WithStreamTimeout). Opus DTX
// sends a packet at least every 400 ms through silence, so 2 s of nothing
// means the sender stopped.
const DefaultStreamTimeout = 2 * time.Second

// WithPayloadType accepts only RTP packets of payload type pt (0–127), as
// an SDP's a=rtpmap line gives it. Without it the Receiver takes the first
// dynamic payload type (96–127) whose packet carries a valid Opus payload.
// A pt above 127 is treated as 127 & pt.
func WithPayloadType(pt uint8) ReceiverOption {
	return func(c *receiverConfig) { c.payloadType = int(pt & 0x7F) }
}

// WithReceiverClock sets the clock that gives arrival times: the wall
// clock of the first packet's stamp, the jitter, the stream timeout and
// DLSR. The default is opusrt.SystemClock(); tests pass a fakeclock.
func WithReceiverClock(clk opusrt.Clock) ReceiverOption {
	return func(c *receiverConfig) { c.clock = clk }
}

// WithStreamTimeout sets how long the current stream must have been
// silent before a packet of another SSRC starts a new stream, or a
// sequence number far from the last starts one without waiting for a
// second packet to confirm it. The default is DefaultStreamTimeout.
func WithStreamTimeout(d time.Duration) ReceiverOption {
	return func(c *receiverConfig) { c.quiet = d }
}

// WithReporterSSRC sets the SSRC the Receiver's reports come from; the
// default is random (crypto/rand), as RFC 3550 §8.1 asks.
func WithReporterSSRC(ssrc uint32) ReceiverOption {
	return func(c *receiverConfig) { c.ssrc, c.ssrcSet = ssrc, true }
}

// WithCNAME sets the canonical name AppendReport puts in its SDES; the
// default is "opusrt-" and the reporter SSRC in hex.
func WithCNAME(cname string) ReceiverOption {
	return func(c *receiverConfig) { c.cname = cname }
}

// WithFrameHook calls f for every frame handed to the sink, after the
// sink, with what the packet said (marker bit, sequence number, DTX gap)
// and the sink's answer. It is called from the goroutine that called
// Receive, once the Receiver's lock is released, so it may call Stats; if
// Receive is called from several goroutines at once, so is the hook.
func WithFrameHook(f func(FrameInfo)) ReceiverOption {
	return func(c *receiverConfig) { c.onFrame = f }
}

// WithoutProbation starts a stream at its first packet, instead of holding
// it until a second packet of the same SSRC confirms it. Use it when every
// datagram comes from a trusted sender and a stream may be one packet.
func WithoutProbation() ReceiverOption {
	return func(c *receiverConfig) { c.noProbation = true }
}
