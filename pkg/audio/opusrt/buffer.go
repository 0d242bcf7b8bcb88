package opusrt

import (
	"io"
	"math"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// Buffer is a jitter buffer: it takes timestamped frames in any order and
// gives them back in stamp order, reporting each hole in the timeline as a
// loss so the caller can conceal it.
//
// The buffer keeps a read position: the end of the last frame or loss that
// Frame returned (none before the first call and after Reset). Append sorts
// each frame into place, and rejects what can no longer be played:
//
//   - a frame that is not a valid Opus packet: ErrInvalidFrame;
//   - a frame that starts before the read position (by more than
//     StampTolerance): late, ErrDisorderedPacket;
//   - a frame with the stamp of one already held: a duplicate, dropped,
//     nil returned;
//   - a frame more than the resync threshold (5 s) before the read
//     position is taken for a sender that restarted: the buffer drops what
//     it holds, forgets the read position and keeps the new frame;
//   - when the held audio exceeds Duration, the oldest frames are dropped,
//     and the reader sees their span as loss.
//
// A forward gap up to the resync threshold is reported as loss when the
// reader reaches it; a longer one is a sender whose clock jumped, not
// audio to conceal: Event reports it as an EventDiscontinuity (as it does
// a resync back) and Frame passes over it to the frame after. Both count
// in Stats.Resyncs. Every frame is counted in Stats.
//
// Frames from Append are kept as given: the caller must not change them
// afterwards. Frames from Write are copied into memory the buffer never
// reuses, so the frames Frame returns may be kept.
//
// A Buffer is safe for concurrent use. Frame never blocks; see
// RealtimeBuffer for playout at real-time pace.
type Buffer struct {
	// Duration is the most audio the buffer holds, in milliseconds; 0 or
	// less means DefaultMaxDuration. Set it before use.
	Duration EpochMillis

	mu       sync.Mutex
	clock    Clock
	system   bool      // clock is SystemClock: read the monotonic clock alone
	untimed  bool      // WithoutArrivalTimes: Append and Write read no clock
	base     time.Time // clock reading that arrival times count from
	resyncUs int64

	queue      frameQueue
	bufferedUs int64
	hasPos     bool
	posUs      int64  // the read position, µs since the epoch
	lastDurUs  int64  // duration of the last frame played, for loss estimates
	jumped     bool   // a resync back is still to be reported as a discontinuity
	jumpFromUs int64  // where the timeline was when it jumped back
	timeline   uint64 // counts resyncs back and Resets: a new timeline
	slab       []byte // memory that Write copies frames into

	jitter jitterEstimator
	stats  Stats
}

// Internal units: timeline positions and durations in microseconds.
const (
	toleranceUs    = int64(StampTolerance / time.Microsecond)
	defaultFrameUs = int64(20 * time.Millisecond / time.Microsecond)
	maxStampMillis = 1 << 42 // |stamp| beyond this is rejected, so that any gap fits a time.Duration
	slabSize       = 4096
	slabLargeFrame = slabSize / 4
	usPerMilli     = 1000
)

// NewBuffer returns a jitter buffer that holds at most d of audio (0 or less
// means DefaultMaxDuration). Options: WithClock, WithResyncThreshold,
// WithoutArrivalTimes.
func NewBuffer(d time.Duration, opts ...BufferOption) *Buffer {
	cfg := newBufferConfig(opts)
	if cfg.clock == nil {
		cfg.clock = SystemClock()
	}
	if cfg.resyncThreshold == 0 {
		cfg.resyncThreshold = DefaultResyncThreshold
	}
	b := &Buffer{
		Duration: FromDuration(d),
		resyncUs: cfg.resyncThreshold.Microseconds(),
		untimed:  cfg.untimed,
	}
	b.setClockLocked(cfg.clock)
	return b
}

// initLocked makes a zero Buffer usable.
func (b *Buffer) initLocked() {
	if b.clock == nil {
		b.initZeroLocked() // out of line, so that this check inlines
	}
}

func (b *Buffer) initZeroLocked() {
	b.setClockLocked(SystemClock())
	b.resyncUs = DefaultResyncThreshold.Microseconds()
}

func (b *Buffer) setClockLocked(c Clock) {
	b.clock = c
	_, b.system = c.(systemClock)
	b.base = c.Now()
}

// noArrival stands for an arrival time not taken (WithoutArrivalTimes).
const noArrival = time.Duration(math.MinInt64)

// arrivalLocked returns the arrival time of a frame appended now, or
// noArrival when the buffer does not time arrivals.
func (b *Buffer) arrivalLocked() time.Duration {
	if b.untimed {
		return noArrival
	}
	return b.sinceBaseLocked()
}

// nowLocked returns the clock's time. The system clock is read through its
// monotonic part alone (base plus the time since), which costs half of
// time.Now; times so made compare and subtract as any other.
func (b *Buffer) nowLocked() time.Time {
	if b.system {
		return b.base.Add(time.Since(b.base))
	}
	return b.clock.Now()
}

// sinceBaseLocked returns the clock's time since base. The system clock is
// read through its monotonic part alone, which costs half of time.Now.
func (b *Buffer) sinceBaseLocked() time.Duration {
	if b.system {
		return time.Since(b.base)
	}
	return b.clock.Now().Sub(b.base)
}

func (b *Buffer) maxDurationUs() int64 {
	if b.Duration <= 0 {
		return DefaultMaxDuration.Microseconds()
	}
	return int64(b.Duration) * usPerMilli
}

// Append adds frame, stamped with the time its audio starts. It keeps the
// frame itself, not a copy. It returns ErrInvalidFrame for a frame that is
// not a valid Opus packet (or a stamp beyond ±2⁴² ms, about 139 years either
// side of 1970, so that any gap fits a time.Duration), ErrDisorderedPacket
// for a late frame; a duplicate is dropped with no error. Nothing of a
// rejected frame is kept, and every outcome is counted in Stats.
func (b *Buffer) Append(frame Frame, stamp EpochMillis) error {
	b.mu.Lock()
	b.initLocked()
	err := b.appendLocked(frame, stamp, false, b.arrivalLocked(), noFloor)
	b.mu.Unlock()
	return err
}

// Write takes one stamped frame (see FromStamped), copies its frame and
// appends it. It returns len(stamped) on success, (0, ErrInvalidFrame) for
// data that does not parse, and (0, err) for any error of Append.
func (b *Buffer) Write(stamped []byte) (int, error) {
	frame, stamp, err := parseStamped(stamped)
	b.mu.Lock()
	b.initLocked()
	if err != nil {
		b.stats.PacketsInvalid++
	} else {
		err = b.appendLocked(frame, stamp, true, b.arrivalLocked(), noFloor)
	}
	b.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return len(stamped), nil
}

// noFloor is the floor of appendLocked when there is none.
const noFloor = math.MinInt64

// appendLocked is Append; copyFrame asks for the frame to be copied into
// the slab once it is accepted, and arrival is its arrival time on the
// clock, since base (or noArrival). floorUs, when not noFloor, stands for
// the read position while there is none: a RealtimeBuffer's schedule
// position, so that a frame whose slot has passed is late even before
// anything was read.
func (b *Buffer) appendLocked(frame Frame, stamp EpochMillis, copyFrame bool, arrival time.Duration, floorUs int64) error {
	if err := frame.validate(); err != nil {
		b.stats.PacketsInvalid++
		return err
	}
	if stamp > maxStampMillis || stamp < -maxStampMillis {
		b.stats.PacketsInvalid++
		return errorf(ErrInvalidFrame, "stamp %d ms out of range", stamp)
	}
	start := int64(stamp) * usPerMilli
	b.stats.PacketsReceived++

	bound := floorUs
	if b.hasPos {
		bound = b.posUs
	}
	if bound != noFloor && start < bound-toleranceUs {
		if bound-start <= b.resyncUs {
			b.observeArrival(arrival, start)
			b.stats.PacketsLate++
			return errorf(ErrDisorderedPacket, "frame at %d ms starts %v before the read position",
				stamp, usDuration(bound-start))
		}
		b.resyncLocked(bound)
	}
	b.observeArrival(arrival, start)
	held := b.queue.insert(start)
	if held == nil {
		b.stats.PacketsDuplicated++
		return nil
	}
	if copyFrame {
		frame = b.copyToSlab(frame)
	}
	dur := int64(frame.Samples()) * 125 / 6 // 48 kHz samples, a multiple of 120, to µs
	held.start, held.dur, held.arrival, held.frame = start, dur, int64(arrival), frame
	b.bufferedUs += dur
	if b.bufferedUs > b.maxDurationUs() {
		b.dropOverflowLocked()
	}
	return nil
}

func (b *Buffer) observeArrival(arrival time.Duration, startUs int64) {
	if arrival != noArrival {
		b.jitter.observe(int64(arrival), startUs, b.resyncUs)
	}
}

// resyncLocked starts a new timeline after a jump back from fromUs: what
// is held is dropped and the read position forgotten; the reader is told
// of the jump by a discontinuity.
func (b *Buffer) resyncLocked(fromUs int64) {
	b.stats.Resyncs++
	b.stats.PacketsResynced += uint64(b.queue.len())
	b.queue.clear()
	b.bufferedUs = 0
	if !b.jumped {
		b.jumped, b.jumpFromUs = true, fromUs
	}
	b.hasPos = false
	b.jitter.reset()
	b.timeline++
}

// dropOverflowLocked drops the oldest frames while the held audio exceeds
// the maximum. The read position stays where it is (or is set to the start
// of the first dropped frame), so the reader sees their span as loss.
func (b *Buffer) dropOverflowLocked() {
	limit := b.maxDurationUs()
	for b.bufferedUs > limit && b.queue.len() > 0 {
		e := b.queue.front()
		if !b.hasPos {
			b.hasPos, b.posUs = true, e.start
		}
		b.bufferedUs -= e.dur
		b.queue.dropFront()
		b.stats.PacketsDropped++
	}
}

// copyToSlab copies f into memory the buffer never reuses, carving small
// frames from shared chunks so that copying costs well under one
// allocation per frame.
func (b *Buffer) copyToSlab(f Frame) Frame {
	n := len(f)
	if n > slabLargeFrame {
		return f.Clone()
	}
	if cap(b.slab)-len(b.slab) < n {
		b.slab = make([]byte, 0, slabSize)
	}
	start := len(b.slab)
	b.slab = append(b.slab, f...)
	return Frame(b.slab[start : start+n : start+n])
}

// Frame returns the next frame in stamp order with loss 0; or, when the next
// held frame starts after the read position by more than StampTolerance,
// (nil, gap, nil) and moves the read position to that frame; or
// (nil, 0, io.EOF) when nothing is held — more may be appended later.
//
// Frame is Event with the extras dropped: a discontinuity (a gap beyond
// the resync threshold, or a resync back) is passed over, and the frame
// after it returned in the same call; an inserted slot is a loss.
func (b *Buffer) Frame() (Frame, time.Duration, error) {
	b.mu.Lock()
	b.initLocked()
	if b.contiguousLocked() {
		// The common case, without the detour through takeLocked.
		f := b.playFrontLocked(-1)
		b.mu.Unlock()
		return f, 0, nil
	}
	defer b.mu.Unlock()
	for {
		t := b.takeLocked(-1)
		switch t.kind {
		case EventFrame:
			return t.frame, 0, nil
		case 0:
			return nil, 0, io.EOF
		case EventDiscontinuity:
			continue
		}
		return nil, usDuration(t.durUs), nil
	}
}

// contiguousLocked reports whether the next event is the first held frame:
// it starts at the read position (within the tolerance), or there is none.
func (b *Buffer) contiguousLocked() bool {
	if b.queue.len() == 0 || b.jumped {
		return false
	}
	if !b.hasPos {
		return true
	}
	d := b.queue.front().start - b.posUs
	return d >= -toleranceUs && d <= toleranceUs
}

// playFrontLocked takes the first held frame as played and returns it.
// now is as for takeLocked.
func (b *Buffer) playFrontLocked(now time.Duration) Frame {
	e := b.queue.front()
	f, dur, arrival := e.frame, e.dur, e.arrival
	b.hasPos, b.posUs = true, e.start+dur
	b.queue.dropFront()
	b.bufferedUs -= dur
	b.lastDurUs = dur
	b.stats.PacketsPlayed++
	b.stats.PlayedDuration = satAdd(b.stats.PlayedDuration, usDuration(dur))
	if now >= 0 && arrival != int64(noArrival) {
		b.stats.JitterBufferDelay = satAdd(b.stats.JitterBufferDelay, max(now-time.Duration(arrival), 0))
		b.stats.JitterBufferEmittedCount++
	}
	return f
}

// Event returns the next event of the stream: the next frame in stamp
// order (EventFrame); the loss up to it when it starts after the read
// position by more than StampTolerance, with FEC set when the frame can
// recover it (EventLoss); or, when that gap is longer than the resync
// threshold, or after a resync back, an EventDiscontinuity, the read
// position moving to where the new timeline begins. It returns io.EOF when
// nothing is held: more may be appended later.
func (b *Buffer) Event() (Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.initLocked()
	t := b.takeLocked(-1)
	if t.kind == 0 {
		return Event{}, io.EOF
	}
	return b.eventLocked(t), nil
}

// took is what takeLocked took, in the Buffer's units: small enough to be
// returned in registers, where an Event is not.
type took struct {
	kind    EventKind // 0: nothing held
	startUs int64     // where the event starts
	durUs   int64     // how long it is: a frame's or a loss's duration; 0 for a discontinuity
	jumpUs  int64     // for a discontinuity, how far the timeline moved
	frame   Frame     // for a frame
}

// eventLocked makes the Event of t, taken just now: for a loss, the frame
// after it (the next held) is its FEC frame when it can recover it.
func (b *Buffer) eventLocked(t took) Event {
	ev := Event{Kind: t.kind, Frame: t.frame, Start: usDuration(t.startUs), Duration: usDuration(t.durUs), Jump: usDuration(t.jumpUs)}
	if t.kind == EventLoss && b.queue.len() > 0 {
		ev.FEC = fecFor(t.durUs, b.queue.front())
	}
	return ev
}

// dropPassedLocked drops, as late, the held frames that start before the
// read position (held but overlapping what was already played), and
// reports whether a frame is left to take.
func (b *Buffer) dropPassedLocked() bool {
	for b.queue.len() > 0 {
		e := b.queue.front()
		if !b.hasPos || e.start >= b.posUs-toleranceUs {
			return true
		}
		b.bufferedUs -= e.dur
		b.queue.dropFront()
		b.stats.PacketsLate++
	}
	return false
}

// takeLocked takes the next event; kind 0 when nothing is held. now, the
// clock's time since base, is for the delay statistics; a negative now
// leaves them alone.
func (b *Buffer) takeLocked(now time.Duration) took {
	if b.dropPassedLocked() {
		e := b.queue.front()
		if b.jumped {
			// A resync back: the new timeline begins at the read position
			// overflow set, or at its first frame.
			start := e.start
			if b.hasPos {
				start = b.posUs
			}
			b.jumped = false
			b.hasPos, b.posUs = true, start
			return took{kind: EventDiscontinuity, startUs: start, jumpUs: start - b.jumpFromUs}
		}
		if b.hasPos && e.start > b.posUs+toleranceUs {
			gap := e.start - b.posUs
			if gap > b.resyncUs {
				// A stamp jump forward: a new timeline, not loss.
				b.stats.Resyncs++
				b.posUs = e.start
				return took{kind: EventDiscontinuity, startUs: e.start, jumpUs: gap}
			}
			t := took{kind: EventLoss, startUs: b.posUs, durUs: gap}
			b.countLossLocked(gap, e.dur)
			b.posUs = e.start
			return t
		}
		start, dur := e.start, e.dur
		return took{kind: EventFrame, startUs: start, durUs: dur, frame: b.playFrontLocked(now)}
	}
	return took{}
}

// countLossLocked counts a loss of gapUs; nextUs is the duration of the
// frame after it, used for the count when no frame was played yet.
func (b *Buffer) countLossLocked(gapUs, nextUs int64) {
	frameUs := b.lastDurUs
	if frameUs == 0 {
		frameUs = nextUs
	}
	if frameUs == 0 {
		frameUs = defaultFrameUs
	}
	b.stats.ConcealmentEvents++
	b.stats.LostDuration = satAdd(b.stats.LostDuration, usDuration(gapUs))
	b.stats.PacketsLost = satAddUint(b.stats.PacketsLost, uint64(max(1, (2*gapUs+frameUs)/(2*frameUs))))
}

// fecFor returns next as the FEC frame of a loss of gapUs before it: when
// the loss is the one frame before next (its duration, within the
// tolerance and less than half a frame off, so that two lost 2.5 ms frames
// never pass for one) and next carries in-band FEC for it (the LBRR flag,
// RFC 6716 §4.2.3, which only SILK and hybrid packets have); nil otherwise.
func fecFor(gapUs int64, next *entry) Frame {
	off := min(toleranceUs, (next.dur-1)/2)
	if d := gapUs - next.dur; d > off || d < -off {
		return nil
	}
	if !opus.HasLBRR(next.frame) {
		return nil
	}
	return next.frame
}

// Len returns the number of frames held.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.queue.len()
}

// Buffered returns the audio held: the sum of the held frames' durations.
func (b *Buffer) Buffered() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Duration(b.bufferedUs) * time.Microsecond
}

// Reset drops every held frame (counted as PacketsCleared) and forgets the
// read position. The statistics are kept.
func (b *Buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.resetLocked()
}

func (b *Buffer) resetLocked() {
	b.stats.PacketsCleared += uint64(b.queue.len())
	b.queue.clear()
	b.bufferedUs = 0
	b.hasPos = false
	b.jumped = false
	b.lastDurUs = 0
	b.jitter.reset()
	b.timeline++
}

// Stats returns the buffer's counters and current state.
func (b *Buffer) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.statsLocked()
}

func (b *Buffer) statsLocked() Stats {
	s := b.stats
	s.PacketsDiscarded = s.PacketsLate + s.PacketsDuplicated + s.PacketsDropped + s.PacketsResynced + s.PacketsCleared + s.PacketsRemoved
	s.BufferedPackets = b.queue.len()
	s.Buffered = time.Duration(b.bufferedUs) * time.Microsecond
	s.Jitter = b.jitter.value()
	return s
}

// jitterEstimator is the interarrival jitter of RFC 3550 §6.4.1:
// J += (|D| − J)/16, where D is the change in transit time (arrival minus
// stamp) between consecutive arrivals. As in RFC 3550 A.8 it keeps 16·J in
// integers, so the update is a shift and an add.
type jitterEstimator struct {
	valid       bool
	lastTransit int64 // µs
	jitter16    int64 // 16·J, µs
}

// observe takes the arrival (ns since the clock's base) of a frame that
// starts at startUs. A change of transit time beyond jumpUs is a timeline
// jump (a sender's clock, a stray datagram with an absurd stamp), not
// jitter: it is not counted, and the differences go on from it, so one
// absurd stamp can neither make the estimate read hours nor wipe it.
func (j *jitterEstimator) observe(arrivalNs, startUs, jumpUs int64) {
	transit := arrivalNs/1000 - startUs
	if j.valid {
		d := transit - j.lastTransit
		if d < 0 {
			d = -d
		}
		if d <= jumpUs {
			j.jitter16 += d - (j.jitter16+8)>>4
		}
	}
	j.valid, j.lastTransit = true, transit
}

// reset starts the estimate again: a new timeline.
func (j *jitterEstimator) reset() { j.valid, j.jitter16 = false, 0 }

func (j *jitterEstimator) value() time.Duration {
	return time.Duration(j.jitter16>>4) * time.Microsecond
}

// usDuration converts µs to a time.Duration. Timeline values stay within
// ±2⁴² ms, so it cannot overflow.
func usDuration(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// satAdd returns a+b, held at the largest Duration instead of wrapping; b
// is not negative.
func satAdd(a, b time.Duration) time.Duration {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxInt64
}

// satAddUint returns a+b, held at the largest uint64 instead of wrapping.
func satAddUint(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}
