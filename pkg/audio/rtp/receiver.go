package rtp

import (
	"bytes"
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
// Streams: RTP packets with the expected payload type (or, by default,
// the first dynamic type, 96–127, carrying valid Opus) start a stream of
// their SSRC; packets of other SSRCs are ignored while it lives.
//
// Probation: as in RFC 3550 A.1, one packet does not make a stream. The
// first packet of an SSRC is held (Receive returns ErrProbation, a
// Probation holds it) until a second packet of that SSRC, with the same
// payload type and a sequence number within 100 of the first
// (SequenceConfirms), confirms it; then both go to the sink,
// stamped from the first one's arrival, and the payload type is taken.
// Random datagrams, about one in a hundred of which pass for RTP with
// a valid Opus payload, never repeat an SSRC, so garbage sent before (or among) a real
// sender's packets cannot take the place of its stream. Up to 8 would-be
// streams are held at once, the oldest giving way. WithoutProbation turns
// this off.
//
// A new stream starts, with a new mapping of timestamps to stamps, when
//
//   - another SSRC passes probation after the current stream was silent
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
// A timestamp that jumps within a stream — ahead by more than the time
// since the previous packet plus 5 s, or back by more than 5 s — is a
// sender's clock jump, not silence: from that packet on, stamps come from
// a new mapping, as for a new stream (ReceiverStats.TimestampJumps), so no
// Buffer is asked to wait out, or fill, hours that no one sent.
//
// A packet whose timestamp is before the end of the previous packet's
// audio (GStreamer stamps the first packet of a file 6.5 ms early, leaving
// out the pre-skip) moves the mapping on by the overlap, so stamps never
// overlap and the Buffer does not take the next frame for a late one.
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
	shift       int64     // samples added to the mapping for overlaps
	lastArrival time.Time // of the stream's last packet
	timeline    Timeline  // the audio delivered, for the next stream's anchor

	srValid   bool
	srSSRC    uint32
	srNTP     NTPTime
	srArrival time.Time

	prob    *Probation[probationKey]
	heldPkt Packet // a packet released from probation

	infos  [2]FrameInfo // the frames of the Receive call, for the hook
	nInfos int

	lostBefore int64 // the lost counts of streams that ended
	stats      ReceiverStats
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
	r := &Receiver{cfg: cfg, sink: sink, copies: copies, pt: cfg.payloadType, prob: newReceiverProbation()}
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
// the frame was taken (or was a duplicate, dropped and counted),
// ErrProbation when it is held as the first of a would-be stream, the
// sink's error when the sink refused it, an error wrapping ErrIgnored for
// a packet of another stream or type, ErrInvalidPacket for bytes that do
// not parse, and opusrt.ErrInvalidFrame for a payload that is not valid
// Opus. The datagram is not kept: the caller may reuse it at once.
func (r *Receiver) Receive(datagram []byte) error {
	r.mu.Lock()
	r.nInfos = 0
	err := r.receiveLocked(datagram)
	infos, n := r.infos, r.nInfos
	r.mu.Unlock()
	if r.cfg.onFrame != nil {
		for _, fi := range infos[:n] {
			r.cfg.onFrame(fi)
		}
	}
	return err
}

func (r *Receiver) receiveLocked(datagram []byte) error {
	now := r.cfg.clock.Now()
	switch Classify(datagram) {
	case KindRTP:
	case KindRTCP:
		return r.rtcpLocked(datagram, now)
	default:
		r.stats.IgnoredNotRTP++
		r.stats.PacketsIgnored++
		if len(datagram) == 0 {
			return errorf(ErrIgnored, "empty datagram")
		}
		return lazyErrorf(ErrIgnored, "%[1]d-byte datagram starting 0x%02[2]x is not RTP", int64(len(datagram)), int64(datagram[0]), 0)
	}
	p := &r.pkt
	if err := p.Unmarshal(datagram); err != nil {
		r.stats.PacketsInvalid++
		return err
	}
	if err := r.checkPayloadTypeLocked(p.PayloadType); err != nil {
		return err
	}
	if !carriesNoAudio(p.Payload) {
		if err := opus.Validate(p.Payload); err != nil {
			r.stats.PacketsInvalid++
			return &wireError{opusrt.ErrInvalidFrame,
				fmt.Sprintf("RTP packet %d of SSRC %08x: %v", p.SequenceNumber, p.SSRC, err)}
		}
	}

	quiet := r.active && (r.ended || now.Sub(r.lastArrival) >= r.cfg.quiet)
	switch {
	case r.active && p.SSRC == r.ssrc:
		return r.streamPacketLocked(p, now, quiet)
	case len(p.Payload) == 0:
		r.stats.IgnoredEmpty++
		r.stats.PacketsIgnored++
		return lazyErrorf(ErrIgnored, "SSRC %08[1]x: a packet without payload cannot start a stream", int64(p.SSRC), 0, 0)
	case carriesNoAudio(p.Payload):
		r.stats.IgnoredOggHeaders++
		r.stats.PacketsIgnored++
		return lazyErrorf(ErrIgnored, "SSRC %08[1]x: an Ogg Opus header (OpusHead or OpusTags), not audio", int64(p.SSRC), 0, 0)
	case r.active && !quiet:
		r.stats.IgnoredSSRC++
		r.stats.PacketsIgnored++
		return lazyErrorf(ErrIgnored, "SSRC %08[1]x while receiving %08[2]x", int64(p.SSRC), int64(r.ssrc), 0)
	}
	return r.probationLocked(p, datagram, now)
}

// streamPacketLocked takes a packet of the current stream's SSRC; quiet
// says the stream had been silent for the stream timeout.
func (r *Receiver) streamPacketLocked(p *Packet, now time.Time, quiet bool) error {
	if carriesNoAudio(p.Payload) {
		if _, v := r.rec.update(p.SequenceNumber); v == seqJump {
			r.stats.IgnoredSequenceJump++
			r.stats.PacketsIgnored++
		} else {
			r.stats.PacketsReceived++
			r.lastArrival = now
		}
		return nil
	}
	prevMax := r.rec.maxSeq
	ext, v := r.rec.update(p.SequenceNumber)
	switch v {
	case seqJump:
		if !quiet {
			r.stats.IgnoredSequenceJump++
			r.stats.PacketsIgnored++
			return lazyErrorf(ErrIgnored, "SSRC %08[1]x: sequence number %[2]d is too far from %[3]d; a restart if the next packet follows it",
				int64(p.SSRC), int64(p.SequenceNumber), int64(uint16(prevMax)))
		}
		return r.deliverLocked(p, now, r.startStreamLocked(p, now))
	case seqRestart:
		return r.deliverLocked(p, now, r.startStreamLocked(p, now))
	case seqDuplicate:
		r.stats.PacketsReceived++
		r.stats.PacketsDuplicated++
		r.stats.BytesReceived += uint64(len(p.Payload))
		r.lastArrival = now
		return nil
	}
	return r.deliverLocked(p, now, packetPlace{ext: ext, inOrder: v == seqInOrder, follows: ext == prevMax+1})
}

// carriesNoAudio reports whether an RTP payload is not an Opus packet
// though it may come in an Opus stream: empty (padding only), or an Ogg
// Opus header (RFC 7845 §5), which GStreamer's "oggdemux ! rtpopuspay"
// sends as the first two packets. Such packets count as received (they
// are not loss) but reach no sink.
func carriesNoAudio(payload []byte) bool {
	return len(payload) == 0 || bytes.HasPrefix(payload, []byte("OpusHead")) || bytes.HasPrefix(payload, []byte("OpusTags"))
}

// checkPayloadTypeLocked counts and reports a packet of a payload type
// the Receiver does not take.
func (r *Receiver) checkPayloadTypeLocked(pt uint8) error {
	var err error
	switch {
	case r.pt >= 0 && int(pt) != r.pt:
		err = lazyErrorf(ErrIgnored, "payload type %[1]d, want %[2]d", int64(pt), int64(r.pt), 0)
	case r.pt < 0 && pt < 96:
		err = lazyErrorf(ErrIgnored, "payload type %[1]d is static; Opus has a dynamic one (96–127)", int64(pt), 0, 0)
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

// startStreamLocked makes p the first packet of a new stream.
func (r *Receiver) startStreamLocked(p *Packet, now time.Time) packetPlace {
	if r.active {
		r.lostBefore += r.rec.lost()
	}
	r.active, r.ended, r.ssrc = true, false, p.SSRC
	r.rec.init(p.SequenceNumber)
	r.startTime = now
	r.anchorMs = r.timeline.Anchor(now)
	r.firstTs = int64(p.Timestamp)
	r.refTs, r.refEnd, r.shift = r.firstTs, r.firstTs, 0
	if r.pt < 0 {
		r.pt = int(p.PayloadType)
		r.stats.PayloadType = r.pt
	}
	r.stats.Streams++
	return packetPlace{ext: int64(p.SequenceNumber), inOrder: true, newStream: true}
}

// maxTimestampJump is how far a timestamp may move against the arrival
// times before the Receiver takes it for a jump of the sender's clock: the
// Buffer's default resync threshold.
const maxTimestampJump = 5 * time.Second

// jumpedLocked reports whether ts, of a packet that is a new highest
// sequence number arriving at now, jumped: forward by more than the
// arrival gap since the previous packet plus maxTimestampJump, or back by
// more than maxTimestampJump.
func (r *Receiver) jumpedLocked(ts int64, now time.Time) bool {
	limit := samplesIn(maxTimestampJump)
	return ts-r.refEnd > samplesIn(now.Sub(r.lastArrival))+limit || r.refTs-ts > limit
}

// deliverLocked stamps p's payload and hands it to the sink.
func (r *Receiver) deliverLocked(p *Packet, now time.Time, place packetPlace) error {
	ts := UnwrapTimestamp(r.refTs, p.Timestamp)
	samples := int64(opus.PacketSamples(p.Payload))
	var silence int64
	if place.inOrder && !place.newStream && r.jumpedLocked(ts, now) {
		// A sender's clock jump, not silence: a new mapping from here.
		r.anchorMs = r.timeline.Anchor(now)
		r.firstTs, r.refTs, r.refEnd, r.shift = ts, ts, ts, 0
		r.startTime = now
		r.rec.transitValid = false
		r.stats.TimestampJumps++
	}
	if place.inOrder && !place.newStream && ts < r.refEnd {
		// It starts before the previous packet ends: move the mapping on by
		// the overlap, so the stamps do not overlap.
		r.shift += r.refEnd - ts
		r.stats.TimestampOverlaps++
	}
	if place.inOrder {
		if place.follows && !place.newStream && ts > r.refEnd {
			silence = ts - r.refEnd
			r.stats.DTXGaps++
			r.stats.DTXDuration = saturatingAdd(r.stats.DTXDuration, samplesDuration(silence))
		}
		r.refTs, r.refEnd = ts, ts+samples
	}
	// Jitter is RFC 3550's, on the RTP timestamps as sent; the stamps
	// follow the mapping, overlaps moved on.
	r.rec.observeTransit(samplesIn(now.Sub(r.startTime)), ts-r.firstTs)
	offset := ts - r.firstTs + r.shift
	stamp := r.anchorMs + floorDiv(offset, opusClockRate/1000)
	r.timeline.Delivered(r.anchorMs + ceilDiv(offset+samples, opusClockRate/1000))
	r.lastArrival = now
	r.ended = false // a stream that said BYE and came back is live again
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
	if r.nInfos == len(r.infos) {
		return err // cannot happen: at most two frames per Receive
	}
	r.infos[r.nInfos] = FrameInfo{
		SSRC:      p.SSRC,
		Sequence:  place.ext,
		Timestamp: ts,
		Stamp:     opusrt.EpochMillis(stamp),
		Marker:    p.Marker,
		NewStream: place.newStream,
		Silence:   samplesDuration(silence),
		Err:       err,
	}
	r.nInfos++
	return err
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
	s.HeldOnProbation = r.prob.Len()
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
