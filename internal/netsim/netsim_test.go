package netsim

import (
	"errors"
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// run sends n packets 20 ms apart and returns each one's arrivals.
func run(t *testing.T, c Config, n int) [][]time.Time {
	t.Helper()
	l, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]time.Time, n)
	for i := range out {
		out[i] = l.Send(t0.Add(time.Duration(i) * 20 * time.Millisecond))
	}
	return out
}

func TestPerfectNetwork(t *testing.T) {
	for i, a := range run(t, Config{}, 100) {
		if len(a) != 1 || !a[0].Equal(t0.Add(time.Duration(i)*20*time.Millisecond)) {
			t.Fatalf("packet %d: arrivals %v", i, a)
		}
	}
}

func TestLossRateAndBursts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		burst float64
	}{{"independent", 0}, {"bursty", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200000
			arr := run(t, Config{Loss: 0.1, BurstLength: tc.burst, Seed: 1}, n)
			lost, bursts, inBurst := 0, 0, false
			for _, a := range arr {
				if len(a) == 0 {
					lost++
					if !inBurst {
						bursts++
					}
					inBurst = true
				} else {
					inBurst = false
				}
			}
			rate := float64(lost) / n
			if math.Abs(rate-0.1) > 0.01 {
				t.Errorf("loss rate %.4f, want 0.1", rate)
			}
			mean := float64(lost) / float64(bursts)
			want := 1 / 0.9 // independent: geometric runs
			if tc.burst > 1 {
				want = tc.burst
			}
			if math.Abs(mean-want) > 0.1*want {
				t.Errorf("mean burst %.3f, want %.3f", mean, want)
			}
		})
	}
}

func TestJitterMeanAndOrder(t *testing.T) {
	for _, d := range []Distribution{Uniform, Normal, Pareto, LogNormal} {
		t.Run(d.String(), func(t *testing.T) {
			const n = 100000
			// Packets far apart, so the queue never holds one back.
			l, err := New(Config{Delay: 10 * time.Millisecond, Jitter: 5 * time.Millisecond, Distribution: d, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			var sum time.Duration
			for i := range n {
				at := t0.Add(time.Duration(i) * time.Hour)
				a := l.Send(at)
				if len(a) != 1 {
					t.Fatalf("arrivals %v", a)
				}
				extra := a[0].Sub(at) - 10*time.Millisecond
				if extra < 0 {
					t.Fatalf("arrived before the fixed delay: %v", extra)
				}
				sum += extra
			}
			mean := sum / n
			if mean < 4500*time.Microsecond || mean > 5500*time.Microsecond {
				t.Errorf("mean jitter %v, want about 5ms", mean)
			}
		})
	}
}

func TestNoReorderingWithoutReorder(t *testing.T) {
	arr := run(t, Config{Jitter: 40 * time.Millisecond, Distribution: Pareto, Seed: 3}, 10000)
	for i := 1; i < len(arr); i++ {
		if arr[i][0].Before(arr[i-1][0]) {
			t.Fatalf("packet %d overtook packet %d", i, i-1)
		}
	}
}

func TestReorderAndDuplicate(t *testing.T) {
	const n = 20000
	arr := run(t, Config{Reorder: 0.1, Duplicate: 0.05, Seed: 9}, n)
	overtaken, dups := 0, 0
	for i := 1; i < n; i++ {
		if len(arr[i]) == 2 {
			dups++
			if arr[i][1].Before(arr[i][0]) {
				t.Fatalf("duplicate arrives before the original")
			}
		}
		if arr[i][0].Before(arr[i-1][0]) {
			overtaken++
		}
	}
	if r := float64(overtaken) / n; math.Abs(r-0.1) > 0.02 {
		t.Errorf("reordered fraction %.3f, want about 0.1", r)
	}
	if r := float64(dups) / n; math.Abs(r-0.05) > 0.01 {
		t.Errorf("duplicated fraction %.3f, want about 0.05", r)
	}
}

func TestSeedRepeats(t *testing.T) {
	c := Config{Loss: 0.2, BurstLength: 3, Jitter: 30 * time.Millisecond, Distribution: LogNormal, Reorder: 0.1, Duplicate: 0.1, Seed: 42}
	a, b := run(t, c, 2000), run(t, c, 2000)
	for i := range a {
		if len(a[i]) != len(b[i]) {
			t.Fatalf("packet %d: %v vs %v", i, a[i], b[i])
		}
		for j := range a[i] {
			if !a[i][j].Equal(b[i][j]) {
				t.Fatalf("packet %d: %v vs %v", i, a[i], b[i])
			}
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{Loss: -0.1}, {Loss: 1.5}, {Loss: math.NaN()}, {Reorder: 2}, {Duplicate: -1},
		{BurstLength: -1}, {Loss: 1, BurstLength: 3}, {Delay: -1}, {Jitter: -1}, {Distribution: 9},
	} {
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", c, err)
		}
	}
	if _, err := New(Config{Loss: 1}); err != nil {
		t.Errorf("total loss: %v", err)
	}
}

func TestParseDistribution(t *testing.T) {
	for _, n := range DistributionNames() {
		d, err := ParseDistribution(n)
		if err != nil || d.String() != n {
			t.Errorf("ParseDistribution(%q) = %v, %v", n, d, err)
		}
	}
	if _, err := ParseDistribution("cauchy"); err == nil {
		t.Error("ParseDistribution(cauchy) did not fail")
	}
}

func TestHighLossKeepsRate(t *testing.T) {
	const n = 100000
	lost := 0
	for _, a := range run(t, Config{Loss: 0.95, BurstLength: 2, Seed: 5}, n) {
		if len(a) == 0 {
			lost++
		}
	}
	if r := float64(lost) / n; math.Abs(r-0.95) > 0.01 {
		t.Errorf("loss rate %.3f, want 0.95", r)
	}
}

// AppendSendAt gives the arrivals AppendSend gives, as offsets.
func TestAppendSendAtAgrees(t *testing.T) {
	c := Config{Loss: 0.1, BurstLength: 3, Delay: 40 * time.Millisecond, Jitter: 30 * time.Millisecond,
		Distribution: Pareto, Reorder: 0.05, Duplicate: 0.05, Seed: 9}
	a, _ := New(c)
	b, _ := New(c)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		at := time.Duration(i) * 20 * time.Millisecond
		times := a.AppendSend(nil, t0.Add(at))
		offs := b.AppendSendAt(nil, at)
		if len(times) != len(offs) {
			t.Fatalf("packet %d: %d arrivals, %d offsets", i, len(times), len(offs))
		}
		for k := range times {
			if times[k].Sub(t0) != offs[k] {
				t.Fatalf("packet %d: arrival %v, offset %v", i, times[k].Sub(t0), offs[k])
			}
		}
	}
}
