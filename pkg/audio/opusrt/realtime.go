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
// not drift. A frame put straight into the Buffer is seen, and anchors, at
// the next Frame, TryFrame or NextDue.
//
// At each due time Frame returns the frame at the playout position (the end
// of all it has returned, frames and losses); else, if a later frame is
// held, the loss up to it; else, while input is open, a loss of one frame's
// duration (the last frame's, 20 ms before any), so that a player gets a
// steady cadence of losses to conceal during an underrun. A frame that
// arrives after its slot was played is late: Write returns
// ErrDisorderedPacket. Before anything is played (and after a resync), the
// schedule runs all the same: a frame whose slot has passed when it
// arrives is late too, so that frames stamped before the first cannot make
// their gaps come due at once.
//
// The schedule never runs ahead of the clock: the audio handed out before
// any event is at most the time since the first frame arrived (a loss is
// handed out whole, at its start). Neither an absurd stamp, nor an
// overflow, nor frames put straight into the Buffer make Frame return
// events without waiting.
//
// A stamp that jumps more than the resync threshold forward (a sender's
// clock jumped), or back (the sender restarted; what was held is dropped,
// PacketsResynced), starts a new timeline instead of being waited out or
// reported late: the frames held before it play on their schedule, the loss
// cadence goes on while nothing is held, and the jumped-to frame is due one
// playout delay after its arrival (or when the old timeline ends, if
// later; the last loss before it is cut to end there). Event reports the
// jump as an EventDiscontinuity, Frame passes over it; no loss is reported
// for the jump itself, and it counts in Stats.Resyncs.
//
// The schedule follows the sender: clock drift and delay steps are
// measured from arrivals (the fastest recent arrival's transit) and the
// schedule is held that far plus the playout delay above it, moved in whole
// frames by an inserted concealment slot (EventInserted) or a removed frame,
// preferring loss slots and frames the encoder marked inactive; frames a
// sender pushes ahead of real time in the first 1.5 s of a stream (speech
// synthesis paced ahead) are held, not cut: early is not excess.
// WithAdaptivePlayout sets the delay from the measured jitter instead;
// WithoutFollowing keeps the schedule where the first frame set it. See
// Stats.InsertedSamplesForDeceleration and the fields after it.
//
// RealtimeBuffer starts no goroutine. Write, Frame, Event, TryFrame,
// TryEvent, CloseWrite, Close and Reset may be called from different
// goroutines; concurrent Frame and Event calls take turns, and TryFrame
// never waits for them.
type RealtimeBuffer struct {
	buf   *Buffer
	delay time.Duration

	reading sync.Mutex    // serialises the waiting calls (Frame, Event): one waits at a time
	timer   Timer         // created on the first wait
	wake    chan struct{} // a token wakes the waiting call to look again

	// The RealtimeBuffer's own state, guarded by buf.mu (see headLocked).
	sched       schedule
	writeClosed bool
	closed      bool
	notify      func() // set by a Player: the schedule may have changed
	follow      follower
}

// schedule maps the stream's timeline to due times on the clock.
type schedule struct {
	set        bool
	timeline   uint64    // the Buffer's timeline it was set for
	anchorTime time.Time // when anchorPos is due
	anchorPos  int64     // µs on the timeline
	observed   time.Time // when it was set: nothing is due before
	playing    bool      // an event was handed out since it was set
	posUs      int64     // the playout position: the end of what was handed out
}

// RealtimeFrom returns a RealtimeBuffer that paces the reading of buf.
// Options: WithPlayoutDelay, WithAdaptivePlayout, WithoutFollowing,
// WithResyncThreshold (default: buf's), WithClock
// (default: buf's clock; a clock given here becomes buf's too, so arrivals
// and playout share one clock). buf should not be read directly afterwards.
func RealtimeFrom(buf *Buffer, opts ...RealtimeOption) *RealtimeBuffer {
	cfg := newRealtimeConfig(opts)
	buf.mu.Lock()
	defer buf.mu.Unlock()
	buf.configureLocked(cfg.clock, cfg.resyncThreshold)
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
// Buffer.Write does; after CloseWrite or Close it returns ErrDone. Before
// anything was played on the current timeline, a frame whose slot on the
// schedule has already passed is late as well.
func (r *RealtimeBuffer) Write(stamped []byte) (int, error) {
	frame, stamp, parseErr := parseStamped(stamped)
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.closed || r.writeClosed {
		return 0, errorf(ErrDone, "write after close")
	}
	if parseErr != nil {
		b.countInvalidLocked()
		return 0, parseErr
	}
	now := b.nowLocked()
	before := r.planLocked(now)
	floor := int64(noFloor)
	if r.sched.set && !r.sched.playing && r.sched.timeline == b.timelineLocked() {
		floor = r.positionAtLocked(now)
	}
	since := b.sinceLocked(now)
	if err := b.appendLocked(frame, stamp, true, since, floor); err != nil {
		if errors.Is(err, ErrDisorderedPacket) && r.sched.set {
			r.observeLocked(since, int64(stamp)*usPerMilli) // a late frame says most about the network
		}
		return 0, err
	}
	after := r.planLocked(now)
	r.observeLocked(since, int64(stamp)*usPerMilli)
	if before.act == actWaitInput || (after.act != actWaitInput && after.due.Before(before.due)) {
		// A new schedule, or a frame due earlier than the one waited for
		// (sent first, arrived second): a waiting Frame must look again.
		r.signal()
	}
	return len(stamped), nil
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

// setNotify sets the function a Player is told by of changes to the
// schedule (nil: none).
func (r *RealtimeBuffer) setNotify(f func()) {
	r.buf.mu.Lock()
	defer r.buf.mu.Unlock()
	r.notify = f
}

// Frame waits until the next event is due and returns it: a frame with loss
// 0, or (nil, loss, nil) for audio to conceal (a loss or an inserted slot).
// A discontinuity is passed over: the frame after it comes in the same
// call. It returns io.EOF after Close, and after CloseWrite once every held
// frame was played.
func (r *RealtimeBuffer) Frame() (Frame, time.Duration, error) {
	for {
		ev, err := r.Event()
		if err != nil {
			return nil, 0, err
		}
		if ev.Kind != EventDiscontinuity {
			f, loss := ev.frameResult()
			return f, loss, nil
		}
	}
}

// Event waits until the next event is due and returns it (see Event and
// EventKind): a frame, a loss (with the frame that can recover it by FEC,
// if held), an inserted slot, or a discontinuity, which the frame after it
// follows at once. It returns io.EOF after Close, and after CloseWrite once
// every held frame was played.
func (r *RealtimeBuffer) Event() (Event, error) {
	r.reading.Lock()
	defer r.reading.Unlock()
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		ev, wait, err := r.nextLocked(b.nowLocked())
		if err != ErrNotDue {
			return ev, err
		}
		r.waitLocked(wait)
	}
}

// TryFrame is Frame without the wait: it returns the event due now, or
// ErrNotDue when none is; NextDue then tells when to call again. It lets a
// few goroutines play many buffers (see Player) instead of one goroutine
// blocking in Frame per buffer. It never waits for a blocked Frame call:
// if both are made, the one that comes first when an event is due gets it.
func (r *RealtimeBuffer) TryFrame() (Frame, time.Duration, error) {
	for {
		ev, err := r.TryEvent()
		if err != nil {
			return nil, 0, err
		}
		if ev.Kind != EventDiscontinuity {
			f, loss := ev.frameResult()
			return f, loss, nil
		}
	}
}

// TryEvent is Event without the wait: it returns the event due now, or
// ErrNotDue when none is.
func (r *RealtimeBuffer) TryEvent() (Event, error) {
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	ev, _, err := r.nextLocked(b.nowLocked())
	return ev, err
}

// poll is TryEvent at the clock reading now, for a Player: it also returns
// when the event after this one is due (ok false: when input arrives), so
// that the Player need not ask again.
func (r *RealtimeBuffer) poll(now time.Time) (ev Event, err error, next time.Time, ok bool) {
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	ev, wait, err := r.nextLocked(now)
	switch {
	case err == ErrNotDue:
		if wait < 0 {
			return ev, err, time.Time{}, false
		}
		return ev, err, now.Add(wait), true
	case err != nil:
		return ev, err, time.Time{}, false
	}
	switch p := r.planLocked(now); p.act {
	case actWaitInput:
		return ev, nil, time.Time{}, false
	case actEOF:
		return ev, nil, now, true // io.EOF comes at once
	default:
		return ev, nil, p.due, true
	}
}

// What the RealtimeBuffer does next (planLocked).
type action uint8

const (
	actWaitInput action = iota // nothing until a Write, CloseWrite, Reset or Close
	actEOF                     // io.EOF, now
	actTake                    // the Buffer's next event: a frame or a loss
	actUnderrun                // nothing held for the playout position: a loss of one step
	actJump                    // the Buffer's discontinuity: the schedule moves onto the new timeline
)

// plan is the next action and when it is due.
type plan struct {
	act    action
	due    time.Time
	lossUs int64 // for actUnderrun: the loss, when not one step
}

// planLocked decides what comes next and when: the one place where the
// schedule meets what the Buffer holds. It depends only on the schedule
// and the Buffer, so that NextDue, Frame and a Player agree; it may set
// the schedule when it finds a frame on a timeline that has none (the
// first frame, or one put straight into the Buffer, is seen at now).
func (r *RealtimeBuffer) planLocked(now time.Time) plan {
	b := r.buf
	if r.closed {
		return plan{act: actEOF}
	}
	h := b.headLocked()
	s := &r.sched
	if s.set && s.timeline != b.timelineLocked() && (h.kind != EventDiscontinuity || !s.playing) {
		// The Buffer was Reset, or resynced before anything was played:
		// start afresh.
		*s = schedule{}
	}
	if !s.set {
		if h.kind == 0 {
			if r.writeClosed {
				return plan{act: actEOF}
			}
			return plan{act: actWaitInput}
		}
		r.anchorLocked(now.Add(r.delay), h.startUs)
		s.observed = now
	}
	if !s.playing && h.kind != 0 && h.startUs < s.anchorPos && r.dueLocked(h.startUs).Before(s.observed) {
		// A frame put straight into the Buffer, before the schedule's
		// first: it is due when it was seen, not in the past, so that the
		// timeline never runs ahead of the clock.
		r.anchorLocked(s.observed, h.startUs)
	}
	switch h.kind {
	case 0:
		if r.writeClosed {
			return plan{act: actEOF}
		}
		if !s.playing {
			return plan{act: actWaitInput} // the held frames were dropped: wait for more
		}
		return plan{act: actUnderrun, due: r.dueLocked(s.posUs), lossUs: r.stepLocked()}
	case EventDiscontinuity:
		if !s.playing {
			// Nothing played yet: the new timeline simply starts.
			return plan{act: actJump, due: r.dueLocked(h.startUs)}
		}
		// Due one playout delay after the jumped-to frame arrived, or when
		// the old timeline ends if that is later. Until then the old
		// timeline plays out: a steady cadence of underrun losses while
		// nothing is held, the last one stretched or cut to end where the
		// new timeline begins, and a rest within StampTolerance taken as
		// contiguous.
		cadence := r.dueLocked(s.posUs)
		arrived, timed := b.arrivedLocked(h)
		if !timed {
			return plan{act: actJump, due: cadence}
		}
		due := arrived.Add(r.delay)
		rest := due.Sub(cadence)
		if rest <= StampTolerance {
			return plan{act: actJump, due: cadence}
		}
		lossUs := r.stepLocked()
		if rest <= usDuration(lossUs)+StampTolerance {
			lossUs = ceilUs(rest)
		}
		return plan{act: actUnderrun, due: cadence, lossUs: lossUs}
	default:
		return plan{act: actTake, due: r.dueLocked(h.startUs)}
	}
}

// ceilUs returns d in whole microseconds, rounded up.
func ceilUs(d time.Duration) int64 { return int64((d + time.Microsecond - 1) / time.Microsecond) }

// stepLocked returns the duration of an underrun loss: the last frame's,
// 20 ms before any.
func (r *RealtimeBuffer) stepLocked() int64 {
	if d := r.buf.frameDurationLocked(); d > 0 {
		return d
	}
	return defaultFrameUs
}

// nextLocked returns the event due at now; or ErrNotDue and how long to
// wait for the next (−1: until a Write, CloseWrite, Reset or Close).
func (r *RealtimeBuffer) nextLocked(now time.Time) (Event, time.Duration, error) {
	p := r.planLocked(now)
	switch p.act {
	case actEOF:
		return Event{}, 0, io.EOF
	case actWaitInput:
		return Event{}, -1, ErrNotDue
	}
	if now.Before(p.due) {
		return Event{}, p.due.Sub(now), ErrNotDue
	}
	b := r.buf
	s := &r.sched
	if p.act == actTake || p.act == actUnderrun {
		// Following the network: the schedule may move a frame first.
		ev, ok, moved := r.adjustLocked(now)
		if ok {
			return ev, 0, nil
		}
		if moved {
			return r.nextLocked(now) // a removal changed what comes next
		}
	}
	switch p.act {
	case actUnderrun:
		step := p.lossUs
		ev := Event{Kind: EventLoss, Start: usDuration(s.posUs), Duration: usDuration(step)}
		_, onTimeline := b.positionLocked()
		b.underrunLocked(step, s.posUs+step, onTimeline)
		s.posUs += step
		return ev, 0, nil
	case actJump:
		ev := b.eventLocked(b.takeLocked(b.sinceLocked(now)))
		if ev.Kind == EventDiscontinuity {
			if s.playing {
				ev.Jump = ev.Start - usDuration(s.posUs)
			}
			r.anchorLocked(p.due, int64(ev.Start/time.Microsecond))
			s.observed = p.due
			r.restartFollowLocked()
		}
		r.tookLocked(ev)
		return ev, 0, nil
	default:
		ev := b.eventLocked(b.takeLocked(b.sinceLocked(now)))
		r.tookLocked(ev)
		if ev.Kind == EventFrame {
			r.playedLocked()
		}
		return ev, 0, nil
	}
}

// anchorLocked sets the schedule: timeline position posUs is due at due.
func (r *RealtimeBuffer) anchorLocked(due time.Time, posUs int64) {
	s := &r.sched
	s.set = true
	s.timeline = r.buf.timelineLocked()
	s.anchorTime = due
	s.anchorPos = posUs
	s.playing = false
	s.posUs = posUs
}

// tookLocked moves the playout position past an event taken from the
// Buffer.
func (r *RealtimeBuffer) tookLocked(ev Event) {
	s := &r.sched
	if ev.Kind == EventDiscontinuity {
		return
	}
	s.playing = true
	s.posUs = int64(ev.End() / time.Microsecond)
}

// positionAtLocked returns the timeline position whose slot is due at t.
func (r *RealtimeBuffer) positionAtLocked(t time.Time) int64 {
	s := &r.sched
	return s.anchorPos + t.Sub(s.anchorTime).Microseconds()
}

// dueLocked returns when timeline position posUs is due: the one place
// that maps the timeline to the clock.
func (r *RealtimeBuffer) dueLocked(posUs int64) time.Time {
	s := &r.sched
	return s.anchorTime.Add(usDuration(posUs - s.anchorPos))
}

// waitLocked releases the lock and waits until d has passed on the clock
// (forever if d < 0), a Write, CloseWrite or Reset signals, or Close.
func (r *RealtimeBuffer) waitLocked(d time.Duration) {
	clock := r.buf.clockLocked()
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
// would wait for the first frame) or the buffer is closed. A frame put
// straight into the Buffer is seen (and anchors the schedule) at this call
// as at Frame. A simulation on a manual clock uses it to interleave
// arrivals with playout.
func (r *RealtimeBuffer) NextDue() (due time.Time, ok bool) {
	b := r.buf
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.nowLocked()
	switch p := r.planLocked(now); p.act {
	case actWaitInput:
		return time.Time{}, false
	case actEOF:
		if r.closed {
			return time.Time{}, false
		}
		return now, true
	default:
		return p.due, true
	}
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
	r.sched = schedule{}
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
