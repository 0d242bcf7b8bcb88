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
// of 20 ms frames), old delays weighing under 1 % after 6,600 (132 s). The quantile, 99 %, aims at a late frame in a hundred.
const (
	histBucketUs    = 5_000
	histBuckets     = 400 // 2 s of relative delay; more falls in the last bucket
	histIntervalUs  = 10_000
	histForget      = 0.9993
	histStartWeight = 2
	histQuantile    = 0.99
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
}

// observe takes one arrival's time and relative delay, both in µs.
func (h *delayHistogram) observe(arrivalUs, relUs int64) {
	relUs = max(relUs, 0)
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

// target returns the target delay in µs; ok is false before the first
// sample was folded in (the arrival after the first).
func (h *delayHistogram) target() (us int64, ok bool) {
	return int64(h.qi+1) * histBucketUs, h.valid // the bucket's upper edge covers it
}
