package rtp

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// ReceiverStats are a Receiver's counters. Counts are since the Receiver
// was made, over every stream, unless they say otherwise.
type ReceiverStats struct {
	// SSRC is the current stream's source; 0 before the first.
	SSRC uint32
	// PayloadType is the payload type taken: WithPayloadType's, or that
	// of the first stream confirmed; −1 before.
	PayloadType int
	// Streams is how many streams were started: the first, then one per
	// SSRC change or restart.
	Streams uint64
	// PacketsReceived is the RTP packets of the streams received,
	// duplicates included (RFC 3550 A.3's "received").
	PacketsReceived uint64
	// PacketsLost is the packets expected (from sequence numbers) minus
	// those received, summed over streams (RFC 3550 A.3); negative when
	// duplicates outnumber losses. DTX silence is not loss.
	PacketsLost int64
	// PacketsDuplicated is the packets received again, dropped here.
	PacketsDuplicated uint64
	// BytesReceived is the payload bytes of the packets received,
	// headers and padding excluded (webrtc-stats bytesReceived).
	BytesReceived uint64
	// FramesDelivered is the frames handed to the sink; SinkErrors how
	// many of them it refused (late, invalid stamp, closed).
	FramesDelivered uint64
	SinkErrors      uint64
	// PacketsInvalid is the datagrams that looked like RTP but did not
	// parse, or whose payload was not valid Opus (RFC 6716 §3.4).
	PacketsInvalid uint64
	// PacketsIgnored is the sum of the Ignored counts below: datagrams
	// not taken, though not malformed.
	PacketsIgnored uint64
	// IgnoredPayloadType counts packets of a payload type other than
	// the one taken (or, before any, of a static type);
	// LastIgnoredPayloadType is the type of the last one, −1 for none.
	IgnoredPayloadType     uint64
	LastIgnoredPayloadType int
	// IgnoredSSRC counts packets of another SSRC while the current stream
	// was live.
	IgnoredSSRC uint64
	// IgnoredSequenceJump counts packets whose sequence number jumped too
	// far from the stream's and that no next packet confirmed.
	IgnoredSequenceJump uint64
	// IgnoredEmpty counts packets without payload (padding only) that
	// belonged to no stream; those of the current stream count as
	// received, so they are not loss.
	IgnoredEmpty uint64
	// IgnoredOggHeaders counts Ogg Opus headers (OpusHead, OpusTags) sent
	// as RTP payloads, as GStreamer's "oggdemux ! rtpopuspay" does, before
	// any stream; in a stream they count as received.
	IgnoredOggHeaders uint64
	// IgnoredNotRTP counts datagrams that are neither RTP nor RTCP.
	IgnoredNotRTP uint64
	// IgnoredUnconfirmed counts first packets of would-be streams that no
	// second packet confirmed (see Receiver, "Probation").
	IgnoredUnconfirmed uint64
	// HeldOnProbation is the packets held now, waiting for a second
	// packet of their SSRC.
	HeldOnProbation int
	// Markers counts packets with the marker bit: talkspurts begun.
	Markers uint64
	// TimestampJumps counts new mappings within a stream: a timestamp that
	// jumped ahead by more than the arrival gap plus 5 s, or back by more
	// than 5 s (a sender's clock jump, or hostile stamps). The packet is
	// stamped with its arrival, and later ones from it, as a new stream's.
	TimestampJumps uint64
	// TimestampOverlaps counts packets whose timestamp was before the end
	// of the previous packet's audio (GStreamer's first Opus packet, whose
	// timestamp leaves out the pre-skip, is one): the mapping moves on by
	// the overlap, so stamps never overlap.
	TimestampOverlaps uint64
	// DTXGaps counts timestamp gaps between consecutive sequence numbers
	// (discontinuous transmission), DTXDuration their total length.
	DTXGaps     uint64
	DTXDuration time.Duration
	// ExtendedHighestSequence is the current stream's highest sequence
	// number with its wraps counted in the upper 16 bits.
	ExtendedHighestSequence uint32
	// Jitter is the current stream's interarrival jitter (RFC 3550
	// §6.4.1), JitterTimestampUnits the same in 1/48000 s, as RTCP says it.
	Jitter               time.Duration
	JitterTimestampUnits uint32
	// RTCPReceived counts RTCP datagrams parsed, RTCPInvalid those that
	// did not parse, SenderReports the SRs among them (any source),
	// Goodbyes the BYEs that ended the current stream.
	RTCPReceived  uint64
	RTCPInvalid   uint64
	SenderReports uint64
	Goodbyes      uint64
}

// FrameInfo describes one frame the Receiver handed to its sink.
type FrameInfo struct {
	// SSRC is the stream's source.
	SSRC uint32
	// Sequence is the packet's sequence number, unwrapped within its
	// stream (the first packet's number plus 65536 per wrap).
	Sequence int64
	// Timestamp is the packet's RTP timestamp, unwrapped within its
	// stream.
	Timestamp int64
	// Stamp is the stamp the frame was given.
	Stamp opusrt.EpochMillis
	// Marker is the packet's marker bit: the first packet of a talkspurt.
	Marker bool
	// NewStream is true for the first frame of a stream.
	NewStream bool
	// Silence is the DTX gap before this frame: how far its timestamp is
	// past the end of the previous packet's audio, when the sequence
	// numbers are consecutive.
	Silence time.Duration
	// Err is what the sink's Append returned.
	Err error
}
