package opusrt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// arrivalSeries makes the arrivals of 20 ms frames sent for durUs: the
// sender's stamp clock runs ppm fast (its stamps advance 20 ms per frame,
// sent every 20 ms/(1+ppm·1e-6) of ours), each frame takes netUs(i, sendUs)
// on the network. It calls visit with each arrival and the true minimum
// transit at that moment (what a perfect estimator would say).
func arrivalSeries(durUs int64, ppm float64, netUs func(i int, sendUs int64) int64, visit func(arrivalUs, stampUs, trueBaseUs int64)) {
	const frameUs = 20_000
	for i := 0; ; i++ {
		stampUs := int64(i) * frameUs
		sendUs := int64(math.Round(float64(stampUs) / (1 + ppm*1e-6)))
		if sendUs > durUs {
			return
		}
		net := netUs(i, sendUs)
		// The minimum transit: the network's floor (netUs with no jitter is
		// asked of the caller through i = -1) plus the drift so far.
		floor := netUs(-1, sendUs)
		visit(sendUs+net, stampUs, sendUs+floor-stampUs)
	}
}

func constNet(us int64) func(int, int64) int64 {
	return func(int, int64) int64 { return us }
}

// jitterNet is a floor of floorUs plus, for real frames (i ≥ 0), a
// draw from jitter.
func jitterNet(floorUs int64, jitter func() int64) func(int, int64) int64 {
	return func(i int, _ int64) int64 {
		if i < 0 {
			return floorUs
		}
		return floorUs + jitter()
	}
}

func TestTransitTrackerFollowsDrift(t *testing.T) {
	const hourUs = 3600 * 1_000_000
	for _, ppm := range []float64{-1000, -100, 100, 1000} {
		rng := rand.New(rand.NewPCG(1, uint64(ppm+5000)))
		net := jitterNet(30_000, func() int64 { return int64(rng.ExpFloat64() * 10_000) })
		var tr transitTracker
		tr.riseUs = 60_000
		worst := int64(0)
		arrivalSeries(hourUs, ppm, net, func(a, s, trueBase int64) {
			tr.observe(a, s)
			if a < 10*1_000_000 {
				return // the first window: the base starts at the first frame
			}
			base, _ := tr.base()
			worst = max(worst, absDiff(base, trueBase))
		})
		// The base stays within a few ms of the true minimum for the whole
		// hour, in which the drift moved the transit by 3.6 s.
		if worst > 8_000 {
			t.Errorf("%+v ppm: base strayed %d µs from the true minimum transit", ppm, worst)
		}
		if got := tr.skewPPM(); math.Abs(got-ppm) > 0.1*math.Abs(ppm)+10 {
			t.Errorf("%+v ppm: skew estimated %.1f ppm", ppm, got)
		}
	}
}

func TestTransitTrackerIgnoresOneLatePacket(t *testing.T) {
	var tr transitTracker
	tr.riseUs = 60_000
	net := func(i int, _ int64) int64 {
		if i == 500 || i == 900 || i == 901 {
			return 30_000 + 400_000 // a few very slow packets, not in a run of three
		}
		return 30_000
	}
	arrivalSeries(30*1_000_000, 0, net, func(a, s, _ int64) {
		tr.observe(a, s)
		if base, _ := tr.base(); base != 30_000 {
			t.Fatalf("at %d µs: base %d µs, want 30000", a, base)
		}
	})
}

func TestTransitTrackerSteps(t *testing.T) {
	const stepAtUs = 30 * 1_000_000
	tests := []struct {
		name    string
		stepUs  int64
		adopted [2]int64 // when the new base must be taken, µs after the step: [earliest, latest]
	}{
		// Up: within the three arrivals that prove it (40 ms of 20 ms frames
		// after the first delayed one).
		{"up 100 ms", 100_000, [2]int64{100_000, 100_000 + 60_000}},
		// Down: after a full window of buckets lies below the old base.
		{"down 100 ms", -100_000, [2]int64{2_000_000 - transitBucketUs, 2_000_000 + transitBucketUs}},
		// A small rise, below riseUs: the slow rule, after the window.
		{"up 30 ms", 30_000, [2]int64{2_000_000 - transitBucketUs, 2_000_000 + 2*transitBucketUs}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tr transitTracker
			tr.riseUs = 60_000
			net := func(_ int, sendUs int64) int64 {
				if sendUs >= stepAtUs {
					return 200_000 + tc.stepUs
				}
				return 200_000
			}
			adoptedAt := int64(-1)
			arrivalSeries(60*1_000_000, 0, net, func(a, s, _ int64) {
				tr.observe(a, s)
				if base, _ := tr.base(); adoptedAt < 0 && base == 200_000+tc.stepUs {
					adoptedAt = a - 200_000 - stepAtUs // since the step reached us
				}
			})
			if adoptedAt < tc.adopted[0] || adoptedAt > tc.adopted[1] {
				t.Errorf("new base taken %d µs after the step, want within %v", adoptedAt, tc.adopted)
			}
			if got := tr.skewPPM(); math.Abs(got) > 1 {
				// The step is in the history, but the median slope is 0.
				t.Errorf("skew %.2f ppm after a step, want 0", got)
			}
		})
	}
}

func TestTransitTrackerStationaryRarelyMoves(t *testing.T) {
	// On a stationary network the base stays inside the band of bucket
	// minima: it moves a few times, not with every window.
	rng := rand.New(rand.NewPCG(7, 7))
	net := jitterNet(40_000, func() int64 { return int64(rng.NormFloat64()*5_000 + 15_000) })
	var tr transitTracker
	tr.riseUs = 60_000
	moves, last := 0, int64(math.MinInt64)
	arrivalSeries(600*1_000_000, 0, net, func(a, s, _ int64) {
		tr.observe(a, s)
		if base, _ := tr.base(); base != last {
			moves, last = moves+1, base
		}
	})
	if moves > 40 {
		t.Errorf("base moved %d times in 10 minutes of stationary jitter", moves)
	}
	if base, _ := tr.base(); base < 40_000 || base > 52_000 {
		// The jitter is N(15 ms, 5 ms) over a 40 ms floor: the fastest of
		// 12 arrivals (a bucket) is about 46 ms.
		t.Errorf("base %d µs, want within the band of bucket minima, 40–52 ms", base)
	}
}

func TestTransitTrackerOutageAndReset(t *testing.T) {
	var tr transitTracker
	tr.riseUs = 60_000
	if _, ok := tr.base(); ok {
		t.Fatal("base before any arrival")
	}
	for i := range int64(100) {
		tr.observe(i*20_000+50_000, i*20_000)
	}
	// An outage of a minute, then the same network.
	for i := int64(3100); i < 3200; i++ {
		tr.observe(i*20_000+50_000, i*20_000)
	}
	if base, _ := tr.base(); base != 50_000 {
		t.Errorf("base %d µs after an outage, want 50000", base)
	}
	// A timeline more than an hour away starts afresh.
	tr.observe(5_000_000_000_000, 0)
	if base, _ := tr.base(); base != 5_000_000_000_000 {
		t.Errorf("base %d µs after a jump, want the new transit", base)
	}
	tr.reset()
	if _, ok := tr.base(); ok || tr.riseUs != 60_000 {
		t.Errorf("reset kept the base or lost riseUs")
	}
	// Arrival times that step back stay in the current bucket.
	tr.observe(1_000_000, 0)
	tr.observe(500_000, 0)
	if base, _ := tr.base(); base != 1_000_000 {
		t.Errorf("base %d µs, want 1000000", base)
	}
}

func TestTransitTrackerExtremes(t *testing.T) {
	var tr transitTracker
	tr.riseUs = 60_000
	// Stamps at the Buffer's limits (±2⁴² ms) and arrivals far apart.
	const lim = int64(maxStampMillis) * usPerMilli
	for _, v := range [][2]int64{{0, lim}, {0, -lim}, {math.MaxInt64 / 4, lim}, {1, 0}, {2, lim}} {
		tr.observe(v[0], v[1])
		if base, _ := tr.base(); base != v[0]-v[1] {
			t.Errorf("observe(%d, %d): base %d", v[0], v[1], base)
		}
	}
	if s := tr.skewPPM(); s != 0 || math.IsNaN(s) {
		t.Errorf("skew %v from no history", s)
	}
}

func BenchmarkTransitTrackerObserve(b *testing.B) {
	var tr transitTracker
	tr.riseUs = 60_000
	b.ReportAllocs()
	for i := range b.N {
		us := int64(i) * 20_000
		tr.observe(us+30_000+int64(i%7)*1000, us)
	}
}

func TestTransitTrackerIgnoresSpikeBursts(t *testing.T) {
	// On a FIFO path a slow packet holds up the ones behind it, which then
	// arrive at once with it, their transits falling a frame apart: one
	// network event, not a run. Two such spikes 150 ms apart (822 ms, then
	// 849 ms: the pair that moved the base by 722 ms on pareto jitter, and
	// made a fixed delay insert and remove seconds of audio) are two
	// arrivals, not the three that prove a step.
	var tr transitTracker
	tr.riseUs = 100_000
	const floorUs = 40_000
	var lastUs int64
	arrivalSeries(30*1_000_000, 0, func(i int, sendUs int64) int64 {
		if i < 0 {
			return floorUs
		}
		d := int64(floorUs)
		if i == 1000 || i == 1007 {
			d += 800_000
		}
		arr := max(sendUs+d, lastUs) // FIFO: never before the one sent before
		lastUs = arr
		return arr - sendUs
	}, func(a, s, _ int64) {
		tr.observe(a, s)
		if base, _ := tr.base(); base != floorUs {
			t.Fatalf("at %d µs: base %d µs, want %d", a, base, floorUs)
		}
	})
}
