package opusrt

import "time"

// Stats are a buffer's lifetime counters and its current state, as returned
// by Buffer.Stats and RealtimeBuffer.Stats. Names follow the W3C
// webrtc-stats RTCInboundRtpStreamStats where it has the same thing; a
// "packet" is one Opus packet, the Frame of this package.
//
// Every valid frame received is accounted for exactly once:
//
//	PacketsReceived = PacketsPlayed + PacketsLate + PacketsDuplicated +
//	                  PacketsDropped + PacketsResynced + PacketsCleared +
//	                  PacketsRemoved + BufferedPackets
type Stats struct {
	// PacketsReceived counts the valid frames given to Append or Write,
	// whatever became of them.
	PacketsReceived uint64
	// PacketsPlayed counts the frames Frame returned.
	PacketsPlayed uint64
	// PlayedDuration is the audio of the frames Frame returned.
	PlayedDuration time.Duration
	// PacketsLost estimates the frames missing in the losses Frame
	// reported: each loss divided by the duration of the last frame played
	// (before any, the frame after the loss; 20 ms in an underrun before
	// any frame), rounded, at least one.
	PacketsLost uint64
	// LostDuration is the audio Frame reported lost, in total. Like every
	// sum here it saturates at the largest Duration instead of wrapping.
	LostDuration time.Duration
	// ConcealmentEvents counts the losses Frame reported: each is one run
	// of audio a decoder must conceal.
	ConcealmentEvents uint64
	// PacketsLate counts frames that arrived after their place in the
	// timeline was played or reported lost (ErrDisorderedPacket), and held
	// frames found overlapping what was already played.
	PacketsLate uint64
	// PacketsDuplicated counts frames dropped because a frame with the
	// same stamp was held.
	PacketsDuplicated uint64
	// PacketsDropped counts frames dropped because the buffer held more
	// than its maximum duration.
	PacketsDropped uint64
	// PacketsResynced counts held frames dropped by a resync.
	PacketsResynced uint64
	// PacketsCleared counts held frames dropped by Reset.
	PacketsCleared uint64
	// PacketsRemoved counts frames a RealtimeBuffer skipped, unplayed, to
	// bring its schedule earlier (see RemovedSamplesForAcceleration).
	PacketsRemoved uint64
	// PacketsDiscarded is the sum of the frames received but never played:
	// late, duplicated, dropped, resynced, cleared and removed (WebRTC's
	// meaning: discarded by the jitter buffer).
	PacketsDiscarded uint64
	// PacketsInvalid counts data rejected with ErrInvalidFrame: not a valid
	// Opus packet, a stamped frame that does not parse, a stamp out of range.
	// These are not in PacketsReceived.
	PacketsInvalid uint64
	// Resyncs counts the times the buffer started a new timeline: a stamp
	// jump back beyond the resync threshold (a restarted sender), or a gap
	// forward beyond it (a sender's clock jumped), which is a discontinuity,
	// not loss.
	Resyncs uint64

	// BufferedPackets is the number of frames held now.
	BufferedPackets int
	// Buffered is the audio held now.
	Buffered time.Duration

	// Jitter is the interarrival jitter of RFC 3550 §6.4.1, from arrival
	// times on the buffer's clock and the frames' stamps, in microsecond
	// resolution. It starts again at every resync back and Reset; a change
	// of transit time beyond the resync threshold (a timeline jump, not
	// jitter) is not counted, so one absurd stamp cannot make it read
	// hours.
	Jitter time.Duration
	// JitterBufferDelay is the total time the played frames spent between
	// arrival and a RealtimeBuffer's Frame returning them (WebRTC's
	// jitterBufferDelay). Divide by JitterBufferEmittedCount for the mean. A
	// Buffer read directly is read at the caller's pace, not played out,
	// and leaves both at 0.
	JitterBufferDelay time.Duration
	// JitterBufferEmittedCount counts the frames behind JitterBufferDelay.
	JitterBufferEmittedCount uint64
	// JitterBufferTargetDelay is the sum, over the frames behind
	// JitterBufferDelay, of the target delay each was played with
	// (WebRTC's jitterBufferTargetDelay; divide by JitterBufferEmittedCount).
	// The target delay is the delay a RealtimeBuffer keeps above the
	// fastest recent arrival: the playout delay, or adaptive playout's.
	JitterBufferTargetDelay time.Duration
	// JitterBufferMinimumDelay is the same sum of the target delay that
	// adaptive playout measured before its clamp to a minimum and maximum
	// (WebRTC's jitterBufferMinimumDelay); the playout delay when fixed.
	JitterBufferMinimumDelay time.Duration
	// InsertedSamplesForDeceleration counts the audio, in 48 kHz samples,
	// of the concealment slots a RealtimeBuffer handed out to move its
	// schedule later (WebRTC's insertedSamplesForDeceleration). They are
	// not loss: PacketsLost, LostDuration and ConcealmentEvents leave them
	// out.
	InsertedSamplesForDeceleration uint64
	// InsertedSamplesInactive is the part of InsertedSamplesForDeceleration
	// inserted where the consumer conceals anyway (the next frame was
	// missing) or before a frame the encoder marked inactive.
	InsertedSamplesInactive uint64
	// RemovedSamplesForAcceleration counts the audio, in 48 kHz samples,
	// a RealtimeBuffer skipped to move its schedule earlier (WebRTC's
	// removedSamplesForAcceleration): frames removed (PacketsRemoved) and
	// loss slots shortened. Never counted as loss.
	RemovedSamplesForAcceleration uint64
	// RemovedSamplesInactive is the part of RemovedSamplesForAcceleration
	// taken from loss slots and from frames the encoder marked inactive.
	RemovedSamplesInactive uint64
	// TargetDelay is a RealtimeBuffer's current target delay (see
	// JitterBufferTargetDelay).
	TargetDelay time.Duration
	// SkewPPM is how fast the sender's stamp clock runs against the
	// buffer's clock, in parts per million, as a RealtimeBuffer estimates
	// it from arrivals: positive when the sender's runs fast. It is 0 until
	// about 16 s of arrivals were seen.
	SkewPPM float64
}

// MeanJitterBufferDelay returns the mean time a played frame spent in the
// buffer, or 0 before any.
func (s Stats) MeanJitterBufferDelay() time.Duration {
	if s.JitterBufferEmittedCount == 0 {
		return 0
	}
	return s.JitterBufferDelay / time.Duration(s.JitterBufferEmittedCount)
}
