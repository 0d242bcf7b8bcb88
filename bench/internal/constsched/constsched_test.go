package constsched

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/haivivi/giztoy/bench/internal/traces"
)

const lost = traces.Lost

func TestAt(t *testing.T) {
	// Least delay 40: D = 10 plays at 50 ms, so 60 and 90 are late (a
	// delay equal to the schedule is in time); the loss is not late.
	delays := []float64{40, 60, lost, 50, 90, 45}
	for _, c := range []struct {
		d       float64
		late    int
		latency float64
		damage  float64
		cost10  float64
		cost50  float64
	}{
		{0, 4, 40, 400.0 / 6, 400.0/6 + 4, 400.0/6 + 0.8},
		{10, 2, 50, 200.0 / 6, 200.0/6 + 5, 200.0/6 + 1},
		{20, 1, 60, 100.0 / 6, 100.0/6 + 6, 100.0/6 + 1.2},
		{50, 0, 90, 0, 9, 1.8},
	} {
		r := At(delays, c.d)
		if r.Late != c.late || r.Latency != c.latency || r.Sent != 6 || r.Lost != 1 ||
			math.Abs(r.Damage()-c.damage) > 1e-9 || math.Abs(r.Cost(10)-c.cost10) > 1e-9 || math.Abs(r.Cost(50)-c.cost50) > 1e-9 {
			t.Errorf("At(%v) = %+v damage %v cost10 %v cost50 %v, want late %d latency %v damage %v cost10 %v cost50 %v",
				c.d, r, r.Damage(), r.Cost(10), r.Cost(50), c.late, c.latency, c.damage, c.cost10, c.cost50)
		}
	}
}

func TestBestHand(t *testing.T) {
	// 100 packets at 40 ms and one at 200: with w = 10, waiting for the
	// straggler costs 16 ms (1.6), dropping it 0.99 %: D = 0 wins. With w
	// = 1000 the latency weighs 0.16 against 0.99 %: D = 160 wins.
	delays := make([]float64, 101)
	for i := range delays {
		delays[i] = 40
	}
	delays[50] = 200
	if r := Best(delays, 10); r.D != 0 || r.Late != 1 || r.Latency != 40 {
		t.Errorf("Best(w=10) = %+v, want D 0, 1 late, 40 ms", r)
	}
	if r := Best(delays, 1000); r.D != 160 || r.Late != 0 || r.Latency != 200 {
		t.Errorf("Best(w=1000) = %+v, want D 160, none late, 200 ms", r)
	}
}

func TestBestIsOptimal(t *testing.T) {
	// No D of a fine sweep costs less than Best's, on random traces with
	// ties and losses.
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 50; k++ {
		delays := make([]float64, 1+r.IntN(300))
		for i := range delays {
			switch {
			case r.Float64() < 0.05:
				delays[i] = lost
			case r.Float64() < 0.3:
				delays[i] = float64(40 + r.IntN(5)) // ties
			default:
				delays[i] = 40 + r.ExpFloat64()*30
			}
		}
		for _, w := range []float64{10, 50} {
			best := Best(delays, w)
			if got := At(delays, best.D); got.Late != best.Late || got.Latency != best.Latency {
				t.Fatalf("trace %d: Best = %+v but At(%v) = %+v", k, best, best.D, got)
			}
			for d := 0.0; d < 400; d += 0.25 {
				if c := At(delays, d).Cost(w); c < best.Cost(w)-1e-9 {
					t.Fatalf("trace %d, w %v: D = %v costs %v, less than Best's %+v at %v", k, w, d, c, best, best.Cost(w))
				}
			}
		}
	}
}

func TestAllLost(t *testing.T) {
	delays := []float64{lost, lost}
	if r := Best(delays, 10); r.Late != 0 || r.Lost != 2 || r.Damage() != 0 {
		t.Errorf("Best = %+v", r)
	}
	if r := At(delays, 20); r.Late != 0 || r.Lost != 2 || r.Latency != 0 {
		t.Errorf("At = %+v", r)
	}
}
