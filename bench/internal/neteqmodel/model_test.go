package neteqmodel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/haivivi/giztoy/bench/internal/traces"
)

// constant returns n packets of delay ms each.
func constant(n int, ms float64) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = ms
	}
	return d
}

// eventsAfter returns the events at or after ms.
func eventsAfter(r Result, ms float64) []Event {
	var out []Event
	for _, e := range r.Events {
		if e.At >= ms {
			out = append(out, e)
		}
	}
	return out
}

var bothRules = []Rules{Stable, BufferLevel}

func TestConstantDelay(t *testing.T) {
	// A network of constant delay: after the start (the target comes
	// down from 80 ms to 20 ms within the first seconds) nothing is
	// inserted or removed, nothing is late, and every frame plays with
	// the same latency.
	for _, rules := range bothRules {
		r := Run(constant(3000, 40), Config{Rules: rules, Events: true})
		if r.Late != 0 || r.Played+r.Removed != 3000 || r.Lost != 0 {
			t.Errorf("%v: %+v", rules, r)
		}
		if ev := eventsAfter(r, 3000); len(ev) != 0 {
			t.Errorf("%v: events after 3 s: %v", rules, ev)
		}
		if r.TargetMs != 20 {
			t.Errorf("%v: target %d ms, want 20", rules, r.TargetMs)
		}
		if r.LatP95 != r.LatMean && math.Abs(r.LatP95-r.LatMean) > 1 {
			t.Errorf("%v: latency mean %v, p95 %v", rules, r.LatMean, r.LatP95)
		}
		if r.Inserted+r.Removed > 10 {
			t.Errorf("%v: %d inserted, %d removed at the start", rules, r.Inserted, r.Removed)
		}
	}
}

func TestStepUp(t *testing.T) {
	// The delay steps from 40 to 140 ms at 20 s. Playout conceals the
	// gap at once, and then, as NetEq does, raises its target for a while:
	// for the 2 s of the history window the new packets are 100 ms late
	// against the old floor, and the histogram holds that for some 25 s
	// before it is forgotten and the extra delay removed. Over it all,
	// nothing is late, the net insertion is the step (five frames), and
	// from 50 s on playout is steady.
	d := constant(3000, 40)
	for i := 1000; i < len(d); i++ {
		d[i] = 140
	}
	for _, rules := range bothRules {
		r := Run(d, Config{Rules: rules, Events: true})
		step := eventsAfter(r, 19_900)
		if len(step) == 0 || step[0].Op != Expand {
			t.Fatalf("%v: the step did not start with a concealment: %v", rules, step)
		}
		net := 0
		for _, e := range step {
			switch e.Op {
			case Expand, PreemptiveExpand:
				net++
			case Accelerate:
				net--
			}
		}
		if net != 5 || r.Late != 0 || r.Concealed != 0 {
			t.Errorf("%v: %d frames net inserted after the step, want 5; %d late, %d concealed: %v", rules, net, r.Late, r.Concealed, step)
		}
		if ev := eventsAfter(r, 50_000); len(ev) != 0 {
			t.Errorf("%v: not steady 30 s after the step: %v", rules, ev)
		}
	}
}

func TestStepDown(t *testing.T) {
	// From 140 to 40 ms at 20 s: frames pile up 100 ms early, and are
	// removed once the history forgets the old floor; then steady.
	d := constant(3000, 140)
	for i := 1000; i < len(d); i++ {
		d[i] = 40
	}
	for _, rules := range bothRules {
		r := Run(d, Config{Rules: rules, Events: true})
		rem := 0
		for _, e := range eventsAfter(r, 19_000) {
			if e.Op == Accelerate {
				rem++
			}
		}
		if rem < 4 || r.Late != 0 {
			t.Errorf("%v: %d removed after the step, %d late: %+v", rules, rem, r.Late, r)
		}
		if ev := eventsAfter(r, 30_000); len(ev) != 0 {
			t.Errorf("%v: not steady 10 s after the step: %v", rules, ev)
		}
	}
}

func TestLatePacket(t *testing.T) {
	// One packet 200 ms late at 30 s (the others are not held behind
	// it): its slot is concealed, it is counted late when it comes, and
	// that is all: no insertion, no removal, the target unmoved.
	d := constant(3000, 40)
	d[1500] = 240
	for _, rules := range bothRules {
		base := Run(constant(3000, 40), Config{Rules: rules})
		r := Run(d, Config{Rules: rules, Events: true})
		if r.Late != 1 || r.Concealed != 1 || r.Inserted != base.Inserted || r.Removed != base.Removed || r.Played != base.Played-1 {
			t.Errorf("%v: %+v, want 1 late, 1 concealed, else as %+v", rules, r, base)
		}
		if r.TargetMs != 20 {
			t.Errorf("%v: target %d", rules, r.TargetMs)
		}
	}
}

func TestNetworkLoss(t *testing.T) {
	// Packets the network lost are concealed, not damage.
	d := constant(3000, 40)
	for i := 1000; i < 3000; i += 100 {
		d[i] = traces.Lost
	}
	base := Run(constant(3000, 40), Config{})
	r := Run(d, Config{})
	if r.Lost != 20 || r.Concealed != 20 || r.Late != 0 || r.Damage() != base.Damage() || r.Played != base.Played-20 {
		t.Errorf("%+v, want 20 lost and concealed, damage %v", r, base.Damage())
	}
}

func TestEveryPacketAccounted(t *testing.T) {
	// On every trace of the battery, each delivered packet is played,
	// late or removed, exactly once; the latency is at least the
	// network's.
	for _, tr := range traces.All(3000) {
		for _, rules := range bothRules {
			r := Run(tr.Delays, Config{Rules: rules})
			if r.Played+r.Late+r.Removed != r.Sent-r.Lost {
				t.Errorf("%s %v: %+v", tr.Name, rules, r)
			}
			lo := math.Inf(1)
			for _, x := range tr.Delays {
				if x != traces.Lost {
					lo = min(lo, x)
				}
			}
			if r.LatMean < lo || r.LatP95 < r.LatMean*0.5 || r.TargetMs < 20 {
				t.Errorf("%s %v: latency %v/%v under the floor %v, target %d", tr.Name, rules, r.LatMean, r.LatP95, lo, r.TargetMs)
			}
		}
	}
}

func TestEmpty(t *testing.T) {
	if r := Run(nil, Config{}); r.Sent != 0 || r.Damage() != 0 {
		t.Errorf("%+v", r)
	}
	if r := Run([]float64{traces.Lost, traces.Lost}, Config{}); r.Sent != 2 || r.Lost != 2 || r.Played != 0 {
		t.Errorf("%+v", r)
	}
}

func TestHistogram(t *testing.T) {
	h := newHistogram()
	sum := int64(0)
	for _, b := range h.b {
		sum += b
	}
	if sum < 1<<30 || sum > 1<<30+1<<20 {
		t.Fatalf("reset sums to %d", sum)
	}
	// At reset the quantile 0.95 of 0.5^(i+1) is bucket 4 (mass above:
	// 1/32 ≤ 0.05).
	if q := h.quantile(quantileQ30); q != 4 {
		t.Errorf("quantile at reset = %d", q)
	}
	// The first add forgets everything before it (factor 0).
	h.add(3)
	if h.b[3] != 1<<30 || h.quantile(quantileQ30) != 3 {
		t.Errorf("after one add: %v", h.b[:5])
	}
	// The start forget weight: 1 − 2/(n+1) after n adds, up to 0.983.
	for n := 2; n < 200; n++ {
		h.add(0)
		want := min(forgetFactorQ15, int64((1<<15)*(1-2/float64(n+1))))
		if h.forget != want {
			t.Fatalf("after %d adds forget = %d, want %d", n, h.forget, want)
		}
		s := int64(0)
		for _, b := range h.b {
			s += b
		}
		if s != 1<<30 {
			t.Fatalf("after %d adds the buckets sum to %d", n, s)
		}
	}
	// 3 has faded under 5 %: the quantile is back to 0.
	if q := h.quantile(quantileQ30); q != 0 {
		t.Errorf("quantile = %d", q)
	}
}

func TestRandomTraces(t *testing.T) {
	// Hostile traces: heavy reordering, bursts of loss, delays from 0 to
	// 10 s, ties. The model ends; a frame plays only after it arrived and
	// at most once, in order, one slot each; every delivered frame is
	// played, late or removed; nothing played counts as late.
	r := rand.New(rand.NewPCG(7, 7))
	for k := 0; k < 200; k++ {
		n := 1 + r.IntN(2000)
		d := make([]float64, n)
		for i := range d {
			switch x := r.Float64(); {
			case x < 0.1:
				d[i] = traces.Lost
			case x < 0.15:
				d[i] = r.Float64() * 10_000
			case x < 0.3:
				d[i] = float64(r.IntN(5) * 20) // ties with other arrivals
			default:
				d[i] = 40 + r.ExpFloat64()*float64(1+r.IntN(100))
			}
		}
		for _, rules := range bothRules {
			res := Run(d, Config{Rules: rules, Events: true})
			if res.Played+res.Late+res.Removed != res.Sent-res.Lost {
				t.Fatalf("trace %d %v: %+v", k, rules, res)
			}
			played, lastAt, lastFrame := 0, math.Inf(-1), -1
			for i, at := range res.PlayedAt {
				if at < 0 {
					continue
				}
				played++
				if d[i] == traces.Lost || at < float64(i)*frameMs+d[i] {
					t.Fatalf("trace %d %v: frame %d (delay %v) played at %v", k, rules, i, d[i], at)
				}
				if at < lastAt+frameMs-1e-6 || i < lastFrame {
					t.Fatalf("trace %d %v: frame %d at %v after frame %d at %v", k, rules, i, at, lastFrame, lastAt)
				}
				lastAt, lastFrame = at, i
			}
			if played != res.Played {
				t.Fatalf("trace %d %v: %d frames have a play time, %d played", k, rules, played, res.Played)
			}
		}
	}
}
