package rtp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// Receiver turns RTP datagrams of one Opus stream into frames on a
// Buffer's timeline, and keeps the reception statistics of RFC 3550 for
// receiver reports.
//
// Stamps: the first packet of a stream is stamped with its arrival time on
// the Receiver's clock (EpochMillis); every later packet with that stamp
// plus its timestamp's distance from the first packet's, unwrapped across
// the 32-bit wrap, at 48 kHz (RFC 7587 §4.1). The distance is converted
// from samples as a whole each time, so 2.5 ms frames get stamps 0, 2, 5,
// 7, 10 ms (within the Buffer's 2 ms tolerance) and nothing drifts. Stamps
// thus follow the sender's clock, not the network's jitter.
//
// Streams: the first RTP packet with the expected payload type (or, by
// default, the first dynamic type, 96–127, carrying valid Opus) starts a
// stream of its SSRC; packets of other SSRCs are ignored while it lives.
// A new stream starts, with a new mapping of timestamps to stamps, when
//
//   - a packet of another SSRC arrives after the current stream was silent
//     for the stream timeout (WithStreamTimeout, 2 s by default) or said
//     BYE;
//   - the sequence number jumps by 3000 or more ahead or more than 100
//     behind (RFC 3550 A.1) and the next packet follows the jump (the
//     sender restarted), or the jump comes after the stream timeout.
//
// A new stream's first stamp is its arrival time, or the end of the
// previous stream's audio if that is later and less than 5 s ahead, so a
// sender that sent ahead of real time does not find its new stream late.
// What the Buffer makes of the new timeline is the Buffer's rules: a stamp
// more than its resync threshold from the old one is a resync.
//
// Loss is counted from sequence numbers (RFC 3550 A.3); a timestamp gap
// between consecutive sequence numbers is DTX silence, counted apart
// (ReceiverStats.DTXGaps), never as loss. The Buffer sees the gap in the
// stamps and reports it to its reader as it reports any gap. The marker
// bit, which starts a talkspurt, is counted and passed to the frame hook
// (WithFrameHook).
//
// A Receiver is safe for concurrent use; Receive calls are serialized, so
// the sink gets frames one at a time, in arrival order.
type Receiver struct {
	mu     sync.Mutex
	cfg    receiverConfig
	sink   Sink
	copies bool // the sink copies frames itself
	slab   frameSlab
	pkt    Packet

	pt int // the payload type locked onto; −1 before the first

	active      bool // a stream exists
	ended       bool // it said BYE
	ssrc        uint32
	rec         reception
	startTime   time.Time // arrival of the stream's first packet
	anchorMs    int64     // its stamp
	firstTs     int64     // its RTP timestamp
	refTs       int64     // unwrapped timestamp of the highest sequence number
	refEnd      int64     // refTs plus that packet's samples
	lastArrival time.Time // of the stream's last packet
	endMs       int64     // the end of the audio delivered, for the next stream's anchor
	hasEnd      bool

	srValid   bool
	srSSRC    uint32
	srNTP     NTPTime
	srArrival time.Time

	lostBefore int64 // the lost counts of streams that ended
	stats      ReceiverStats
}

// ReceiverStats are a Receiver's counters. Counts are since the Receiver
// was made, over every stream, unless they say otherwise.
type ReceiverStats struct {
	// SSRC is the current stream's source; 0 before the first.
	SSRC uint32
	// PayloadType is the payload type taken; −1 before the first packet.
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
	// IgnoredNotRTP counts datagrams that are neither RTP nor RTCP.
	IgnoredNotRTP uint64
	// Markers counts packets with the marker bit: talkspurts begun.
	Markers uint64
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

// NewReceiver returns a Receiver that feeds sink.
func NewReceiver(sink Sink, opts ...ReceiverOption) *Receiver {
	cfg := receiverConfig{payloadType: -1, quiet: DefaultStreamTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.clock == nil {
		cfg.clock = opusrt.SystemClock()
	}
	if !cfg.ssrcSet {
		cfg.ssrc = randomUint32()
	}
	if cfg.cname == "" {
		cfg.cname = fmt.Sprintf("opusrt-%08x", cfg.ssrc)
	}
	_, copies := sink.(copyingSink)
	r := &Receiver{cfg: cfg, sink: sink, copies: copies, pt: cfg.payloadType}
	r.stats.PayloadType, r.stats.LastIgnoredPayloadType = cfg.payloadType, -1
	return r
}

// randomUint32 returns 32 bits from crypto/rand.
func randomUint32() uint32 {
	var b [4]byte
	rand.Read(b[:]) // never fails (Go 1.24+): it crashes the program instead
	return binary.BigEndian.Uint32(b[:])
}

// Receive takes one datagram: an RTP packet of the stream, or RTCP
// multiplexed on the same port (RFC 5761; an SR gives LSR for the receiver
// reports, a BYE ends the stream). For an RTP packet it returns nil when
// the frame was taken (or was a duplicate, dropped and counted), the
// sink's error when the sink refused it, an error wrapping ErrIgnored for
// a packet of another stream or type, ErrInvalidPacket for bytes that do
// not parse, and opusrt.ErrInvalidFrame for a payload that is not valid
// Opus. The datagram is not kept: the caller may reuse it at once.
func (r *Receiver) Receive(datagram []byte) error {
	r.mu.Lock()
	info, delivered, err := r.receiveLocked(datagram)
	r.mu.Unlock()
	if delivered && r.cfg.onFrame != nil {
		r.cfg.onFrame(info)
	}
	return err
}

func (r *Receiver) receiveLocked(datagram []byte) (FrameInfo, bool, error) {
	now := r.cfg.clock.Now()
	switch Classify(datagram) {
	case KindRTP:
	case KindRTCP:
		return FrameInfo{}, false, r.rtcpLocked(datagram, now)
	default:
		r.stats.IgnoredNotRTP++
		r.stats.PacketsIgnored++
		if len(datagram) == 0 {
			return FrameInfo{}, false, errorf(ErrIgnored, "empty datagram")
		}
		return FrameInfo{}, false, errorf(ErrIgnored, "%d-byte datagram starting 0x%02x is not RTP", len(datagram), datagram[0])
	}
	p := &r.pkt
	if err := p.Unmarshal(datagram); err != nil {
		r.stats.PacketsInvalid++
		return FrameInfo{}, false, err
	}
	if err := r.checkPayloadTypeLocked(p.PayloadType); err != nil {
		return FrameInfo{}, false, err
	}
	if len(p.Payload) > 0 {
		if err := opus.Validate(p.Payload); err != nil {
			r.stats.PacketsInvalid++
			return FrameInfo{}, false, &wireError{opusrt.ErrInvalidFrame,
				fmt.Sprintf("RTP packet %d of SSRC %08x: %v", p.SequenceNumber, p.SSRC, err)}
		}
	}

	quiet := r.active && (r.ended || now.Sub(r.lastArrival) >= r.cfg.quiet)
	switch {
	case r.active && p.SSRC == r.ssrc:
		if len(p.Payload) == 0 {
			if _, v := r.rec.update(p.SequenceNumber); v == seqJump {
				r.stats.IgnoredSequenceJump++
				r.stats.PacketsIgnored++
			} else {
				r.stats.PacketsReceived++
				r.lastArrival = now
			}
			return FrameInfo{}, false, nil
		}
		prevMax := r.rec.maxSeq
		ext, v := r.rec.update(p.SequenceNumber)
		switch v {
		case seqJump:
			if !quiet {
				r.stats.IgnoredSequenceJump++
				r.stats.PacketsIgnored++
				return FrameInfo{}, false, errorf(ErrIgnored, "SSRC %08x: sequence number %d is too far from %d; a restart if the next packet follows it",
					p.SSRC, p.SequenceNumber, uint16(prevMax))
			}
			return r.deliverLocked(p, now, r.startStreamLocked(p, now))
		case seqRestart:
			return r.deliverLocked(p, now, r.startStreamLocked(p, now))
		case seqDuplicate:
			r.stats.PacketsReceived++
			r.stats.PacketsDuplicated++
			r.stats.BytesReceived += uint64(len(p.Payload))
			r.lastArrival = now
			return FrameInfo{}, false, nil
		}
		return r.deliverLocked(p, now, packetPlace{ext: ext, inOrder: v == seqInOrder, follows: ext == prevMax+1})
	case len(p.Payload) == 0:
		r.stats.IgnoredEmpty++
		r.stats.PacketsIgnored++
		return FrameInfo{}, false, errorf(ErrIgnored, "SSRC %08x: a packet without payload cannot start a stream", p.SSRC)
	case r.active && !quiet:
		r.stats.IgnoredSSRC++
		r.stats.PacketsIgnored++
		return FrameInfo{}, false, errorf(ErrIgnored, "SSRC %08x while receiving %08x", p.SSRC, r.ssrc)
	}
	return r.deliverLocked(p, now, r.startStreamLocked(p, now))
}

// checkPayloadTypeLocked counts and reports a packet of a payload type
// the Receiver does not take.
func (r *Receiver) checkPayloadTypeLocked(pt uint8) error {
	var err error
	switch {
	case r.pt >= 0 && int(pt) != r.pt:
		err = errorf(ErrIgnored, "payload type %d, want %d", pt, r.pt)
	case r.pt < 0 && pt < 96:
		err = errorf(ErrIgnored, "payload type %d is static; Opus has a dynamic one (96–127)", pt)
	default:
		return nil
	}
	r.stats.IgnoredPayloadType++
	r.stats.PacketsIgnored++
	r.stats.LastIgnoredPayloadType = int(pt)
	return err
}

// packetPlace is where a packet falls in its stream.
type packetPlace struct {
	ext       int64 // unwrapped sequence number
	inOrder   bool  // a new highest sequence number
	follows   bool  // exactly one past the previous highest
	newStream bool
}

// maxAnchorLead is how far ahead of the arrival time a new stream's first
// stamp may be put to follow the previous stream's audio.
const maxAnchorLead = 5 * time.Second

// startStreamLocked makes p the first packet of a new stream.
func (r *Receiver) startStreamLocked(p *Packet, now time.Time) packetPlace {
	if r.active {
		r.lostBefore += r.rec.lost()
	}
	r.active, r.ended, r.ssrc = true, false, p.SSRC
	r.rec.init(p.SequenceNumber)
	r.startTime = now
	anchor := int64(opusrt.FromTime(now))
	if r.hasEnd && r.endMs > anchor && r.endMs-anchor <= maxAnchorLead.Milliseconds() {
		anchor = r.endMs
	}
	r.anchorMs = anchor
	r.firstTs = int64(p.Timestamp)
	r.refTs, r.refEnd = r.firstTs, r.firstTs
	if r.pt < 0 {
		r.pt = int(p.PayloadType)
		r.stats.PayloadType = r.pt
	}
	r.stats.Streams++
	return packetPlace{ext: int64(p.SequenceNumber), inOrder: true, newStream: true}
}

// deliverLocked stamps p's payload and hands it to the sink.
func (r *Receiver) deliverLocked(p *Packet, now time.Time, place packetPlace) (FrameInfo, bool, error) {
	ts := UnwrapTimestamp(r.refTs, p.Timestamp)
	samples := int64(opus.PacketSamples(p.Payload))
	var silence int64
	if place.inOrder {
		if place.follows && !place.newStream && ts > r.refEnd {
			silence = ts - r.refEnd
			r.stats.DTXGaps++
			r.stats.DTXDuration = saturatingAdd(r.stats.DTXDuration, samplesDuration(silence))
		}
		r.refTs, r.refEnd = ts, ts+samples
	}
	offset := ts - r.firstTs
	r.rec.observeTransit(samplesIn(now.Sub(r.startTime)), offset)
	stamp := r.anchorMs + floorDiv(offset, opusClockRate/1000)
	if end := r.anchorMs + ceilDiv(offset+samples, opusClockRate/1000); !r.hasEnd || end > r.endMs {
		r.endMs, r.hasEnd = end, true
	}
	r.lastArrival = now
	r.stats.PacketsReceived++
	r.stats.BytesReceived += uint64(len(p.Payload))
	if p.Marker {
		r.stats.Markers++
	}

	frame := opusrt.Frame(p.Payload)
	if !r.copies {
		frame = r.slab.copy(p.Payload)
	}
	err := r.sink.Append(frame, opusrt.EpochMillis(stamp))
	r.stats.FramesDelivered++
	if err != nil {
		r.stats.SinkErrors++
	}
	return FrameInfo{
		SSRC:      p.SSRC,
		Sequence:  place.ext,
		Timestamp: ts,
		Stamp:     opusrt.EpochMillis(stamp),
		Marker:    p.Marker,
		NewStream: place.newStream,
		Silence:   samplesDuration(silence),
		Err:       err,
	}, true, err
}

// rtcpLocked takes an RTCP datagram: an SR of the current source is kept
// for LSR/DLSR, a BYE of it ends the stream.
func (r *Receiver) rtcpLocked(datagram []byte, now time.Time) error {
	pkts, err := UnmarshalRTCP(datagram)
	if err != nil {
		r.stats.RTCPInvalid++
		return err
	}
	r.stats.RTCPReceived++
	for _, p := range pkts {
		switch p := p.(type) {
		case *SenderReport:
			r.stats.SenderReports++
			r.srValid, r.srSSRC, r.srNTP, r.srArrival = true, p.SSRC, p.NTPTime, now
		case *Goodbye:
			for _, s := range p.Sources {
				if r.active && s == r.ssrc && !r.ended {
					r.ended = true
					r.stats.Goodbyes++
				}
			}
		}
	}
	return nil
}

// Stats returns the Receiver's counters.
func (r *Receiver) Stats() ReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.PacketsLost = r.lostBefore
	if r.active {
		s.SSRC = r.ssrc
		s.PacketsLost += r.rec.lost()
		s.ExtendedHighestSequence = uint32(r.rec.maxSeq)
		s.JitterTimestampUnits = r.rec.jitter()
		s.Jitter = samplesDuration(int64(s.JitterTimestampUnits))
	}
	return s
}

// SSRC returns the SSRC the Receiver's reports come from.
func (r *Receiver) SSRC() uint32 { return r.cfg.ssrc }

// ReceiverReport returns the RTCP receiver report to send at now: one
// report block on the current stream (none before the first packet), with
// LSR and DLSR from the last SR of its source, if one arrived. Each call
// starts a new interval for the fraction lost (RFC 3550 A.3), so call it
// once per report sent.
func (r *Receiver) ReceiverReport(now time.Time) ReceiverReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	rr := ReceiverReport{SSRC: r.cfg.ssrc}
	if !r.active {
		return rr
	}
	rb := r.rec.reportBlock(r.ssrc)
	if r.srValid && r.srSSRC == r.ssrc {
		rb.LastSR = r.srNTP.Middle()
		rb.DelaySinceLastSR = ShortDuration(now.Sub(r.srArrival))
	}
	rr.Reports = []ReportBlock{rb}
	return rr
}

// AppendReport appends the compound RTCP packet to send at now — the
// receiver report (see ReceiverReport) and an SDES with the CNAME, as
// RFC 3550 §6.1 asks of every compound — and returns the extended slice.
func (r *Receiver) AppendReport(dst []byte, now time.Time) []byte {
	rr := r.ReceiverReport(now)
	return AppendRTCP(dst, &rr, CNAME(r.cfg.ssrc, r.cfg.cname))
}

// samplesDuration converts 48 kHz timestamp units to a duration.
func samplesDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / opusClockRate
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// saturatingAdd returns a+b for non-negative durations, or the largest
// duration if that overflows: a hostile sender's timestamp jumps must not
// wrap a counter negative.
func saturatingAdd(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
