package opusrt

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// Following the network. A RealtimeBuffer's schedule is an offset: the
// transit (arrival on our clock minus stamp) a frame may have and still be
// in time. It starts at the first frame's transit plus the playout delay,
// and from then on is held at
//
//	base transit + lead + target delay
//
// where the base transit is the fastest recent arrival's (transitTracker:
// it follows clock drift and route changes), the target delay is the
// configured playout delay (fixed) or the histogram's (WithAdaptivePlayout),
// and the lead is what a sender that sends ahead of real time keeps ahead.
//
// The schedule moves in whole frames, without decoding, at the moment an
// event is due: later by handing out a concealment slot that is not loss
// (inserted: the position stays, so the frame waited for plays next);
// earlier by skipping a frame (removed). It prefers the slots where the
// consumer hears least: it inserts at once where the next frame is missing
// anyway (an underrun or a gap) or is one the encoder marked inactive
// (opus.IsInactive), and removes at once a loss slot or an inactive frame.
// Elsewhere it waits, up to insertWait (frames are going late) or
// removeWait (the latency is only high), before it acts on speech.
//
// Early is not excess. Frames that a sender pushes ahead at the start of a
// stream — speech synthesis paced ahead of real time, sent at once or
// faster than real time until it is ahead — show transits below the first
// frame's by the lead. That lead is kept (the frames are held, not cut):
// when, in the first leadWindow of arrivals, they ran ahead of the first
// frame by leadMin or more (and by more than the playout delay), the
// difference is the sender's lead and stays in the offset. A smaller
// difference is a first frame that was merely slow, and the schedule comes
// down to the network's minimum as after a route change: after the base
// transit's window, one frame at a time. Later falls of the transit are the
// network's (or a fast clock's) and are followed, but for a fall of more
// than leadFallUs at once: no network gets seconds faster, so that is our
// clock stepping back or the sender jumping ahead, and it adds to the lead
// (the frames are held; the gap a jump leaves is skipped against it, not
// played). A sender that builds its
// lead later in the stream cannot be told from a network that got faster,
// and loses it (inactive frames first).
//
// A fixed delay keeps the seed's promise that every frame arriving in time
// plays: it moves later as soon as it is half a frame short of the delay
// above the base transit (inserting costs no frame), but earlier only when
// the excess passes half the delay and the slowest arrival of the window
// would still have been in time (so a first frame that was slow by less
// than half the delay stays in the schedule, and no frame is removed that
// a stationary network delivers in time). Drift and steps pass those
// bounds and are followed.
const (
	leadMinUs          = 100_000
	leadWindowUs       = 1_500_000 // within the base transit's first window, before it can fall
	leadFallUs         = 1_000_000 // a fall of the base transit by more at once is a lead, not the network's
	riseMinUs          = 10_000    // a step up must exceed the target delay and this
	adaptiveShrinkBand = 4         // adaptive shrinks when over by a frame and target/adaptiveShrinkBand
	insertWait         = 200 * time.Millisecond
	removeWait         = 2 * time.Second
	usPerSample        = 1_000_000 / 48_000.0
)

// WithAdaptivePlayout makes a RealtimeBuffer set its delay from what it
// measures (RealtimeFrom only): a high quantile (99 %) of the arrival
// delays above the fastest recent arrival, over a histogram that forgets
// (about 28 s of 20 ms frames), as libwebrtc NetEq's delay manager does (a
// burst of arrivals counts once: see delayHistogram), but no more than the
// largest of the last 12 s (longer, up to 96 s, when calm spells prove
// that short), so that a network that calmed down is followed down in
// seconds, not minutes; rounded up to whole
// frames (of 20 ms at most) and clamped to [min, max]. WithPlayoutDelay is
// then the starting delay. The buffer grows its delay by handing out a concealment
// slot (Stats.InsertedSamplesForDeceleration) and shrinks it by skipping a
// frame (Stats.RemovedSamplesForAcceleration), preferring loss slots and
// frames the encoder marked inactive, so speech is rarely cut. It grows as
// soon as it is short of the target, but shrinks only once the excess
// passes a frame and a quarter of the target, so a network that changes
// state does not cost a frame each way per change. Frames that
// a sender pushes ahead of real time before playout starts (speech
// synthesis paced ahead) are early, not excess: that lead is kept, and the
// delay is measured above it (see the RealtimeBuffer doc). A negative
// min is taken as 0; a max below min as min; max 0 means no maximum but
// the histogram's range, 2 s.
func WithAdaptivePlayout(min, max time.Duration) RealtimeOption {
	return realtimeOptionFunc(func(cfg *realtimeConfig) {
		cfg.adaptive = true
		cfg.minDelay = maxDuration(min, 0)
		cfg.maxDelay = max
		if cfg.maxDelay <= 0 {
			cfg.maxDelay = histBuckets * histBucketUs * time.Microsecond
		}
		cfg.maxDelay = maxDuration(cfg.maxDelay, cfg.minDelay)
	})
}

// WithoutFollowing keeps a RealtimeBuffer's schedule where its first frame
// set it, as the first version of this package did (RealtimeFrom only):
// no clock drift or delay step is followed, nothing inserted or removed. A
// sender whose clock runs slow then goes late for good, and a fast one
// grows the latency without bound; it is for tests and simulations of that
// schedule, not for live streams. WithAdaptivePlayout overrides it.
func WithoutFollowing() RealtimeOption {
	return realtimeOptionFunc(func(cfg *realtimeConfig) { cfg.frozen = true })
}

func maxDuration(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// follower is the RealtimeBuffer's state for following the network,
// guarded by the Buffer's lock.
type follower struct {
	delayUs      int64 // the playout delay: fixed, or adaptive's start
	adaptive     bool
	frozen       bool  // WithoutFollowing
	minUs, maxUs int64 // adaptive's clamp

	epoch   uint64 // buf.epoch of the timeline measured; another resets it
	transit transitTracker
	hist    *delayHistogram // adaptive only

	seen      bool  // an arrival of this timeline was observed
	leadDone  bool  // the lead is measured (leadWindowUs of arrivals passed)
	firstAtUs int64 // the first arrival's time
	firstUs   int64 // the first arrival's transit
	fastestUs int64 // the least transit in the lead's window
	leadUs    int64
	// The part of leadUs that sudden falls of the base transit added
	// (leadFallUs): held for frames, but spent on loss slots, which are
	// skipped against it (a sender that jumped ahead left a gap, and
	// playing the gap would add it to the latency for good).
	fallLeadUs int64

	pendingSince time.Time // when the schedule first wanted to move; zero: it does not

	// The last target computed from the histogram, for the histogram's
	// target and a frame duration: it is asked three times a frame and
	// changes seldom, and rounding it to whole frames divides.
	cached                          bool
	cacheHistUs                     int64
	cacheFrameUs                    int64
	cacheTargetUs, cacheUnclampedUs int64
}

func newFollower(cfg realtimeConfig) follower {
	f := follower{delayUs: cfg.playoutDelay.Microseconds(), adaptive: cfg.adaptive, frozen: cfg.frozen && !cfg.adaptive}
	if cfg.adaptive {
		f.minUs, f.maxUs = cfg.minDelay.Microseconds(), cfg.maxDelay.Microseconds()
		f.hist = new(delayHistogram)
	}
	return f
}

// restart forgets the measured timeline (a resync, Reset or stamp jump).
func (f *follower) restart(epoch uint64) {
	f.epoch = epoch
	f.transit.reset()
	if f.hist != nil {
		*f.hist = delayHistogram{}
	}
	f.seen, f.leadDone, f.leadUs, f.fallLeadUs = false, false, 0, 0
	f.pendingSince = time.Time{}
}

// targetUs returns the delay the schedule keeps above the base transit, and
// the histogram's own before the clamp (adaptive; else the same).
func (f *follower) targetUs(frameUs int64) (target, unclamped int64) {
	if !f.adaptive {
		return f.delayUs, f.delayUs
	}
	t, ok := f.hist.target()
	if !ok {
		return min(max(f.delayUs, f.minUs), f.maxUs), f.delayUs
	}
	if f.cached && f.cacheHistUs == t && f.cacheFrameUs == frameUs {
		return f.cacheTargetUs, f.cacheUnclampedUs
	}
	f.cached, f.cacheHistUs, f.cacheFrameUs = true, t, frameUs
	if frameUs > 0 {
		// Whole frames, rounded up, but of 20 ms at most: the schedule
		// moves in whole frames anyway, and a 120 ms packet's frame would
		// put 20 ms of jitter 120 ms above the base.
		g := min(frameUs, defaultFrameUs)
		t = max(1, (t+g-1)/g) * g
	}
	f.cacheTargetUs, f.cacheUnclampedUs = min(max(t, f.minUs), f.maxUs), t
	return f.cacheTargetUs, f.cacheUnclampedUs
}

// observeLocked takes the arrival of a frame starting at startUs, written
// at since after the Buffer's base (sinceLocked), whatever became of it.
func (r *RealtimeBuffer) observeLocked(since time.Duration, startUs int64) {
	b, f := r.buf, &r.follow
	if f.epoch != b.timelineLocked() {
		f.restart(b.timelineLocked())
	}
	if !r.sched.set || absDiff(startUs, r.sched.posUs) > b.resyncThresholdLocked() {
		return // a stamp jump: its timeline is measured once it is taken
	}
	arrivalUs := since.Microseconds()
	transit := arrivalUs - startUs
	if !f.seen {
		f.seen, f.firstAtUs, f.firstUs, f.fastestUs = true, arrivalUs, transit, transit
	}
	if !f.leadDone {
		if arrivalUs-f.firstAtUs <= leadWindowUs {
			f.fastestUs = min(f.fastestUs, transit)
		} else {
			f.leadDone = true
		}
	}
	target, _ := f.targetUs(b.frameDurationLocked())
	f.transit.riseUs = max(target, riseMinUs)
	before, known := f.transit.base()
	f.transit.observe(arrivalUs, startUs)
	base, _ := f.transit.base()
	if fall := before - base; known && fall > leadFallUs && fall <= transitMaxJumpUs {
		// No network gets faster by seconds at once: our clock stepped
		// back, or the sender jumped ahead. Its frames are early, not
		// excess: they are held as a lead, not cut.
		f.leadUs += fall
		f.fallLeadUs += fall
	}
	if f.hist != nil {
		f.hist.observe(arrivalUs, transit-base)
	}
}

// restartFollowLocked measures a new timeline (a forward stamp jump was
// taken) afresh, from the frame that starts it.
func (r *RealtimeBuffer) restartFollowLocked() {
	b := r.buf
	r.follow.restart(b.timelineLocked())
	if h := b.headLocked(); h.kind == EventFrame {
		if at, ok := b.arrivedLocked(h); ok {
			r.observeLocked(b.sinceLocked(at), h.startUs)
		}
	}
}

// offsetLocked returns the schedule's offset: the transit of a frame that
// arrives exactly when it is due.
func (r *RealtimeBuffer) offsetLocked() int64 {
	return r.buf.sinceLocked(r.sched.anchorTime).Microseconds() - r.sched.anchorPos
}

// shiftLocked moves the schedule later by us (earlier when negative).
func (r *RealtimeBuffer) shiftLocked(us int64) {
	r.sched.anchorTime = r.sched.anchorTime.Add(usDuration(us))
}

// adjustLocked moves the schedule toward where it should be, at now, when
// an event is due. It returns an inserted slot to hand out (the schedule
// moved one frame later), or ok false when the event due is to be made as
// usual — after a removal, if one was made (the schedule moved earlier).
func (r *RealtimeBuffer) adjustLocked(now time.Time) (ev Event, ok, moved bool) {
	b, f, s := r.buf, &r.follow, &r.sched
	if f.frozen || f.epoch != b.timelineLocked() || !f.seen || r.writeClosed {
		// Nothing measured on this timeline (the seed's schedule), or
		// nothing more will arrive: play out what is held as it stands.
		return Event{}, false, false
	}
	if !f.leadDone {
		if lead := f.firstUs - f.fastestUs; lead >= leadMinUs && lead > f.delayUs && lead > f.leadUs {
			// The base transit stands for the sender's frames, lead
			// included: from the fastest of them on, plus the lead, the
			// schedule is where the first frame set it.
			f.leadUs = lead
			f.transit.lower(f.fastestUs)
		}
	}
	base, ok := f.transit.base()
	if !ok {
		return Event{}, false, false
	}
	headFrame, headUs, held := b.frontLocked()
	frameUs := b.frameDurationLocked()
	if frameUs == 0 && held {
		frameUs = headUs
	}
	if frameUs == 0 {
		frameUs = defaultFrameUs
	}
	target, _ := f.targetUs(frameUs)
	offset := r.offsetLocked()
	lead := f.leadUs
	if f.fallLeadUs > 0 && b.headLocked().kind == EventLoss {
		lead -= f.fallLeadUs // a gap is not held for a lead: see fallLeadUs
	}
	diff := offset - (base + lead + target) // > 0: later than it should be
	if diff >= 0 && diff < frameUs {
		f.pendingSince = time.Time{}
		return Event{}, false, false // the common case: where it should be
	}
	if f.adaptive {
		// Adaptive playout grows at once when short of its target (a
		// deficit is late frames: the target is a quantile of the
		// delays), but shrinks only once the excess passes a frame and a
		// quarter of the target (NetEq too waits before it accelerates:
		// decision_logic.cc). The base transit and the target step by
		// tens of ms each time the network changes state (a bad spell's
		// minimum lies above a good one's): following each step down
		// removed a frame that the next step up inserted again.
		if diff > 0 && diff < frameUs+target/adaptiveShrinkBand {
			diff = 0
		}
	} else {
		// A fixed delay plays every frame that arrives in time: it moves
		// later when it is half a frame short, and earlier only when the
		// excess is more than half the delay and the slowest arrival of
		// the window would still have been in time.
		slack := offset - f.transit.windowMax()
		switch {
		case diff < 0 && diff > -frameUs/2:
			diff = 0 // a fixed delay need not be exact
		case diff > 0 && diff < max(frameUs, f.delayUs/2):
			diff = 0
		case diff > 0:
			diff = max(0, min(diff, slack))
		}
	}
	if diff >= 0 && diff < frameUs {
		f.pendingSince = time.Time{}
		return Event{}, false, false // within the bounds: nothing to do
	}
	h := b.headLocked()
	if h.kind == EventDiscontinuity {
		return Event{}, false, false
	}
	atPos := h.kind == EventFrame
	quiet := !atPos || opus.IsInactive(headFrame) // a missing frame or an inactive one

	switch {
	case diff < 0:
		// Too early: frames arrive after their slots. Insert a slot.
		if !quiet && diff > -2*frameUs && !r.waitedLocked(now, insertWait) {
			return Event{}, false, false
		}
		ev := Event{Kind: EventInserted, Start: usDuration(s.posUs), Duration: usDuration(frameUs)}
		r.shiftLocked(frameUs)
		b.countInsertedLocked(samples48k(frameUs), quiet)
		f.pendingSince = time.Time{}
		return ev, true, true
	case diff >= frameUs && h.kind == EventLoss:
		// Too late, and a loss slot comes first: skip as much of it as
		// the excess allows, in whole frames.
		pos := h.startUs
		_, nextStart := b.frontStartLocked()
		skip := min(nextStart-pos, diff) / frameUs * frameUs
		if skip > 0 {
			b.skipLocked(pos + skip)
			s.posUs = pos + skip
			r.shiftLocked(-skip)
			b.countRemovedLocked(samples48k(skip), true)
			spent := min(skip, f.fallLeadUs)
			f.fallLeadUs -= spent
			f.leadUs -= spent
			moved = true
		}
		f.pendingSince = time.Time{}
	case diff >= frameUs && atPos:
		// Too late: remove the frame due now, at once if inactive.
		if !quiet && !r.waitedLocked(now, removeWait) {
			return Event{}, false, false
		}
		endUs, durUs := b.removeFrontLocked()
		s.posUs, s.playing = endUs, true
		r.shiftLocked(-durUs)
		b.countRemovedLocked(samples48k(durUs), quiet)
		f.pendingSince = time.Time{}
		moved = true
	default:
		f.pendingSince = time.Time{}
	}
	return Event{}, false, moved
}

// waitedLocked reports whether the schedule has wanted to move for d; the
// first call starts the wait.
func (r *RealtimeBuffer) waitedLocked(now time.Time, d time.Duration) bool {
	f := &r.follow
	if f.pendingSince.IsZero() {
		f.pendingSince = now
	}
	return now.Sub(f.pendingSince) >= d
}

// samples48k returns us of audio in 48 kHz samples, rounded.
func samples48k(us int64) uint64 { return uint64(float64(us)/usPerSample + 0.5) }

// playedLocked accounts for a frame handed out: the target delay it was
// played with, for the webrtc-stats sums.
func (r *RealtimeBuffer) playedLocked() {
	b := r.buf
	target, unclamped := r.follow.targetUs(b.frameDurationLocked())
	b.countTargetLocked(usDuration(target), usDuration(unclamped))
}

// followStatsLocked fills in the Stats that belong to the schedule.
func (r *RealtimeBuffer) followStatsLocked(s *Stats) {
	f := &r.follow
	target, _ := f.targetUs(r.buf.frameDurationLocked())
	s.TargetDelay = time.Duration(target) * time.Microsecond
	if f.epoch == r.buf.timelineLocked() {
		s.SkewPPM = f.transit.skewPPM()
	}
}
