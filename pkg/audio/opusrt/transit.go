package opusrt

import (
	"math"
	"slices"
)

// The transit of a frame is its arrival time on our clock minus its stamp:
// the network's delay plus the (unknown, constant) offset between the
// sender's clock and ours, plus the drift between them. Its minimum over a
// recent window is the base transit, what the fastest arrival took; a
// schedule set that far above it follows the sender whatever its clock does.
//
// The minimum, not the mean, because one slow packet must not move it:
// GStreamer's rtpjitterbuffer (its skew estimate, "slave" mode) and libwebrtc
// NetEq's packet arrival history both measure delay from the fastest recent
// arrival. The window is kept as a fixed ring of buckets of arrival time,
// each holding the minimum transit of the frames that arrived in it, so
// memory does not grow with the stream.
//
// The base moves three ways:
//
//   - up at once when riseRun consecutive arrivals, spanning riseSpanUs or
//     more, all took more than riseUs above it and more than the slowest
//     arrival of the window before them, arrivals closer than riseGapUs
//     counting as one (the frames a slow one held up on a FIFO path come
//     out with it at once: one event of the network, and two spikes in a
//     row are not a step) (a route change: frames are late
//     until the schedule follows, so waiting out the window would lose
//     them; but a stationary network, however jittery, does not put a run
//     of arrivals above everything it delivered in the last window);
//   - up slowly when every bucket of the window lies above it (a sender
//     whose clock runs slow: its transit rises steadily);
//   - down when every bucket of a full window lies below it (a sender
//     whose clock runs fast, a shorter route, or a first frame that was
//     slow): only after a window, so that the extra latency goes, but one
//     lucky burst does not make the schedule cut audio.
//
// Between the window's lowest and highest bucket minimum the base stays
// put, so a stationary network moves it seldom: every move of the schedule
// costs a removed or inserted frame.
//
// The skew between the sender's stamp clock and ours is the slope of the
// window minima over a longer history, estimated robustly (the median of
// the slopes between minima a quarter of the history apart) so that a step
// is not taken for drift.
const (
	transitBucketUs  = 250_000 // arrival time one bucket covers
	transitBuckets   = 8       // buckets in the window: 2 s, NetEq's history
	transitRiseRun   = 3       // consecutive slow arrivals that prove a step up
	transitRiseSpan  = 40_000  // µs of arrival time they must span
	transitRiseGapUs = 10_000  // µs apart they must be to count apart
	skewPoints       = 32      // window minima kept for the skew: 64 s
	skewMinPoints    = 8       // points before a skew is reported: 16 s (8 s of jittery arrivals gave ±20 ppm on a steady clock)
	transitMaxJumpUs = 3600 * 1_000_000
)

// transitBucket is the minimum transit of the frames that arrived in one
// span of arrival time.
type transitBucket struct {
	startUs int64 // arrival time the span begins
	minUs   int64
	maxUs   int64
	n       int // frames seen; 0: an empty span
}

// skewPoint is one window's minimum transit and when the window closed.
type skewPoint struct{ atUs, minUs int64 }

// transitTracker estimates the base transit and the clock skew from
// arrivals (see the constants above). The zero value is empty and ready;
// riseUs 0 means a step up must exceed 0 µs, so owners set it.
type transitTracker struct {
	riseUs int64 // how far above the base an arrival must be to count toward a step up

	valid   bool
	baseUs  int64
	buckets [transitBuckets]transitBucket
	cur     int // the bucket arrivals go into now
	used    int // buckets in the ring holding a span (full window: transitBuckets)
	closed  int // buckets closed since the last skew point

	closedMaxUs int64 // the slowest transit of the window's buckets but the current one

	riseN       int
	riseMinUs   int64
	riseAboveUs int64 // what each arrival of the run must exceed
	riseStartUs int64 // arrival time of the run's first
	riseLastUs  int64 // arrival time of the run's last counted

	points    [skewPoints]skewPoint
	pointHead int // index of the oldest point
	pointN    int
	slopes    [skewPoints]float64 // scratch for skewPPM
}

// reset forgets everything but riseUs: the next arrival starts afresh.
func (t *transitTracker) reset() { *t = transitTracker{riseUs: t.riseUs} }

// base returns the base transit in µs; ok is false before any arrival.
func (t *transitTracker) base() (us int64, ok bool) { return t.baseUs, t.valid }

// lower moves the base down to us, if it lies above.
func (t *transitTracker) lower(us int64) {
	if t.valid {
		t.baseUs = min(t.baseUs, us)
	}
}

// observe takes one arrival: its time on our clock and its stamp, in µs on
// their own clocks.
func (t *transitTracker) observe(arrivalUs, stampUs int64) {
	transit := arrivalUs - stampUs
	if !t.valid || absDiff(transit, t.baseUs) > transitMaxJumpUs {
		// The first frame, or a timeline that has nothing to do with the
		// last one (a resync its owner did not report).
		t.reset()
		t.valid, t.baseUs = true, transit
		t.closedMaxUs = math.MinInt64
		t.buckets[0] = transitBucket{startUs: arrivalUs, minUs: transit, maxUs: transit, n: 1}
		t.used = 1
		t.riseMinUs = math.MaxInt64
		return
	}
	t.advance(arrivalUs)
	if t.riseN == 0 && transit > t.baseUs+t.riseUs {
		t.riseAboveUs = max(t.baseUs+t.riseUs, t.windowMax())
	}
	if transit > t.baseUs+t.riseUs && transit > t.riseAboveUs {
		if t.riseN == 0 {
			t.riseStartUs = arrivalUs
		}
		if t.riseN == 0 || arrivalUs-t.riseLastUs >= transitRiseGapUs {
			t.riseN++ // a burst released at once counts as one arrival
			t.riseLastUs = arrivalUs
		}
		t.riseMinUs = min(t.riseMinUs, transit)
		if t.riseN >= transitRiseRun && arrivalUs-t.riseStartUs >= transitRiseSpan {
			t.baseUs = t.riseMinUs
			t.riseN, t.riseMinUs = 0, math.MaxInt64
		}
	} else {
		t.riseN, t.riseMinUs = 0, math.MaxInt64
	}
	b := &t.buckets[t.cur]
	if b.n == 0 {
		b.minUs, b.maxUs = transit, transit
	}
	b.minUs, b.maxUs = min(b.minUs, transit), max(b.maxUs, transit)
	b.n++
}

// windowMax returns the slowest transit of the window.
func (t *transitTracker) windowMax() int64 {
	if b := &t.buckets[t.cur]; b.n > 0 {
		return max(t.closedMaxUs, b.maxUs)
	}
	return t.closedMaxUs
}

// advance closes the buckets whose spans ended before arrivalUs and opens
// the one it falls in. Arrival times that go back (a clock that stepped)
// stay in the current bucket.
func (t *transitTracker) advance(arrivalUs int64) {
	cur := &t.buckets[t.cur]
	if arrivalUs < cur.startUs+transitBucketUs {
		return
	}
	spans := (arrivalUs - cur.startUs) / transitBucketUs
	start := cur.startUs + spans*transitBucketUs
	t.closeBucket()
	if spans >= transitBuckets {
		// Nothing arrived for a whole window (an outage): the old minima
		// say nothing about what follows, but the base stands until the
		// new arrivals move it.
		t.buckets = [transitBuckets]transitBucket{}
		t.cur, t.used, t.closed = 0, 1, 0
		t.buckets[0] = transitBucket{startUs: start}
		t.closedMaxUs = math.MinInt64
		return
	}
	for range spans {
		t.cur = (t.cur + 1) % transitBuckets
		t.buckets[t.cur] = transitBucket{startUs: start}
		t.used = min(t.used+1, transitBuckets)
	}
	t.closedMaxUs = math.MinInt64
	for i := range t.used {
		if b := &t.buckets[i]; b.n > 0 && i != t.cur {
			t.closedMaxUs = max(t.closedMaxUs, b.maxUs)
		}
	}
}

// closeBucket applies the slow rules when a bucket's span ends.
func (t *transitTracker) closeBucket() {
	lo, hi, n := int64(math.MaxInt64), int64(math.MinInt64), 0
	for i := range t.used {
		b := &t.buckets[i]
		if b.n == 0 {
			continue
		}
		lo, hi, n = min(lo, b.minUs), max(hi, b.minUs), n+1
	}
	if n == 0 {
		return
	}
	if lo > t.baseUs {
		t.baseUs = lo // every bucket above: the transit rose
	}
	if t.used == transitBuckets && hi < t.baseUs {
		t.baseUs = hi // every bucket of a full window below: it fell
	}
	if t.closed++; t.closed >= transitBuckets && n == transitBuckets {
		t.closed = 0
		t.addPoint(t.buckets[t.cur].startUs+transitBucketUs, lo)
	}
}

func (t *transitTracker) addPoint(atUs, minUs int64) {
	i := (t.pointHead + t.pointN) % skewPoints
	if t.pointN == skewPoints {
		t.pointHead = (t.pointHead + 1) % skewPoints
	} else {
		t.pointN++
	}
	t.points[i] = skewPoint{atUs, minUs}
}

// skewPPM returns how fast the sender's stamp clock runs against ours, in
// parts per million: positive when it runs fast (its frames come ever
// sooner), negative when slow; 0 until a few windows were seen. It is
// computed when asked (Stats), not per frame.
func (t *transitTracker) skewPPM() float64 {
	if t.pointN < skewMinPoints {
		return 0
	}
	// The slopes between points a quarter of the history apart: a step
	// lies between only a quarter of those pairs, so their median is the
	// drift's, and pairs far apart see little of the minima's noise.
	lag := max(1, t.pointN/4)
	s := t.slopes[:0]
	for i := 0; i+lag < t.pointN; i++ {
		p := t.points[(t.pointHead+i)%skewPoints]
		q := t.points[(t.pointHead+i+lag)%skewPoints]
		if dt := q.atUs - p.atUs; dt > 0 {
			s = append(s, float64(q.minUs-p.minUs)/float64(dt))
		}
	}
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	// A transit that rises by x µs per µs means the stamps advance 1 − x
	// per µs of ours: a slow sender.
	return -median * 1e6
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}
