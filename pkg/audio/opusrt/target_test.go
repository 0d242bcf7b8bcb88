package opusrt

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestDelayHistogramQuantile(t *testing.T) {
	tests := []struct {
		name   string
		draw   func(r *rand.Rand) int64 // µs
		lo, hi int64                    // where the target must land, µs
	}{
		// Uniform over [0, 50 ms): the 99 % point is 49.5 ms, the bucket's
		// upper edge 50 ms.
		{"uniform 50ms", func(r *rand.Rand) int64 { return r.Int64N(50_000) }, 45_000, 55_000},
		// All zero: the first bucket, 5 ms.
		{"constant", func(*rand.Rand) int64 { return 0 }, histBucketUs, histBucketUs},
		// One in ten 300 ms late: the 99 % point is among the late ones.
		{"10% at 300ms", func(r *rand.Rand) int64 {
			if r.IntN(10) == 0 {
				return 300_000
			}
			return 10_000
		}, 300_000, 305_000},
		// One in 500 at 2 s: below the quantile, ignored.
		{"0.2% outliers", func(r *rand.Rand) int64 {
			if r.IntN(500) == 0 {
				return 2_000_000
			}
			return r.Int64N(20_000)
		}, 15_000, 25_000},
		// Beyond the range: the last bucket's edge, not more.
		{"beyond 2 s", func(*rand.Rand) int64 { return 10_000_000 }, histBuckets * histBucketUs, histBuckets * histBucketUs},
		// Negative (an arrival faster than the base): taken as 0.
		{"negative", func(*rand.Rand) int64 { return -40_000 }, histBucketUs, histBucketUs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h delayHistogram
			if _, ok := h.target(); ok {
				t.Fatal("a target before any arrival")
			}
			r := rand.New(rand.NewPCG(1, 2))
			for i := range int64(20_000) {
				h.observe(i*20_000, tc.draw(r)) // 20 ms apart: each its own sample
			}
			got, ok := h.target()
			if !ok || got < tc.lo || got > tc.hi {
				t.Errorf("target %d µs (ok %v), want within [%d, %d]", got, ok, tc.lo, tc.hi)
			}
		})
	}
}

func TestDelayHistogramForgets(t *testing.T) {
	// 60 s of 200 ms delays, then calm: the target comes down once the old
	// delays weigh less than 1 % (0.9993ⁿ < 0.01: 6,600 samples, 132 s of
	// 20 ms frames), and it starts fast.
	var h delayHistogram
	at := int64(0)
	feed := func(n int, rel int64) {
		for range n {
			h.observe(at, rel)
			at += 20_000
		}
	}
	feed(2, 200_000)
	if got, _ := h.target(); got != 200_000+histBucketUs {
		t.Errorf("target %d µs after the first samples, want 205000", got)
	}
	feed(3000, 200_000)
	feed(6700, 10_000)
	if got, _ := h.target(); got != 15_000 {
		t.Errorf("target %d µs 134 s after the delays fell, want 15000", got)
	}
	// Right after the fall it still covers the old delays.
	feed(3000, 200_000)
	feed(100, 10_000)
	if got, _ := h.target(); got != 205_000 {
		t.Errorf("target %d µs 2 s after the delays fell, want 205000", got)
	}
}

func TestDelayHistogramFollowsCalmWithinTheWindow(t *testing.T) {
	// 60 s of 200 ms delays, then calm: the quantile would hold 205 ms for
	// two minutes, but once the last 12 s of arrivals needed 10 ms, so
	// does the target.
	var h delayHistogram
	at := int64(0)
	feed := func(d time.Duration, rel int64) {
		for end := at + d.Microseconds(); at < end; at += 20_000 {
			h.observe(at, rel)
		}
	}
	feed(60*time.Second, 200_000)
	feed(11*time.Second, 10_000)
	if got, _ := h.target(); got != 205_000 {
		t.Errorf("target %d µs 11 s into the calm, want 205000 (the window still holds a 200 ms delay)", got)
	}
	feed(1100*time.Millisecond, 10_000)
	if got, _ := h.target(); got != 15_000 {
		t.Errorf("target %d µs 12.1 s into the calm, want 15000", got)
	}
	// A long delay again, 0.1 s after the cap took hold: the rough spell
	// is back, the quantile stands at once, and the window doubles (a calm
	// of 12 s was not worth following down).
	feed(20*time.Millisecond, 150_000)
	if got, _ := h.target(); got != 205_000 || h.capSeconds != 2*capMinSeconds {
		t.Errorf("target %d µs after a 150 ms arrival, window %d s; want 205000, %d s", got, h.capSeconds, 2*capMinSeconds)
	}
	// An outage of a whole window says nothing of calm: after it the
	// window starts again, and until it is full the quantile stands.
	at += (100 * time.Second).Microseconds()
	feed(2*time.Second, 10_000)
	if got, want := h.target(); got != int64(h.qi+1)*histBucketUs || !want {
		t.Errorf("target %d µs right after an outage, want the quantile's %d", got, int64(h.qi+1)*histBucketUs)
	}
	// Our clock stepping back, before the buffer's base: no panic, and a
	// window that starts again.
	h.observe(-5_000_000, 10_000)
	h.observe(-4_000_000, 10_000)
	if h.recentSpan > 2 {
		t.Errorf("window of %d s after the clock stepped back, want it started again", h.recentSpan)
	}
}

func TestDelayHistogramWindowLearnsTheRhythm(t *testing.T) {
	// Calm spells that end soon after the window (12.5 s of calm, 2 s of
	// 200 ms delays, again and again): the target may drop once, then the
	// window doubles and it drops no more. Calm spells of a minute: it
	// drops in each, and the window stays at its least.
	for _, c := range []struct {
		name        string
		calm, rough time.Duration
		wantDrops   func(drops, cycles int) bool
		wantWindow  int
	}{
		{"calm 12.5 s", 12500 * time.Millisecond, 2 * time.Second, func(d, _ int) bool { return d <= 1 }, 2 * capMinSeconds},
		{"calm 60 s", 60 * time.Second, 60 * time.Second, func(d, n int) bool { return d == n }, capMinSeconds},
	} {
		var h delayHistogram
		at := int64(0)
		dropped := false
		drops := 0
		feed := func(d time.Duration, rel int64) {
			for end := at + d.Microseconds(); at < end; at += 20_000 {
				h.observe(at, rel)
				if got, _ := h.target(); got < 100_000 && h.quantileUs() > 100_000 {
					if !dropped {
						drops++
					}
					dropped = true
				}
			}
			dropped = false
		}
		feed(60*time.Second, 200_000) // a rough start the quantile remembers
		const cycles = 8
		for range cycles {
			feed(c.calm, 10_000)
			feed(c.rough, 200_000)
		}
		if !c.wantDrops(drops, cycles) || h.capSeconds != c.wantWindow {
			t.Errorf("%s: the target dropped in %d of %d calm spells, window %d s; want window %d s", c.name, drops, cycles, h.capSeconds, c.wantWindow)
		}
	}
}

func TestDelayHistogramWindowLeavesStationaryAlone(t *testing.T) {
	// A stationary network whose long delays (300 ms, 1.5 % of arrivals)
	// are what the 99 % quantile covers: the largest of 12 s of arrivals
	// is one of them nearly always, so the cap does not cut the target.
	var h delayHistogram
	r := rand.New(rand.NewPCG(3, 4))
	capped, n := 0, 0
	for i := range int64(200_000) { // 67 minutes
		rel := r.Int64N(20_000)
		if r.IntN(1000) < 15 {
			rel = 300_000
		}
		h.observe(i*20_000, rel)
		if i < 30_000 {
			continue // the quantile settles first
		}
		n++
		if got, _ := h.target(); got < int64(h.qi+1)*histBucketUs {
			capped++
		}
	}
	if capped*1000 > n {
		t.Errorf("target capped below the quantile %d times in %d arrivals, want under 0.1 %%", capped, n)
	}
}

func TestDelayHistogramBurstCountsOnce(t *testing.T) {
	// A burst of 100 arrivals at once (a path that held them during an
	// outage) is one sample: it does not set the target.
	var h delayHistogram
	at := int64(0)
	for i := range 3000 {
		if i%1000 == 500 {
			for k := range 100 {
				h.observe(at+int64(k)*10, 2_000_000-int64(k)*20_000)
			}
		}
		h.observe(at, 5_000)
		at += 20_000
	}
	if got, _ := h.target(); got > 10_000 {
		t.Errorf("target %d µs, want the jitter's (10 ms), not the outages'", got)
	}
}

func TestDelayHistogramQuantileBookkeeping(t *testing.T) {
	// The running quantile agrees with a scan of the buckets, through
	// regime changes and past a renormalisation (0.9993ⁿ < 10⁻²⁰⁰ after
	// some 660,000 samples).
	var h delayHistogram
	r := rand.New(rand.NewPCG(3, 4))
	spread := int64(20_000)
	for i := range int64(700_000) {
		if i%50_000 == 0 {
			spread = 1 + r.Int64N(600_000)
		}
		h.update(r.Int64N(spread))
		if i%997 != 0 {
			continue
		}
		sum, want := 0.0, -1
		for k, q := range h.q {
			if sum += q * h.scale; sum >= histQuantile-1e-9 {
				want = k
				break
			}
		}
		if got, _ := h.target(); want < 0 || (got != int64(want+1)*histBucketUs && got != int64(want+2)*histBucketUs) {
			t.Fatalf("sample %d: target %d µs, a scan says %d µs", i, got, int64(want+1)*histBucketUs)
		}
	}
	if h.scale < 1e-100 {
		t.Errorf("scale %g: no renormalisation", h.scale)
	}
}
