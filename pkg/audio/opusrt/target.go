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
	p       [histBuckets]float64 // probability of each bucket; sums to 1 after the first update
	updates int

	intervalStartUs int64
	intervalMaxUs   int64
	intervalN       int

	targetUs int64 // the quantile's delay; valid once updates > 0
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

// update folds one sample's delay into the histogram and
// recomputes the target.
func (h *delayHistogram) update(delayUs int64) {
	f := min(histForget, 1-float64(histStartWeight)/float64(h.updates+histStartWeight))
	for i := range h.p {
		h.p[i] *= f
	}
	h.p[min(delayUs/histBucketUs, histBuckets-1)] += 1 - f
	h.updates++

	sum := 0.0
	for i, p := range h.p {
		sum += p
		if sum >= histQuantile {
			h.targetUs = int64(i+1) * histBucketUs // the bucket's upper edge covers it
			return
		}
	}
	h.targetUs = histBuckets * histBucketUs
}

// target returns the target delay in µs; ok is false before the first
// sample was folded in (the arrival after the first).
func (h *delayHistogram) target() (us int64, ok bool) { return h.targetUs, h.updates > 0 }
