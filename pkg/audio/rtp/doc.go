// Package rtp reads and writes the Real-time Transport Protocol (RFC 3550)
// as an Opus stream uses it (RFC 7587), and joins it to the opusrt
// buffers.
//
// The wire formats: Packet and Header (RFC 3550 §5.1, with CSRCs, padding
// and the header extension of §5.3.1, whose RFC 8285 elements Extensions
// reads and SetExtensions writes); the RTCP SenderReport, ReceiverReport,
// SourceDescription and Goodbye, in compound packets (UnmarshalRTCP,
// MarshalRTCP), with NTPTime and RoundTripTime; and Classify, which tells
// RTP, RTCP multiplexed on the same port (RFC 5761) and opusrt's stamped
// frames apart by their first two bytes.
//
// The two ends: a Receiver turns RTP datagrams into frames stamped on a
// Buffer's timeline — timestamps and sequence numbers unwrapped, loss and
// jitter counted as RFC 3550 A.3 and A.8 say, DTX told from loss, a new
// SSRC or a restarted sender taken as a new stream — and feeds any Sink:
// *opusrt.Buffer is one, and StampedSink makes one of an
// *opusrt.RealtimeBuffer. It makes the receiver reports. Its probation (a
// new SSRC is believed once a second packet agrees) is a Probation, which
// a receiver that takes other formats beside RTP can use for all of them;
// so is the Timeline on which it places one stream after another.
// A Packetizer turns
// frames into the packets of one stream, with a random SSRC, sequence
// number and timestamp start, and makes the sender reports. Package sdp
// describes such a stream for ffmpeg, GStreamer or VLC.
//
// The wire types follow one shape: a struct with Unmarshal(b []byte) error,
// MarshalSize() int, AppendTo(dst []byte) []byte and Marshal() ([]byte,
// error). Unmarshal never copies: slices it sets (a packet's Payload, its
// extension data) alias b, so the caller must not reuse b while it still
// uses them. AppendTo writes into the caller's slice without allocating when
// there is room; it panics on a struct that cannot be encoded (more than 15
// CSRCs, a payload type above 127: a programmer's misuse), which Marshal
// reports as an error instead.
//
// Errors wrap the sentinels ErrInvalidPacket (RTP), ErrInvalidRTCP,
// ErrInvalidExtension, and, from the Receiver, ErrIgnored and
// ErrProbation, so test with errors.Is.
package rtp
