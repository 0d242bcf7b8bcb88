package main

import (
	encbin "encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// takeoverAfter is how long the followed stream must have sent no valid
// audio before another source may take its place: a sender that restarted
// from a new port (or, over RTP, with a new SSRC) is followed again after at
// most this much of its new stream, while two live senders cannot steal the
// recording from each other.
const takeoverAfter = time.Second

// maxOtherSenders bounds the set of other addresses remembered for the
// summary, so that a flood from many addresses costs no memory per address.
const maxOtherSenders = 1024

// source is where an audio stream comes from: an address and, over RTP,
// its SSRC.
type source struct {
	addr netip.AddrPort
	rtp  bool
	ssrc uint32
}

func (s source) String() string {
	if s.rtp {
		return fmt.Sprintf("%s (RTP, SSRC %v)", s.addr, serialNumber(s.ssrc))
	}
	return s.addr.String()
}

// datagramKind is what a datagram looks like, from its first bytes.
type datagramKind int

const (
	kindOther          datagramKind = iota // neither stamped nor RTP
	kindStamped                            // a valid stamped Opus frame
	kindStampedInvalid                     // a stamped header with no valid Opus packet
	kindRTP                                // an RTP packet (version 2)
	kindRTCP                               // an RTCP packet (version 2, RFC 5761 types)
)

// classify tells a stamped frame (first byte 0x00 or 0x01) from RTP and
// RTCP (version 2: first byte 0x80–0xBF; RTCP packet types 192–223 in the
// second byte, RFC 5761 §4) and from anything else.
func classify(data []byte) datagramKind {
	if len(data) == 0 {
		return kindOther
	}
	switch {
	case data[0] <= 0x01:
		if _, _, ok := opusrt.FromStamped(data); ok {
			return kindStamped
		}
		return kindStampedInvalid
	case data[0]>>6 == 2 && len(data) >= 8:
		if data[1] >= 192 && data[1] <= 223 {
			return kindRTCP
		}
		if len(data) >= 12 {
			return kindRTP
		}
	}
	return kindOther
}

// rxCounts are the receiver's counts of datagrams, beside the buffer's Stats.
type rxCounts struct {
	Datagrams int64 // every datagram read
	Audio     int64 // valid audio of the followed stream, given to the buffer
	Invalid   int64 // from the followed stream's address, not valid audio
	Ignored   int64 // from other sources once a stream was followed
	Takeovers int   // times another source took the followed one's place

	// Before any valid audio: what came instead.
	Other          int64      // neither stamped nor RTP
	Unconfirmed    int64      // valid stamped frames no second one confirmed
	RTPUnconfirmed int64      // RTP Opus packets no second one of their SSRC confirmed
	StampedInvalid int64      // stamped headers with no valid Opus packet
	RTCP           int64      // RTCP
	RTCPIgnored    int64      // on the RTCP port, not from the followed sender
	RTPByType      [128]int64 // other RTP packets, by payload type
}

// senderSet remembers up to maxOtherSenders distinct addresses.
type senderSet struct {
	m    map[netip.AddrPort]struct{}
	full bool // more were seen than remembered
}

func (s *senderSet) add(a netip.AddrPort) {
	if _, ok := s.m[a]; ok {
		return
	}
	if len(s.m) >= maxOtherSenders {
		s.full = true
		return
	}
	if s.m == nil {
		s.m = make(map[netip.AddrPort]struct{})
	}
	s.m[a] = struct{}{}
}

// sendersText says how many: "3", or "more than 1024".
func sendersText(n int, more bool) string {
	if more {
		return fmt.Sprintf("more than %d", n)
	}
	return fmt.Sprint(n)
}

// maxHeldBytes bounds the datagrams a candidate holds: a second of a
// restarted sender's stream (50 frames of up to 300 bytes), while the old
// stream's takeoverAfter runs out.
const maxHeldBytes = 16 << 10

// agree is recv's rule of probation (rtp.Probation): a source that sent
// valid audio once is confirmed by a second frame whose stamp lies within
// the resync threshold of the last one (over RTP: a packet of the same
// SSRC that rtp.SequenceConfirms, the Receiver's own rule). Random data
// passes for a stamped frame now and then (a first byte 0x00, then any
// bytes make a valid code 0 Opus packet), or for RTP; two in a row from
// one source that agree do not happen by chance.
func agree(src source, last, next int64) bool {
	if src.rtp {
		return rtp.SequenceConfirms(uint16(last), uint16(next))
	}
	d := time.Duration(next-last) * time.Millisecond
	return d.Abs() <= opusrt.DefaultResyncThreshold
}

// maxStamp is the largest stamp, either side of 0, the Buffer takes.
const maxStamp = 1 << 42

// receiver takes datagrams from the socket, chooses the stream to follow
// and feeds it to the buffer. It holds no state per foreign address beyond
// the bounded senderSet and candidates, so a flood costs counting only.
//
// The rule: the first source to send valid audio (two valid stamped frames
// whose stamps agree within the resync threshold, or two RTP packets of one
// SSRC, of the payload type expected, carrying Opus, with sequence numbers
// less than 100 apart) is followed; everything
// from other sources is counted and ignored, until the followed one has
// sent no valid audio for takeoverAfter. Then the next source to send valid
// audio is followed instead (a restarted sender, from a new port), with
// the frames it sent while it waited (up to maxHeldBytes), and the
// buffer plays it from the takeover on.
//
// Stamps: a followed stream starts on recv's timeline at the time it is
// followed (or where the audio before it ends, see rtp.Timeline), its
// stamps moved by one shift for all its frames: a stamped sender's, and
// the RTP Receiver's (which stamps a new RTP stream from its arrival by the
// same rule, so its shift is 0 unless a stamped stream's audio is still to
// play). The frames held while the old stream's takeoverAfter ran out thus
// play from the takeover on, none late for having waited (on its sender's
// own stamps, a frame held for longer than the playout delay came after
// the slot the old stream's timeline had for it, and was late). A jump
// within the stream is the Buffer's (or the RTP Receiver's) to handle.
type receiver struct {
	rtb *opusrt.RealtimeBuffer
	// rtp takes the followed RTP stream (nil: recv takes no RTP); pt is
	// the payload type expected, −1 for any dynamic one carrying Opus.
	rtp *rtp.Receiver
	pt  int
	pkt rtp.Packet // scratch for candidates

	mu        sync.Mutex
	c         rxCounts
	following bool
	followed  source
	lastAudio time.Time // of the followed stream
	first     time.Time // the first datagram
	others    senderSet
	// candidates hold the first frame of each source that may be
	// followed, then, while the followed stream lives, those of a
	// confirmed one that waits to take over (up to maxHeldBytes), fed to
	// the buffer when it does. Made at first use.
	candidates *rtp.Probation[source]

	// The timeline (see Stamps above). shift moves the followed stream's
	// stamps onto it; it is set from the first frame written after
	// anchoring is set (when a stream is followed, at anchorAt). scratch
	// holds a frame restamped.
	tl        rtp.Timeline
	shift     opusrt.EpochMillis
	anchoring bool
	anchorAt  time.Time
	now       time.Time // of the datagram being handled
	scratch   []byte

	// RTCP: whether the sender multiplexes it on the RTP port, and where
	// its RTCP comes from when it does not (the RTP port + 1 by default).
	rtcpMuxed bool
	rtcpPeer  netip.AddrPort
	reports   int // receiver reports sent

	deadline sync.Mutex // guards the read deadline against stop
	conn     *net.UDPConn
	stopping bool
}

// newReceiver returns a receiver that feeds rtb, taking RTP of payload
// type pt (−1: any dynamic one carrying Opus). clk must be rtb's clock: the
// RTP Receiver stamps arrivals on it.
func newReceiver(rtb *opusrt.RealtimeBuffer, pt int, clk opusrt.Clock) *receiver {
	r := &receiver{rtb: rtb, pt: pt}
	ropts := []rtp.ReceiverOption{rtp.WithStreamTimeout(takeoverAfter), rtp.WithReceiverClock(clk)}
	if pt >= 0 {
		ropts = append(ropts, rtp.WithPayloadType(uint8(pt)))
	}
	r.rtp = rtp.NewReceiver(rtp.StampedSink(bufferWriter{r}), ropts...)
	return r
}

// handle takes one datagram from from, read at now.
func (r *receiver) handle(data []byte, from netip.AddrPort, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.c.Datagrams++
	r.now = now
	if r.first.IsZero() {
		r.first = now
	}
	kind := classify(data)
	switch kind {
	case kindStamped:
		f, stamp, _ := opusrt.FromStamped(data)
		src := source{addr: from}
		switch {
		case r.following && src == r.followed:
			r.feed(f, stamp, now)
		default:
			r.consider(src, int64(stamp), data, now)
		}
		return
	case kindRTP:
		if r.rtp == nil {
			break
		}
		if r.following && r.followed.rtp && from == r.followed.addr {
			r.receiveRTP(data, now)
			return
		}
		if ssrc, seq, ok := r.opusRTP(data); ok {
			r.consider(source{addr: from, rtp: true, ssrc: ssrc}, int64(seq), data, now)
			return
		}
	case kindRTCP:
		if r.rtp != nil && r.following && r.followed.rtp && from == r.followed.addr {
			r.rtcpMuxed, r.rtcpPeer = true, from
			r.rtp.Receive(data) // an SR gives LSR; counted in the Receiver's stats
			return
		}
	}
	switch {
	case r.following && from == r.followed.addr:
		r.c.Invalid++
		return
	case r.following:
		r.ignore(from)
		return
	}
	switch kind {
	case kindStampedInvalid:
		r.c.StampedInvalid++
	case kindRTP:
		r.c.RTPByType[data[1]&0x7f]++
	case kindRTCP:
		r.c.RTCP++
	default:
		r.c.Other++
	}
}

// receiveRTP gives an RTP packet of the followed address to the Receiver.
func (r *receiver) receiveRTP(data []byte, now time.Time) {
	err := r.rtp.Receive(data)
	switch {
	case err == nil:
		r.lastAudio = now
		r.c.Audio++
		r.followed.ssrc = encbin.BigEndian.Uint32(data[8:12])
	case errors.Is(err, rtp.ErrProbation):
		// The first packet of a new SSRC from the followed address, held
		// by the Receiver until a second confirms it: not yet valid audio.
		r.c.Audio++
	case errors.Is(err, rtp.ErrIgnored):
		r.c.Ignored++ // another SSRC or payload type while the stream lives
	case errors.Is(err, rtp.ErrInvalidPacket), errors.Is(err, opusrt.ErrInvalidFrame):
		r.c.Invalid++
	default:
		// Taken, but the buffer refused the frame (late, after close):
		// counted in the buffer's Stats.
		r.lastAudio = now
		r.c.Audio++
	}
}

// opusRTP reports whether data is an RTP packet of the payload type
// expected (any dynamic one, 96–127, without --pt) carrying a valid Opus
// packet, and returns its SSRC and sequence number.
func (r *receiver) opusRTP(data []byte) (ssrc uint32, seq uint16, ok bool) {
	if err := r.pkt.Unmarshal(data); err != nil {
		return 0, 0, false
	}
	pt := int(r.pkt.PayloadType)
	if r.pt >= 0 && pt != r.pt || r.pt < 0 && pt < 96 {
		return 0, 0, false
	}
	if !opusrt.Frame(r.pkt.Payload).Valid() {
		return 0, 0, false
	}
	return r.pkt.SSRC, r.pkt.SequenceNumber, true
}

// feed gives a valid stamped frame of the followed stream to the buffer.
func (r *receiver) feed(f opusrt.Frame, stamp opusrt.EpochMillis, now time.Time) {
	r.lastAudio = now
	r.c.Audio++
	r.write(f, stamp) // late, duplicate: counted in Stats
}

// write writes a valid frame of the followed stream, stamped stamp, to
// the buffer, its stamp shifted onto the timeline.
func (r *receiver) write(f opusrt.Frame, stamp opusrt.EpochMillis) (int, error) {
	if r.anchoring {
		r.anchoring = false
		r.shift = opusrt.EpochMillis(r.tl.Anchor(r.anchorAt)) - stamp
	}
	s := stamp + r.shift
	if s > maxStamp || s < -maxStamp {
		// A stamp the Buffer would refuse once shifted (a jump of more
		// than a century):
		// a new mapping from here, as the RTP Receiver makes for a jump.
		r.shift = opusrt.EpochMillis(r.tl.Anchor(r.now)) - stamp
		s = stamp + r.shift
	}
	r.tl.Delivered(int64(s + opusrt.FromDuration(f.Duration())))
	r.scratch = opusrt.AppendStamped(r.scratch[:0], f, s)
	return r.rtb.Write(r.scratch)
}

// bufferWriter is the receiver's write as an io.Writer, the RTP
// Receiver's sink. The Receiver calls it from receiver.handle, under the
// receiver's lock.
type bufferWriter struct{ r *receiver }

func (w bufferWriter) Write(stamped []byte) (int, error) {
	f, stamp, ok := opusrt.FromStamped(stamped)
	if !ok {
		return w.r.rtb.Write(stamped) // refused and counted by the buffer
	}
	return w.r.write(f, stamp)
}

// consider takes valid audio from a source that may become the followed
// one: the second frame of a candidate follows it, with its first. While
// the followed stream lives, a candidate's frames that agree are held
// (and counted as ignored), and all it holds is fed when it takes over.
func (r *receiver) consider(src source, stamp int64, data []byte, now time.Time) {
	waiting := r.following && now.Sub(r.lastAudio) < takeoverAfter
	if waiting {
		r.others.add(src.addr)
	}
	if r.candidates == nil {
		r.candidates = rtp.NewProbation(agree, maxHeldBytes)
	}
	if agreed, _ := r.candidates.Offer(src, stamp, data, now); !agreed {
		r.countUnconfirmed(src.rtp)
		return
	}
	if waiting {
		r.candidates.Keep(src, stamp, data)
		r.c.Ignored++
		return
	}
	held, _, _ := r.candidates.Release(src)
	switch {
	case r.following:
		r.c.Takeovers++
		r.c.Ignored -= int64(len(held)) // the held frames, now fed
	case src.rtp:
		r.c.RTPUnconfirmed--
	default:
		r.c.Unconfirmed--
	}
	r.following, r.followed = true, src
	if src.rtp {
		r.rtcpMuxed, r.rtcpPeer = false, netip.AddrPort{}
	}
	r.anchoring, r.anchorAt = true, now
	for _, d := range held {
		r.take(d, now)
	}
	r.take(data, now)
}

// take feeds a datagram of the followed stream, stamped or RTP.
func (r *receiver) take(data []byte, now time.Time) {
	if r.followed.rtp {
		r.receiveRTP(data, now)
		return
	}
	f, stamp, _ := opusrt.FromStamped(data)
	r.feed(f, stamp, now)
}

// countUnconfirmed counts a valid frame that is not (yet) followed: before
// any stream is followed it is an unconfirmed frame; after, an ignored one.
func (r *receiver) countUnconfirmed(isRTP bool) {
	switch {
	case r.following:
		r.c.Ignored++
	case isRTP:
		r.c.RTPUnconfirmed++
	default:
		r.c.Unconfirmed++
	}
}

func (r *receiver) ignore(from netip.AddrPort) {
	r.c.Ignored++
	r.others.add(from)
}

// idleSince returns when the idle time started: the last valid audio of
// the followed stream, or before any the first datagram; ok is false before
// any datagram. Datagrams of other sources do not count, so --idle fires
// while strangers send.
func (r *receiver) idleSince() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.following {
		return r.lastAudio, true
	}
	return r.first, !r.first.IsZero()
}

// drainTime is how long recv goes on reading what the socket has queued
// when told to stop: datagrams that arrived before the stop are recorded.
const drainTime = 20 * time.Millisecond

// run reads datagrams until stop is called or conn closed, or until idle
// (if > 0) has passed with no valid audio; it returns why it stopped (""
// when told to).
func (r *receiver) run(conn *net.UDPConn, idle time.Duration) string {
	r.deadline.Lock()
	r.conn = conn
	r.deadline.Unlock()
	buf := make([]byte, 64<<10)
	for {
		if idle > 0 {
			if since, ok := r.idleSince(); ok {
				r.setDeadline(since.Add(idle))
			}
		}
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				if r.stopped() {
					return ""
				}
				if since, ok := r.idleSince(); ok && time.Since(since) >= idle {
					return fmt.Sprintf("idle for %s", fmtDuration(idle))
				}
				continue
			}
			return ""
		}
		r.handle(buf[:n], netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), time.Now())
	}
}

// setDeadline sets the read deadline for the idle time, unless stop has
// set its own.
func (r *receiver) setDeadline(t time.Time) {
	r.deadline.Lock()
	defer r.deadline.Unlock()
	if !r.stopping {
		r.conn.SetReadDeadline(t)
	}
}

// stop makes run read what the socket holds for at most drainTime more,
// then return.
func (r *receiver) stop() {
	r.deadline.Lock()
	defer r.deadline.Unlock()
	r.stopping = true
	if r.conn != nil {
		r.conn.SetReadDeadline(time.Now().Add(drainTime))
	}
}

func (r *receiver) stopped() bool {
	r.deadline.Lock()
	defer r.deadline.Unlock()
	return r.stopping
}

// counts returns a copy of the counts and the followed source.
func (r *receiver) counts() (c rxCounts, followed source, ok bool, others int, more bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c, r.followed, r.following, len(r.others.m), r.others.full
}

// noAudioReason says in one line why nothing was recorded, from what came
// instead of valid audio.
func noAudioReason(c rxCounts, listen string, expected int) string {
	if c.Datagrams == 0 {
		return "no valid audio: nothing received on " + listen
	}
	var parts []string
	// RTP of a type recv takes carried no valid Opus packet; RTP of
	// another type was not what recv expected.
	want := "a dynamic one (96-127) carrying Opus"
	if expected >= 0 {
		want = fmt.Sprint(expected)
	}
	var taken, other rtpTypes
	for pt, k := range c.RTPByType {
		if pt == expected || expected < 0 && pt >= 96 {
			taken.add(pt, k)
		} else {
			other.add(pt, k)
		}
	}
	if taken.n > 0 {
		parts = append(parts, fmt.Sprintf("%d were RTP of payload type %s with no valid Opus packet in them", taken.n, taken))
	}
	if other.n > 0 {
		parts = append(parts, fmt.Sprintf("%d were RTP with payload type %s, not the one expected, %s; try --sdp or --pt", other.n, other, want))
	}
	if c.RTPUnconfirmed > 0 {
		parts = append(parts, fmt.Sprintf("%d were RTP Opus packets that no second packet of their SSRC confirmed", c.RTPUnconfirmed))
	}
	if c.Unconfirmed > 0 {
		parts = append(parts, fmt.Sprintf("%d were stamped frames that no second frame of their sender confirmed", c.Unconfirmed))
	}
	if c.StampedInvalid > 0 {
		parts = append(parts, fmt.Sprintf("%d had a stamp but no valid Opus packet", c.StampedInvalid))
	}
	if c.RTCP > 0 {
		parts = append(parts, fmt.Sprintf("%d were RTCP", c.RTCP))
	}
	if c.Other > 0 {
		parts = append(parts, fmt.Sprintf("%d were neither stamped frames nor RTP", c.Other))
	}
	return fmt.Sprintf("no valid audio: of %d datagrams, %s", c.Datagrams, strings.Join(parts, ", "))
}

// rtpTypes sums RTP packets over payload types and keeps the most common.
type rtpTypes struct {
	n       int64 // packets
	top     int   // the most common type
	topN    int64 // its packets
	several bool  // more than one type
}

func (t *rtpTypes) add(pt int, k int64) {
	if k == 0 {
		return
	}
	t.several = t.n > 0
	t.n += k
	if k > t.topN {
		t.top, t.topN = pt, k
	}
}

// String names the most common type, and says when there were others.
func (t rtpTypes) String() string {
	if t.several {
		return fmt.Sprintf("%d (and others)", t.top)
	}
	return fmt.Sprint(t.top)
}

// runRTCP reads the RTCP port (the RTP port + 1): RTCP from the followed
// RTP sender's host goes to the Receiver, and its address is where the
// receiver reports go; anything else is ignored and counted.
func (r *receiver) runRTCP(conn *net.UDPConn) {
	buf := make([]byte, 2048)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		r.mu.Lock()
		if r.following && r.followed.rtp && !r.rtcpMuxed && from.Addr() == r.followed.addr.Addr() && classify(buf[:n]) == kindRTCP {
			r.rtcpPeer = from
			r.rtp.Receive(buf[:n])
		} else {
			r.c.RTCPIgnored++
		}
		r.mu.Unlock()
	}
}

// report sends a receiver report on the followed RTP stream, if there is
// one: back where the sender's RTCP came from (the RTP port when it
// multiplexes RTCP there, else its RTCP port), or before any RTCP to its
// RTP port + 1, as RFC 3550 §11 pairs ports. It returns buf for reuse.
//
// The report is made under the lock and sent after it, so that a send
// that waits for room in the socket does not stop the reading of audio.
func (r *receiver) report(rtpConn, rtcpConn *net.UDPConn, now time.Time, buf []byte) []byte {
	r.mu.Lock()
	if !r.following || !r.followed.rtp {
		r.mu.Unlock()
		return buf
	}
	buf = r.rtp.AppendReport(buf[:0], now)
	conn, to := rtpConn, r.rtcpPeer
	if !r.rtcpMuxed {
		if rtcpConn != nil {
			conn = rtcpConn
		}
		if !to.IsValid() {
			to = netip.AddrPortFrom(r.followed.addr.Addr(), r.followed.addr.Port()+1)
		}
	}
	r.mu.Unlock()
	if _, err := conn.WriteToUDPAddrPort(buf, to); err == nil {
		r.mu.Lock()
		r.reports++
		r.mu.Unlock()
	}
	return buf
}
