// Package traces generates the network traces of the playout evaluation:
// one one-way delay per packet in send order (or a loss), in the format
// `opusrt simulate --trace` reads: one line per packet, the delay in
// milliseconds as a decimal or the word "lost", blank lines and lines
// starting with '#' ignored.
//
// Every trace is made from a fixed seed, so a run is repeatable. Clock
// drift has no delay of its own: at the receiver, a sender whose clock runs
// p ppm slow looks like a one-way delay that grows by p µs every second (its
// frames come ever later against their stamps), and that is how the drift
// traces carry it.
package traces

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/haivivi/giztoy/internal/netsim"
)

// Lost marks a packet the network dropped.
const Lost = -1.0

// Trace is one packet's one-way delay per line, in send order, in
// milliseconds; Lost for a dropped packet.
type Trace struct {
	Name string
	// About says what the trace models, for the table and the file's
	// header.
	About  string
	Delays []float64
}

// FrameDuration is the send interval the traces are made for: one 20 ms
// Opus frame per packet.
const FrameDuration = 20 * time.Millisecond

// All returns the battery for n packets (n × 20 ms of audio).
func All(n int) []Trace {
	return []Trace{
		Stationary("uniform", n, 1, func(r *rand.Rand) float64 { return r.Float64() * 40 }),
		Stationary("exponential", n, 2, func(r *rand.Rand) float64 { return r.ExpFloat64() * 15 }),
		Stationary("pareto", n, 3, pareto(5, 1.5, 400)),
		Stationary("lognormal", n, 4, func(r *rand.Rand) float64 { return math.Min(math.Exp(r.NormFloat64()*0.8+2.5), 500) }),
		Step("step-up", n, 100),
		Step("step-down", n, -100),
		Spikes(n),
		TwoState(n),
		JitterSteps(n),
		TwoStateSlow(n),
		PeriodicRough(n),
		Outages(n),
		Drift("drift+100ppm", n, 100),
		Drift("drift-100ppm", n, -100),
		Drift("drift+1000ppm", n, 1000),
		Drift("drift-1000ppm", n, -1000),
		// Drift under heavy-tailed jitter: the stationary pareto and a
		// log-normal of mean 20 ms.
		DriftJitter("drift+1000/pareto", n, 1000, "pareto jitter (scale 5 ms, shape 1.5, at most 400 ms)", pareto(5, 1.5, 400)),
		DriftJitter("drift-1000/lognorm", n, -1000, "log-normal jitter of mean 20 ms", func(r *rand.Rand) float64 { return math.Min(math.Exp(r.NormFloat64()*0.8+2.68), 500) }),
	}
}

// base is the delay floor of every trace, in ms.
const base = 40

// fifo makes a draw per packet into what a first-in-first-out path
// delivers: a packet cannot overtake the one before it, so it arrives no
// sooner than that one did.
func fifo(delays []float64) []float64 {
	frameMs := float64(FrameDuration / time.Millisecond)
	prevArrival := math.Inf(-1) // ms since the first packet was sent
	for i, d := range delays {
		if d == Lost {
			continue
		}
		sent := float64(i) * frameMs
		d = math.Max(d, prevArrival-sent)
		delays[i], prevArrival = d, sent+d
	}
	return delays
}

func pareto(scale, alpha, cap float64) func(*rand.Rand) float64 {
	return func(r *rand.Rand) float64 {
		return math.Min(scale*(math.Pow(1-r.Float64(), -1/alpha)-1), cap)
	}
}

// withLoss drops about p of the packets at random.
func withLoss(delays []float64, r *rand.Rand, p float64) []float64 {
	for i := range delays {
		if r.Float64() < p {
			delays[i] = Lost
		}
	}
	return delays
}

// Stationary is a network of the base delay plus jitter drawn from draw,
// 1 % loss, on a FIFO path.
func Stationary(name string, n int, seed uint64, draw func(*rand.Rand) float64) Trace {
	r := rand.New(rand.NewPCG(seed, 0x7472))
	d := make([]float64, n)
	for i := range d {
		d[i] = base + draw(r)
	}
	return Trace{Name: name, About: "stationary jitter, " + name + " distribution, 1% loss",
		Delays: withLoss(fifo(d), r, 0.01)}
}

// Step is exponential jitter of mean 5 ms whose floor moves by stepMs a
// third of the way through, for good.
func Step(name string, n int, stepMs float64) Trace {
	r := rand.New(rand.NewPCG(10, uint64(int64(stepMs))))
	d := make([]float64, n)
	for i := range d {
		d[i] = base + 100 + r.ExpFloat64()*5
		if i >= n/3 {
			d[i] += stepMs
		}
	}
	return Trace{Name: name, About: fmt.Sprintf("route change of %+g ms a third of the way in", stepMs), Delays: fifo(d)}
}

// Spikes is calm jitter with, every 10 s, a 200–600 ms spike that the
// packets behind it queue through.
func Spikes(n int) Trace {
	r := rand.New(rand.NewPCG(11, 1))
	d := make([]float64, n)
	for i := range d {
		d[i] = base + r.ExpFloat64()*4
		if i%500 == 250 {
			d[i] += 200 + r.Float64()*400
		}
	}
	return Trace{Name: "spikes", About: "calm jitter, a 200–600 ms spike every 10 s", Delays: fifo(d)}
}

// TwoState alternates between a good and a bad state (Gilbert-style): in
// the bad one, jitter of mean 60 ms and 5 % loss; a state lasts 5 s on
// average.
func TwoState(n int) Trace {
	r := rand.New(rand.NewPCG(12, 1))
	d := make([]float64, n)
	bad := false
	for i := range d {
		if r.Float64() < 1.0/250 {
			bad = !bad
		}
		switch {
		case bad && r.Float64() < 0.05:
			d[i] = Lost
		case bad:
			d[i] = base + 30 + r.ExpFloat64()*60
		default:
			d[i] = base + r.ExpFloat64()*5
		}
	}
	return Trace{Name: "two-state", About: "bursty: good and bad states of 5 s on average", Delays: fifo(d)}
}

// JitterSteps alternates a minute of calm (exponential jitter of mean
// 5 ms) and a minute of rough (mean 40 ms) on the same floor: a network
// that changes slowly enough to be followed.
func JitterSteps(n int) Trace {
	r := rand.New(rand.NewPCG(15, 1))
	d := make([]float64, n)
	for i := range d {
		mean := 5.0
		if (i/3000)%2 == 1 {
			mean = 40
		}
		d[i] = base + r.ExpFloat64()*mean
	}
	return Trace{Name: "jitter-steps", About: "a minute of calm jitter (mean 5 ms), a minute of rough (mean 40 ms), and again", Delays: fifo(d)}
}

// TwoStateSlow is TwoState's bad state (30 ms higher, jitter of mean
// 60 ms) alternating with its good one every 30 s, without the loss.
func TwoStateSlow(n int) Trace {
	r := rand.New(rand.NewPCG(16, 1))
	d := make([]float64, n)
	for i := range d {
		d[i] = base + r.ExpFloat64()*5
		if (i/1500)%2 == 1 {
			d[i] = base + 30 + r.ExpFloat64()*60
		}
	}
	return Trace{Name: "two-state-30s", About: "good and bad states of 30 s each", Delays: fifo(d)}
}

// PeriodicRough is calm jitter (mean 5 ms) with 2 s of rough (mean 60 ms)
// every 14.5 s: calm spells a little longer than the 12 s after which
// adaptive playout's target may follow a calm network down, so following
// each would cost a drop and a climb for half a second of gain.
func PeriodicRough(n int) Trace {
	r := rand.New(rand.NewPCG(17, 1))
	d := make([]float64, n)
	for i := range d {
		mean := 5.0
		if (i*20)%14500 >= 12500 {
			mean = 60
		}
		d[i] = base + r.ExpFloat64()*mean
	}
	return Trace{Name: "periodic-rough", About: "calm jitter with 2 s of rough (mean 60 ms) every 14.5 s", Delays: fifo(d)}
}

// Outages is calm jitter with, every 20 s, an outage of 0.3–2 s whose
// packets are all delivered at once when it ends.
func Outages(n int) Trace {
	r := rand.New(rand.NewPCG(13, 1))
	d := make([]float64, n)
	for i := range d {
		d[i] = base + r.ExpFloat64()*5
	}
	for start := 500; start < n; start += 1000 {
		length := 15 + r.IntN(86) // 0.3–2 s of packets
		end := min(start+length, n)
		for i := start; i < end; i++ {
			// Held until the outage ends, then sent on together.
			d[i] = base + float64((end-i)*int(FrameDuration/time.Millisecond))
		}
	}
	return Trace{Name: "outages", About: "an outage of 0.3–2 s every 20 s, then a burst delivery", Delays: fifo(d)}
}

// Drift is exponential jitter of mean 5 ms seen from a receiver whose
// clock and the sender's differ by ppm: positive, the sender runs fast
// (its frames come ever sooner), negative slow.
func Drift(name string, n int, ppm float64) Trace {
	return DriftJitter(name, n, ppm, "exponential jitter of mean 5 ms", func(r *rand.Rand) float64 { return r.ExpFloat64() * 5 })
}

// DriftJitter is Drift with jitter drawn from draw (in ms, described by
// jitter).
func DriftJitter(name string, n int, ppm float64, jitter string, draw func(*rand.Rand) float64) Trace {
	r := rand.New(rand.NewPCG(14, uint64(int64(ppm)+10000)))
	d := make([]float64, n)
	start := 0.0
	if ppm > 0 {
		// Room for the delay to shrink over the whole trace.
		start = ppm * 1e-6 * float64(n) * float64(FrameDuration/time.Millisecond)
	}
	for i := range d {
		elapsedMs := float64(i) * float64(FrameDuration/time.Millisecond)
		d[i] = base + start - ppm*1e-6*elapsedMs + draw(r)
	}
	return Trace{Name: name, About: fmt.Sprintf("sender's clock %+g ppm, %s", ppm, jitter), Delays: fifo(d)}
}

// Write writes t in the trace format, with its name and description as
// comments.
func Write(w io.Writer, t Trace) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s: %s\n# one-way delay per packet in send order, ms, or lost; 20 ms frames\n", t.Name, t.About)
	for _, d := range t.Delays {
		if d == Lost {
			bw.WriteString("lost\n")
			continue
		}
		bw.WriteString(strconv.FormatFloat(d, 'f', 3, 64))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Read reads a trace in the format of `opusrt simulate --trace` (it uses
// the same parser): one line per packet in send order, its one-way delay
// in milliseconds or "lost", blank lines and '#' comments ignored. The
// trace is named name.
func Read(r io.Reader, name string) (Trace, error) {
	t, err := netsim.ParseTrace(r)
	if err != nil {
		return Trace{}, err
	}
	d := make([]float64, t.Len())
	for i := range d {
		delay, ok := t.Delay(i)
		d[i] = Lost
		if ok {
			d[i] = float64(delay) / float64(time.Millisecond)
		}
	}
	return Trace{Name: name, About: "trace file " + name, Delays: d}, nil
}

// Repeat returns t's delays repeated (or cut) to n packets, as `opusrt
// simulate --trace` repeats a trace for a longer input.
func Repeat(t Trace, n int) Trace {
	d := make([]float64, n)
	for i := range d {
		d[i] = t.Delays[i%len(t.Delays)]
	}
	t.Delays = d
	return t
}
