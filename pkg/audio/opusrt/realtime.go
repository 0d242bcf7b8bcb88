package opusrt

import (
	"errors"
	"io"
	"sync"
	"time"
)

// RealtimeBuffer plays a Buffer out at real-time pace: Frame blocks until
// the next frame or loss is due on the clock, so a consumer that writes
// each result to a speaker hears the stream as it was sent.
//
// The schedule is anchored at the arrival of the first frame: that frame is
// due one playout delay (WithPlayoutDelay, DefaultPlayoutDelay) after its
// Write, and every later stamp s is due at anchor + (s − first stamp). Due
// times come from the anchor, never from summed waits, so the schedule does
// not drift. A frame put straight into the Buffer anchors at the next Frame.
//
// At each due time Frame returns the frame at the playout position (the end
// of all it has returned, frames and losses); else, if a later frame is
// held, the loss up to it; else, while input is open, a loss of one frame's
// duration (the last frame's, 20 ms before any), so that a player gets a
// steady cadence of losses to conceal during an underrun. A frame that
// arrives after its slot was played is late: Write returns
// ErrDisorderedPacket.
//
// A stamp that jumps more than the resync threshold forward (a sender's
// clock jumped) starts a new timeline instead of being waited out: the
// frames held before it still play on their schedule, then the jumped-to
// frame follows, due one playout delay after its arrival (or right after
// them, if they end later), and no loss is reported for the jump. A jump back
// by more than the threshold (the sender restarted) resyncs as in the
// Buffer: what is held is dropped (PacketsResynced) and the new frame is due
// one playout delay after its arrival. Both count in Stats.Resyncs.
//
// RealtimeBuffer starts no goroutine. Write, Frame, CloseWrite, Close and
// Reset may be called from different goroutines; concurrent Frame calls
// take turns.
type RealtimeBuffer struct {
	buf   *Buffer
	delay time.Duration

	reading sync.Mutex    // serialises Frame calls: one waits at a time
	timer   Timer         // created on the first wait
	wake    chan struct{} // a token wakes the waiting Frame to look again

	// Guarded by buf.mu.
	anchored    bool
	anchorEpoch uint64    // buf.epoch when anchored; a change means resync or Reset
	anchorTime  time.Time // when the anchor position is due
	anchorPosUs int64     // the timeline position (µs) the anchor stands for
	writeClosed bool
	closed      bool
	notify      func() // set by a Player: the schedule may have changed
	follow      follower
}

// RealtimeFrom returns a RealtimeBuffer that paces the reading of buf.
// Options: WithPlayoutDelay, WithResyncThreshold (default: buf's), WithClock
// (default: buf's clock; a clock given here becomes buf's too, so arrivals
// and playout share one clock). buf should not be read directly afterwards.
func RealtimeFrom(buf *Buffer, opts ...Option) *RealtimeBuffer {
	cfg := newConfig(opts)
	buf.mu.Lock()
	defer buf.mu.Unlock()
	buf.initLocked()
	if cfg.clock != nil {
		buf.setClockLocked(cfg.clock)
	}
	if cfg.resyncThreshold > 0 {
		buf.resyncUs = cfg.resyncThreshold.Microseconds()
	}
	return &RealtimeBuffer{
		buf:    buf,
		delay:  cfg.playoutDelay,
		wake:   make(chan struct{}, 1),
		follow: newFollower(cfg),
	}
}

// Buffer returns the Buffer this RealtimeBuffer reads.
func (r *RealtimeBuffer) Buffer() *Buffer { return r.buf }

// Write takes one stamped frame (see FromStamped) as it arrives, as
// Buffer.Write does; after CloseWrite or Close it returns ErrDone.
func (r *RealtimeBuffer) Write(stamped []byte) (int, error) {
	frame, stamp, parseErr := parseStamped(stamped)
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.closed || r.writeClosed {
		return 0, errorf(ErrDone, "write after close")
	}
	if parseErr != nil {
		b.stats.PacketsInvalid++
		return 0, parseErr
	}
	now := r.buf.nowLocked()
	dueBefore, _ := r.nextDueLocked()
	if _, err := b.appendLocked(frame, stamp, true, now.Sub(b.base)); err != nil {
		if errors.Is(err, ErrDisorderedPacket) && r.anchoredLocked() {
			r.observeLocked(now, int64(stamp)*usPerMilli)
		}
		return 0, err
	}
	defer r.observeLocked(now, int64(stamp)*usPerMilli) // once the schedule stands
	switch due, ok := r.nextDueLocked(); {
	case !ok:
		// The first frame, or the first after a resync or Reset: a new
		// schedule, which a waiting Frame must learn of.
		r.anchorLocked(now.Add(r.delay), int64(stamp)*usPerMilli)
		r.signal()
	case due.Before(dueBefore):
		// A frame sent before the one the schedule waited for (reordered
		// before playout began): it is due earlier.
		r.signal()
	}
	return len(stamped), nil
}

// anchoredLocked reports whether the schedule stands; a resync or Reset of
// the Buffer since it was set undoes it.
func (r *RealtimeBuffer) anchoredLocked() bool {
	return r.anchored && r.anchorEpoch == r.buf.epoch
}

// anchorLocked sets the schedule: timeline position posUs is due at due.
func (r *RealtimeBuffer) anchorLocked(due time.Time, posUs int64) {
	r.anchored = true
	r.anchorEpoch = r.buf.epoch
	r.anchorTime = due
	r.anchorPosUs = posUs
}

// signal wakes a waiting Frame call, if any, and tells a Player.
func (r *RealtimeBuffer) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
	if r.notify != nil {
		r.notify()
	}
}

// Frame waits until the next event is due and returns it: a frame with loss
// 0, or (nil, loss, nil) for audio to conceal. It returns io.EOF after Close,
// and after CloseWrite once every held frame was played.
func (r *RealtimeBuffer) Frame() (Frame, time.Duration, error) {
	r.reading.Lock()
	defer r.reading.Unlock()
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		f, loss, wait, err := r.nextLocked()
		if err != ErrNotDue {
			return f, loss, err
		}
		r.waitLocked(wait)
	}
}

// TryFrame is Frame without the wait: it returns the event due now, or
// ErrNotDue when none is; NextDue then tells when to call again. It lets a
// few goroutines play many buffers (see Player) instead of one goroutine
// blocking in Frame per buffer. Do not mix it with a blocked Frame call on
// the same buffer: they take turns.
func (r *RealtimeBuffer) TryFrame() (Frame, time.Duration, error) {
	r.reading.Lock()
	defer r.reading.Unlock()
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	f, loss, _, err := r.nextLocked()
	return f, loss, err
}

// nextLocked returns the event due now; or ErrNotDue and how long to wait
// for the next (−1: until a Write, CloseWrite, Reset or Close).
func (r *RealtimeBuffer) nextLocked() (f Frame, loss, wait time.Duration, err error) {
	return r.nextAtLocked(r.buf.nowLocked())
}

// poll is TryFrame at the clock reading now, for a Player: it also returns
// when the event after this one is due (ok false: when input arrives), so
// that the Player need not ask again. For an event returned, next is where
// the schedule stands; a forward stamp jump may move it later, which the
// next poll finds.
func (r *RealtimeBuffer) poll(now time.Time) (f Frame, loss time.Duration, err error, next time.Time, ok bool) {
	r.reading.Lock()
	defer r.reading.Unlock()
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	f, loss, wait, err := r.nextAtLocked(now)
	switch {
	case err == ErrNotDue:
		if wait < 0 {
			return nil, 0, err, time.Time{}, false
		}
		return nil, 0, err, now.Add(wait), true
	case err != nil:
		return nil, 0, err, time.Time{}, false
	case r.writeClosed && b.queue.len() == 0:
		return f, loss, nil, now, true // io.EOF comes at once
	}
	next, ok = r.dueLocked()
	return f, loss, nil, next, ok
}

// nextAtLocked is nextLocked at the clock reading now.
func (r *RealtimeBuffer) nextAtLocked(now time.Time) (f Frame, loss, wait time.Duration, err error) {
	b := r.buf
	if r.closed {
		return nil, 0, 0, io.EOF
	}
	if !r.anchoredLocked() {
		if b.queue.len() == 0 {
			if r.writeClosed {
				return nil, 0, 0, io.EOF
			}
			return nil, 0, -1, ErrNotDue
		}
		start := b.queue.front().start
		if b.hasPos {
			start = b.posUs
		}
		r.anchorLocked(now.Add(r.delay), start)
	}
	if headUs, due, ok := r.jumpLocked(); ok {
		// A forward stamp jump: nothing changes before the jumped-to frame
		// is due, so that a call made early decides as one made on time.
		if now.Before(due) {
			return nil, 0, due.Sub(now), ErrNotDue
		}
		r.takeJumpLocked(headUs, due)
	}
	due, _ := r.dueLocked()
	if now.Before(due) {
		if r.writeClosed && b.queue.len() == 0 {
			return nil, 0, 0, io.EOF
		}
		return nil, 0, due.Sub(now), ErrNotDue
	}
	if r.writeClosed && b.queue.len() == 0 {
		return nil, 0, 0, io.EOF
	}
	if us := r.adjustLocked(now); us > 0 {
		return nil, time.Duration(us) * time.Microsecond, 0, nil
	}
	if b.queue.len() > 0 {
		if f, loss, err := b.frameLocked(now.Sub(b.base)); err == nil {
			if f != nil {
				r.playedLocked()
			}
			return f, loss, 0, nil
		}
	}
	if r.writeClosed {
		return nil, 0, 0, io.EOF
	}
	// Underrun: report one frame's worth of loss and move on.
	step := b.lastDurUs
	if step == 0 {
		step = defaultFrameUs
	}
	pos := r.positionLocked()
	b.reportLossLocked(step, step)
	b.hasPos, b.posUs = true, pos+step
	return nil, time.Duration(step) * time.Microsecond, 0, nil
}

// jumpLocked reports whether the schedule must move onto a new timeline
// now: the old one is played out and the next held frame lies more than the
// resync threshold beyond the playout position (a sender's clock jumped
// forward). It returns the frame's start and when it is due: its arrival
// plus the playout delay, or when the old timeline ends, whichever is
// later. Both depend only on what is held, so NextDue and Frame agree.
func (r *RealtimeBuffer) jumpLocked() (headUs int64, due time.Time, ok bool) {
	b := r.buf
	if b.queue.len() == 0 || !b.hasPos || !r.anchoredLocked() {
		return 0, time.Time{}, false
	}
	head := b.queue.front()
	if head.start-b.posUs <= b.resyncUs {
		return 0, time.Time{}, false
	}
	due, _ = r.dueLocked() // when the old timeline ends
	if head.arrival != int64(noArrival) {
		due = latest(due, b.base.Add(time.Duration(head.arrival)+r.delay))
	}
	return head.start, due, true
}

// takeJumpLocked moves the schedule onto the timeline of a forward stamp
// jump, whose first frame starts at headUs and is due at due, with no loss
// between the timelines.
func (r *RealtimeBuffer) takeJumpLocked(headUs int64, due time.Time) {
	b := r.buf
	r.anchorLocked(due, headUs)
	b.hasPos, b.posUs = true, headUs
	b.stats.Resyncs++
	b.jitter.reset()
	// A new timeline: measure it afresh from the frame that starts it.
	r.follow.restart(b.epoch)
	if head := b.queue.front(); head.arrival != int64(noArrival) {
		r.observeLocked(b.base.Add(time.Duration(head.arrival)), head.start)
	}
}

// nextDueLocked returns when the next event is due, a forward stamp jump
// considered; ok is false when no schedule stands.
func (r *RealtimeBuffer) nextDueLocked() (time.Time, bool) {
	if _, due, ok := r.jumpLocked(); ok {
		return due, true
	}
	return r.dueLocked()
}

// positionLocked returns where the next event starts on the timeline.
func (r *RealtimeBuffer) positionLocked() int64 {
	b := r.buf
	switch {
	case b.hasPos:
		return b.posUs
	case b.queue.len() > 0:
		return b.queue.front().start
	default:
		return r.anchorPosUs
	}
}

// dueLocked returns when the next event is due; ok is false when no
// schedule stands.
func (r *RealtimeBuffer) dueLocked() (time.Time, bool) {
	if !r.anchoredLocked() {
		return time.Time{}, false
	}
	offset := time.Duration(r.positionLocked()-r.anchorPosUs) * time.Microsecond
	return r.anchorTime.Add(offset), true
}

// waitLocked releases the lock and waits until d has passed on the clock
// (forever if d < 0), a Write, CloseWrite or Reset signals, or Close.
func (r *RealtimeBuffer) waitLocked(d time.Duration) {
	clock := r.buf.clock
	r.buf.mu.Unlock()
	defer r.buf.mu.Lock()
	if d < 0 {
		<-r.wake
		return
	}
	if r.timer == nil {
		r.timer = clock.NewTimer(d)
	} else {
		r.timer.Reset(d)
	}
	select {
	case <-r.timer.C():
	case <-r.wake:
		r.timer.Stop()
	}
}

// NextDue reports when the next call of Frame will return: the due time of
// the next frame or loss. ok is false when no schedule stands yet (Frame
// would wait for the first frame) or the buffer is closed. A simulation on a
// manual clock uses it to interleave arrivals with playout.
func (r *RealtimeBuffer) NextDue() (due time.Time, ok bool) {
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.closed {
		return time.Time{}, false
	}
	if !r.anchoredLocked() {
		if b.queue.len() == 0 {
			return time.Time{}, false
		}
		return r.buf.nowLocked().Add(r.delay), true
	}
	return r.nextDueLocked()
}

// CloseWrite says no more input will come: Frame plays out what is held at
// pace, gaps still reported, then returns io.EOF at once instead of
// underrun losses. Later writes return ErrDone. It is idempotent.
func (r *RealtimeBuffer) CloseWrite() error {
	r.buf.mu.Lock()
	defer r.buf.mu.Unlock()
	r.writeClosed = true
	r.signal()
	return nil
}

// Close ends playout at once: a blocked Frame and every later one return
// io.EOF, and writes return ErrDone. Held frames stay counted in Stats as
// buffered. It is idempotent.
func (r *RealtimeBuffer) Close() error {
	r.buf.mu.Lock()
	defer r.buf.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.signal() // a waiting Frame wakes and sees closed
	}
	return nil
}

// Reset empties the buffer (PacketsCleared), forgets the playout position
// and the anchor: the next frame written anchors a new schedule. It does
// not reopen a closed buffer.
func (r *RealtimeBuffer) Reset() {
	r.buf.mu.Lock()
	defer r.buf.mu.Unlock()
	r.buf.resetLocked()
	r.anchored = false
	r.signal()
}

// Stats returns the counters and state of the underlying Buffer, which
// include the losses reported during underruns, and the schedule's: its
// target delay, the estimated clock skew, what was inserted and removed.
func (r *RealtimeBuffer) Stats() Stats {
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.statsLocked()
	r.followStatsLocked(&s)
	return s
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
