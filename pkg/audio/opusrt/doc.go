// Package opusrt moves Opus audio in real time: timestamped frames arriving
// from a network in any order, a jitter buffer that puts them back in order
// and reports the gaps as loss, a playout buffer that hands frames out at
// real-time pace, and Ogg Opus files read and written as RFC 7845 says.
//
// # Frames and stamps
//
// A Frame is one Opus packet (RFC 6716 §3). A stamped frame is the wire
// form: the stamp, when its audio starts in milliseconds since the epoch
// (EpochMillis), as 8 big-endian bytes, then the packet. ToStamped and
// FromStamped convert; FromStamped also accepts the versioned header that
// some devices send (0x01 and a 7-byte stamp).
//
// # Buffer: order and loss
//
// A Buffer keeps frames sorted by stamp and a read position, the end of
// what Frame last returned. Frame returns the next frame, or (nil, loss)
// when the next frame starts later than the read position: the caller
// conceals that much audio (a decoder's PLC). In-order arrival costs O(1)
// and steady state allocates nothing.
//
//	what arrives                              Append/Write returns    counted in Stats as
//	a frame in any order, ahead of the reader nil                     PacketsReceived
//	a frame with the stamp of a held one      nil (dropped)           PacketsDuplicated
//	a frame before the read position (>2 ms)  ErrDisorderedPacket     PacketsLate
//	a frame > 5 s before the read position    nil (resync: held       Resyncs, PacketsResynced
//	                                          frames dropped)
//	more audio than Buffer.Duration           nil (oldest dropped,    PacketsDropped, then
//	                                          read as loss)           LostDuration
//	bytes that are not a valid Opus packet    ErrInvalidFrame         PacketsInvalid
//
// A forward gap up to 5 s is reported as loss; a longer one is a
// discontinuity (a sender's clock jumped), as is a resync back: no audio to
// conceal, counted in Resyncs.
//
// # Events
//
// Both buffers also hand out events (Buffer.Event, RealtimeBuffer.Event,
// Player.AddEvents): a frame, a loss or an inserted slot to conceal, or a
// discontinuity, each with its start and duration on the stream's
// timeline, and for the loss of one frame the next frame when it carries
// in-band FEC for it. Frame is that stream with discontinuities passed over
// and the rest reduced to (frame, loss).
//
// # RealtimeBuffer: playout
//
// A RealtimeBuffer paces a Buffer by a Clock: the first frame is due one
// playout delay after it arrives, every later one at that anchor plus the
// difference of stamps. Frame blocks until the next event is due and
// returns the frame, the gap before the next held frame, or during an
// underrun a loss of one frame's duration at each frame's due time, so a
// speaker is fed a steady cadence. Stamp jumps of more than 5 s (either way)
// start a new timeline instead of being waited out or reported late. It
// starts no goroutine; tests pass a manual clock (package fakeclock).
//
// The schedule follows the sender in every mode: from the fastest recent
// arrivals (the minimum transit over a window) it estimates the sender's
// clock skew and the network's delay steps, and keeps the playout delay
// above them, moving one frame at a time: an inserted concealment slot
// (EventInserted) to play later, a removed frame to play earlier, loss
// slots and frames the encoder marked inactive (opus.IsInactive) first. A
// fixed delay (WithPlayoutDelay, the default) is the delay above the
// network's, held; WithAdaptivePlayout sets it from a high quantile of
// the measured arrival delays (capped by the largest of a recent window,
// 12 s or longer, so that a network that calmed down is followed down),
// between a minimum
// and a maximum. A sender
// ahead of real time from the start of a stream keeps its lead: early is
// not excess. WithoutFollowing keeps the schedule of the first version,
// fixed at the first arrival.
//
// A Player plays many RealtimeBuffers from a few goroutines on one
// schedule, instead of one goroutine blocked in Frame per stream: the way to
// carry thousands of live streams on one machine.
//
// # Ogg Opus
//
// OggWriter writes RFC 7845 files that opusinfo accepts without warnings and
// any player opens; OggReader reads them packet by packet, reporting damage
// as loss (at most DefaultResyncThreshold per event), with each link of a
// chain, its header, tags, granule positions and end trimming at hand
// (Link, Multistream, NextLink), and seeks on an io.ReadSeeker as opusfile
// does (SeekSamples). Both rest on package oggopus, where the Ogg Opus
// mapping lives. Buffer, RealtimeBuffer and OggReader all have the same
// Frame() (Frame, time.Duration, error) method, so any of them can feed an
// OggWriter with loss filled.
//
// # Errors
//
// Errors wrap the sentinels ErrInvalidFrame, ErrDisorderedPacket and ErrDone
// with what was wrong; test them with errors.Is. No input panics.
package opusrt
