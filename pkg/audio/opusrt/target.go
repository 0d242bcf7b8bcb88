package opusrt

// delayHistogram sets adaptive playout's target delay the way libwebrtc
// NetEq's delay manager does, in whole frames: each arrival's relative
// delay — its transit above the base transit, the fastest recent
// arrival's — goes into a histogram that forgets old arrivals by a
// constant factor; the target is the delay that covers a high quantile of
// it. Late arrivals count too.
//
// Arrivals that come together (within histIntervalUs of the first of
// them) count once, with the largest delay among them: the burst that a
// path delivers after an outage or a spike is one event of the network,
// not a hundred, and counting each of its packets would set the delay for
// outages — seconds — instead of for the jitter. (NetEq folds in the
// largest delay of each half second, which on 20 ms frames counts one
// packet in 25 and lets a heavy tail make frames late far more often than
// its quantile says.)
//
// The forgetting starts fast (the first samples weigh as much as the whole
// past) and settles at histForget: a memory of about 1,400 samples (28 s
// of 20 ms frames), old delays weighing under 1 % after 6,600 (132 s). The
// quantile, 99 %, aims at a late frame in a hundred.
//
// That memory is right for a stationary network, whose rare long delays
// must be remembered to be covered, but it holds a high delay for two
// minutes after a jittery spell ends. So the target is also capped by the
// largest delay of a recent window of arrivals, 12 s at first: a network
// that calmed down for that long is followed down at once, while on a
// stationary one the largest delay of 600 arrivals lies above the 99 %
// quantile (but for 0.24 % of the time), and the cap does nothing. The
// window learns the network's rhythm (noteRecent): calm spells that end
// soon after it double it, up to 96 s. (On the evaluation's network that
// alternates minutes of calm and jitter, the cap took the latency from
// 228 to 180 ms and beat every fixed delay; on one rough for 2 s every
// 14.5 s, a window fixed at 12 s made 8 times the frames inserted and
// removed, the learning one as many as without the cap: bench/README.md.)
const (
	histBucketUs    = 5_000
	histBuckets     = 400 // 2 s of relative delay; more falls in the last bucket
	histIntervalUs  = 10_000
	histForget      = 0.9993
	histStartWeight = 2
	histQuantile    = 0.99
	capMinSeconds   = 12
	capMaxSeconds   = 96
)

type delayHistogram struct {
	// The probability of bucket i is q[i]·scale: forgetting multiplies
	// scale, not every bucket, so an update costs O(1) (the buckets are
	// renormalised when scale gets small, once in some 300,000 updates).
	q       [histBuckets]float64
	scale   float64
	updates int
	settled bool // the forgetting factor has reached histForget, where it stays

	// The quantile's bucket and the sum of q up to it, kept as samples
	// come so that finding the quantile is a step or two, not a scan.
	qi    int
	cumQ  float64
	valid bool

	intervalStartUs int64
	intervalMaxUs   int64
	intervalN       int

	// The largest relative delay of each of the last capMaxSeconds of
	// arrival time (a ring indexed by the second), and their maximum over
	// the window of capSeconds that caps the target (see noteRecent).
	recent      [capMaxSeconds]int64
	recentSec   int64 // the second of arrival time the newest entry holds
	recentSpan  int   // seconds the ring covers, up to capMaxSeconds
	recentMaxUs int64
	capSeconds  int   // the window; 0 before the first arrival
	capOn       bool  // the cap holds the target below the quantile
	capSinceUs  int64 // since when (arrival time)
}

// observe takes one arrival's time and relative delay, both in µs.
func (h *delayHistogram) observe(arrivalUs, relUs int64) {
	relUs = max(relUs, 0)
	h.noteRecent(arrivalUs, relUs)
	if h.intervalN > 0 && (arrivalUs-h.intervalStartUs >= histIntervalUs || arrivalUs < h.intervalStartUs) {
		h.update(h.intervalMaxUs)
		h.intervalN = 0
	}
	if h.intervalN == 0 {
		h.intervalStartUs, h.intervalMaxUs = arrivalUs, relUs
	}
	h.intervalMaxUs = max(h.intervalMaxUs, relUs)
	h.intervalN++
}

// update folds one sample's delay into the histogram (p ← f·p, then
// 1 − f added to its bucket) and moves the quantile to where it now is.
func (h *delayHistogram) update(delayUs int64) {
	f := histForget
	if !h.settled {
		// The factor rises with every update until it reaches histForget:
		// from then on the division need not be made.
		f = min(histForget, 1-float64(histStartWeight)/float64(h.updates+histStartWeight))
		h.settled = f == histForget
	}
	k := int(min(delayUs/histBucketUs, histBuckets-1))
	h.updates++
	if f == 0 {
		// The first sample: it is the whole histogram.
		h.q = [histBuckets]float64{}
		h.q[k], h.scale = 1, 1
		h.qi, h.cumQ, h.valid = k, 1, true
		return
	}
	h.scale *= f
	w := (1 - f) / h.scale
	h.q[k] += w
	if k <= h.qi {
		h.cumQ += w
	}
	if h.scale < 1e-200 {
		h.renormalise()
	}
	// The sum up to qi must reach the quantile, and the sum before it not.
	want := histQuantile / h.scale
	for h.cumQ < want && h.qi < histBuckets-1 {
		h.qi++
		h.cumQ += h.q[h.qi]
	}
	for h.qi > 0 && h.cumQ-h.q[h.qi] >= want {
		h.cumQ -= h.q[h.qi]
		h.qi--
	}
}

// renormalise folds scale into the buckets and recomputes the running sum
// exactly.
func (h *delayHistogram) renormalise() {
	h.cumQ = 0
	for i := range h.q {
		h.q[i] *= h.scale
		if i <= h.qi {
			h.cumQ += h.q[i]
		}
	}
	h.scale = 1
}

// noteRecent keeps the largest relative delay of each recent second of
// arrivals, and the cap they set. Arrival times that go back (a clock that
// stepped), and a gap of a whole window (an outage says nothing of calm),
// start it afresh.
//
// The window adapts to the network's rhythm. A rough spell that comes
// back (a delay nearer the quantile than the cap) when the cap held for
// less than capMinSeconds says the calm spells end about when the window
// does, too soon to be worth a drop and a climb: the window doubles, up to
// capMaxSeconds, so a network rough for 2 s every 14.5 s is not followed
// down each time (it was: 8 times the frames inserted and removed, more
// late). When the cap held longer, the window halves, down to
// capMinSeconds.
func (h *delayHistogram) noteRecent(arrivalUs, relUs int64) {
	if h.capSeconds == 0 {
		h.capSeconds = capMinSeconds
	}
	w := int64(h.capSeconds)
	sec := arrivalUs / 1_000_000
	if h.capOn {
		if q, c := h.quantileUs(), capOf(h.recentMaxUs); relUs > (q+c)/2 {
			// The rough spell is back. A cap that held under
			// capMinSeconds was not worth its drop and climb: wait
			// twice as long for the next; one that held longer was:
			// wait half as long. Either way a new window of calm must
			// pass first.
			if arrivalUs-h.capSinceUs < capMinSeconds*1_000_000 {
				h.capSeconds = min(2*h.capSeconds, capMaxSeconds)
			} else {
				h.capSeconds = max(h.capSeconds/2, capMinSeconds)
			}
			w = int64(h.capSeconds)
			h.capOn, h.recentSpan = false, 1
		}
	}
	if h.recentSpan == 0 || sec < h.recentSec || sec-h.recentSec >= w {
		h.recent = [capMaxSeconds]int64{}
		h.recentSec, h.recentSpan, h.recentMaxUs, h.capOn = sec, 1, 0, false
	}
	if sec > h.recentSec {
		// Seconds passed: clear the entries they reuse, and find the
		// maximum of the window (a few dozen entries, once a second).
		for s := h.recentSec + 1; s <= sec; s++ {
			h.recent[recentIndex(s)] = 0
		}
		h.recentSpan = int(min(int64(h.recentSpan)+sec-h.recentSec, capMaxSeconds))
		h.recentSec = sec
		h.recentMaxUs = 0
		for s := sec - w + 1; s <= sec; s++ {
			h.recentMaxUs = max(h.recentMaxUs, h.recent[recentIndex(s)])
		}
	}
	i := recentIndex(sec)
	h.recent[i] = max(h.recent[i], relUs)
	h.recentMaxUs = max(h.recentMaxUs, relUs)

	on := h.recentSpan >= h.capSeconds && capOf(h.recentMaxUs) < h.quantileUs()
	if on && !h.capOn {
		h.capSinceUs = arrivalUs
	}
	h.capOn = on
}

// capOf returns the cap a largest delay sets: the upper edge of its bucket.
func capOf(maxUs int64) int64 { return (maxUs/histBucketUs + 1) * histBucketUs }

// quantileUs returns the quantile's bucket's upper edge.
func (h *delayHistogram) quantileUs() int64 { return int64(h.qi+1) * histBucketUs }

// recentIndex returns the ring index of a second of arrival time, which
// is negative when our clock stepped back before the buffer's base.
func recentIndex(sec int64) int { return int((sec%capMaxSeconds + capMaxSeconds) % capMaxSeconds) }

// target returns the target delay in µs; ok is false before the first
// sample was folded in (the arrival after the first).
func (h *delayHistogram) target() (us int64, ok bool) {
	us = h.quantileUs() // the bucket's upper edge covers it
	if h.recentSpan >= h.capSeconds && h.capSeconds > 0 {
		us = min(us, capOf(h.recentMaxUs))
	}
	return us, h.valid
}
