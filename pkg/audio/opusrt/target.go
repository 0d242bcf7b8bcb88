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
// largest delay of the last recentSeconds of arrivals: a network that
// calmed down for that long is followed down at once, while on a
// stationary one the largest delay of 600 arrivals lies above the 99 %
// quantile (but for 0.24 % of the time), and the cap does nothing. (On
// the evaluation's network that alternates minutes of calm and jitter,
// it took the latency from 228 to 184 ms and beat every fixed delay;
// on one whose states last 5 s, calm spells of 12 s are rare and it
// costs 0.8 % more frames damaged at 24 ms less latency: bench/README.md.)
const (
	histBucketUs    = 5_000
	histBuckets     = 400 // 2 s of relative delay; more falls in the last bucket
	histIntervalUs  = 10_000
	histForget      = 0.9993
	histStartWeight = 2
	histQuantile    = 0.99
	recentSeconds   = 12
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

	// The largest relative delay of each of the last recentSeconds of
	// arrival time (a ring indexed by the second), and their maximum.
	recent      [recentSeconds]int64
	recentSec   int64 // the second of arrival time the newest entry holds
	recentSpan  int   // seconds the ring covers, up to recentSeconds
	recentMaxUs int64
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
// arrivals. Arrival times that go back (a clock that stepped), and a gap
// of a whole window (an outage says nothing of calm), start it afresh.
func (h *delayHistogram) noteRecent(arrivalUs, relUs int64) {
	sec := arrivalUs / 1_000_000
	if h.recentSpan == 0 || sec < h.recentSec || sec-h.recentSec >= recentSeconds {
		h.recent = [recentSeconds]int64{}
		h.recentSec, h.recentSpan, h.recentMaxUs = sec, 1, 0
	}
	if sec > h.recentSec {
		// Seconds passed: clear the entries they reuse, and find the
		// maximum of what is left (a dozen entries, once a second).
		for s := h.recentSec + 1; s <= sec; s++ {
			h.recent[recentIndex(s)] = 0
		}
		h.recentSpan = int(min(int64(h.recentSpan)+sec-h.recentSec, recentSeconds))
		h.recentSec = sec
		h.recentMaxUs = 0
		for _, d := range h.recent {
			h.recentMaxUs = max(h.recentMaxUs, d)
		}
	}
	i := recentIndex(sec)
	h.recent[i] = max(h.recent[i], relUs)
	h.recentMaxUs = max(h.recentMaxUs, relUs)
}

// recentIndex returns the ring index of a second of arrival time, which
// is negative when our clock stepped back before the buffer's base.
func recentIndex(sec int64) int { return int((sec%recentSeconds + recentSeconds) % recentSeconds) }

// target returns the target delay in µs; ok is false before the first
// sample was folded in (the arrival after the first).
func (h *delayHistogram) target() (us int64, ok bool) {
	us = int64(h.qi+1) * histBucketUs // the bucket's upper edge covers it
	if h.recentSpan == recentSeconds {
		us = min(us, (h.recentMaxUs/histBucketUs+1)*histBucketUs)
	}
	return us, h.valid
}
