// Package constsched is the truly fixed playout schedule of a network
// trace, computed from the trace alone: every packet plays at its send
// time plus one constant, the same for the whole trace, and a packet whose
// one-way delay exceeds that constant is late. It is the comparator "the
// best fixed schedule in hindsight": the one constant that, knowing the
// whole trace in advance, costs least.
//
// The schedule is anchored on the trace's least one-way delay: delay D
// plays packet i at send(i) + min + D, where min is the least delay of any
// packet the network delivered. D = 0 is the earliest any constant
// schedule can usefully play (an earlier one makes every packet late), so
// the hindsight optimum is the best D ≥ 0. Every played packet then has
// the same mouth-to-ear latency, min + D, so its mean and 95th percentile
// are that one value.
//
// Damage is the late packets in % of the packets sent; the network's own
// losses are left out, as in the rest of the playout evaluation. Cost is
// damage % + latency / w for a weight w in ms: w = 10 weighs 1 % of damage
// as 10 ms of latency, w = 50 as 50 ms.
package constsched

import (
	"math"
	"slices"

	"github.com/haivivi/giztoy/bench/internal/traces"
)

// Result is a constant schedule on one trace.
type Result struct {
	// D is the delay above the trace's least one-way delay, in ms.
	D float64
	// Latency is the mouth-to-ear latency of every packet played: the
	// least one-way delay plus D, in ms.
	Latency float64
	// Sent, Lost and Late count packets: sent in the trace, lost by the
	// network, delivered later than the schedule plays them.
	Sent, Lost, Late int
}

// Damage returns the late packets in % of those sent.
func (r Result) Damage() float64 {
	if r.Sent == 0 {
		return 0
	}
	return 100 * float64(r.Late) / float64(r.Sent)
}

// Cost returns Damage() + Latency / w (w in ms).
func (r Result) Cost(w float64) float64 { return r.Damage() + r.Latency/w }

// At returns the schedule of delay d ms above the least delay of delays
// (ms per packet in send order, traces.Lost for a lost packet).
func At(delays []float64, d float64) Result {
	lo, lost := floor(delays)
	r := Result{D: d, Latency: lo + d, Sent: len(delays), Lost: lost}
	for _, x := range delays {
		if x != traces.Lost && x > lo+d {
			r.Late++
		}
	}
	if lost == len(delays) {
		r.Latency = 0
	}
	return r
}

// Best returns the schedule of least Cost(w) over every D ≥ 0: the best
// constant schedule in hindsight. The optimum plays some packet exactly on
// time (between two delays of the trace, a later schedule only adds
// latency), so only the trace's own delays are tried; of equal costs the
// earliest wins.
func Best(delays []float64, w float64) Result {
	lo, lost := floor(delays)
	sorted := make([]float64, 0, len(delays)-lost)
	for _, x := range delays {
		if x != traces.Lost {
			sorted = append(sorted, x)
		}
	}
	if len(sorted) == 0 {
		return Result{Sent: len(delays), Lost: lost}
	}
	slices.Sort(sorted)
	best := Result{D: math.NaN()}
	bestCost := math.Inf(1)
	for j := 0; j < len(sorted); j++ {
		// Schedule at sorted[j]: every packet of delay ≤ sorted[j] is in
		// time; step past the equal delays.
		for j+1 < len(sorted) && sorted[j+1] == sorted[j] {
			j++
		}
		r := Result{D: sorted[j] - lo, Latency: sorted[j], Sent: len(delays), Lost: lost, Late: len(sorted) - 1 - j}
		if c := r.Cost(w); c < bestCost {
			best, bestCost = r, c
		}
	}
	return best
}

// floor returns the least delay of a delivered packet (0 when none is)
// and the number of packets lost.
func floor(delays []float64) (lo float64, lost int) {
	lo = math.Inf(1)
	for _, x := range delays {
		if x == traces.Lost {
			lost++
			continue
		}
		lo = min(lo, x)
	}
	if math.IsInf(lo, 1) {
		lo = 0
	}
	return lo, lost
}
