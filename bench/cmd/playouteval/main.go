// Command playouteval plays the generated network traces of package traces
// through opusrt's RealtimeBuffer on a manual clock, adaptively and at a
// range of fixed delays, and prints a table of adaptive playout against the
// best fixed delay in hindsight for each trace.
//
// Damage is what a listener hears as a fault: frames late (they arrived
// after their slot was played), concealment slots inserted to grow the
// delay, and frames removed to shrink it, in % of the packets sent. (The
// network's own losses are the same for every run and are left out;
// removed loss slots, which cut only concealment, are not damage.)
// Latency is mouth to ear on the receiver's clock: when a frame played
// minus when it was sent, mean and 95th percentile.
//
// The best fixed delay in hindsight is the one with the least cost, damage
// in % plus the mean latency in tens of ms: 1 % of frames damaged weighs as
// much as 10 ms of latency. The table also shows the least fixed delay that
// damages no more than adaptive playout does, and its latency.
//
// Usage:
//
//	go run ./cmd/playouteval                  # 10 minutes of 20 ms frames per trace
//	go run ./cmd/playouteval -minutes 60      # an hour
//	go run ./cmd/playouteval -write traces/   # also write the traces, for opusrt simulate --trace
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/haivivi/giztoy/bench/internal/traces"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

func main() {
	minutes := flag.Float64("minutes", 10, "audio per trace, in minutes")
	write := flag.String("write", "", "directory to write the traces into (trace format of opusrt simulate --trace)")
	minDelay := flag.Duration("min-delay", 0, "adaptive playout's minimum delay")
	maxDelay := flag.Duration("max-delay", 2*time.Second, "adaptive playout's maximum delay")
	flag.Parse()
	n := int(time.Duration(*minutes*float64(time.Minute)) / traces.FrameDuration)
	if err := run(os.Stdout, n, *write, *minDelay, *maxDelay); err != nil {
		fmt.Fprintln(os.Stderr, "playouteval:", err)
		os.Exit(1)
	}
}

// fixedDelays are the fixed playout delays tried per trace.
var fixedDelays = func() []time.Duration {
	var d []time.Duration
	for ms := 0; ms <= 300; ms += 20 {
		d = append(d, time.Duration(ms)*time.Millisecond)
	}
	return append(d, 400*time.Millisecond, 500*time.Millisecond, 700*time.Millisecond)
}()

func run(w io.Writer, n int, dir string, minDelay, maxDelay time.Duration) error {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "trace\tadaptive: damage %%\tlate after 1 min %%\tlate\tins\trem\tlat mean\tp95\t\tbest fixed\tdamage %%\tlat mean\tp95\t\tfixed ≤ adaptive's damage\tlat mean\t\n")
	for _, tr := range traces.All(n) {
		if dir != "" {
			if err := writeTrace(filepath.Join(dir, tr.Name+".trace"), tr); err != nil {
				return err
			}
		}
		ad := play(tr, opusrt.WithPlayoutDelay(opusrt.DefaultPlayoutDelay), opusrt.WithAdaptivePlayout(minDelay, maxDelay))
		var best, match *result
		var bestDelay, matchDelay time.Duration
		for _, d := range fixedDelays {
			r := play(tr, opusrt.WithPlayoutDelay(d))
			if best == nil || r.cost() < best.cost() {
				best, bestDelay = &r, d
			}
			if match == nil && r.damage() <= ad.damage() {
				match, matchDelay = &r, d
			}
		}
		matchCol := "none\t"
		if match != nil {
			matchCol = fmt.Sprintf("%v\t%.0f ms", matchDelay, match.latMean)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%d\t%d\t%d\t%.0f ms\t%.0f ms\t\t%v\t%.2f\t%.0f ms\t%.0f ms\t\t%s\t\n",
			tr.Name, ad.damage(), ad.late1m, ad.late, ad.inserted, ad.removed, ad.latMean, ad.latP95,
			bestDelay, best.damage(), best.latMean, best.latP95, matchCol)
	}
	return tw.Flush()
}

func writeTrace(path string, tr traces.Trace) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := traces.Write(f, tr); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// result is one playout of a trace.
type result struct {
	sent, late, inserted, removed int
	latMean, latP95               float64 // ms
	late1m                        float64 // % of the packets sent after the first minute that were late
}

// damage is late + inserted + removed, in % of the packets sent.
func (r result) damage() float64 {
	return 100 * float64(r.late+r.inserted+r.removed) / float64(r.sent)
}

// cost weighs 1 % of damage as 10 ms of mean latency.
func (r result) cost() float64 { return r.damage() + r.latMean/10 }

// frame returns packet i's frame: a 20 ms SILK frame carrying i, marked
// active in talk spurts of 3 s and inactive in the 1 s pauses between them,
// as a voice encoder's VAD would.
func frame(i int) opusrt.Frame {
	vad := byte(0x80)
	if i%200 >= 150 {
		vad = 0
	}
	return opusrt.Frame{9 << 3, vad, byte(i >> 16), byte(i >> 8), byte(i)}
}

func frameIndex(f opusrt.Frame) int { return int(f[2])<<16 | int(f[3])<<8 | int(f[4]) }

// play runs a trace through a RealtimeBuffer on a manual clock on one
// goroutine: arrivals and due events in time order, an arrival at a due
// time first.
func play(tr traces.Trace, opts ...opusrt.RealtimeOption) result {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), append([]opusrt.RealtimeOption{opusrt.WithClock(clk)}, opts...)...)
	type arrival struct {
		at time.Duration
		i  int
	}
	var arrivals []arrival
	for i, d := range tr.Delays {
		if d != traces.Lost {
			at := time.Duration(i)*traces.FrameDuration + time.Duration(d*float64(time.Millisecond))
			arrivals = append(arrivals, arrival{at, i})
		}
	}
	slices.SortStableFunc(arrivals, func(a, b arrival) int { return int(a.at - b.at) })
	stamped := make([]byte, 0, 32)
	var lat []float64
	lateAfter1m := 0
	next, closed := 0, false
	for {
		due, ok := rtb.NextDue()
		if next < len(arrivals) && (!ok || !t0.Add(arrivals[next].at).After(due)) {
			a := arrivals[next]
			next++
			clk.Set(t0.Add(a.at))
			stamped = opusrt.AppendStamped(stamped[:0], frame(a.i), opusrt.EpochMillis(1_000_000+20*a.i))
			_, err := rtb.Write(stamped) // late frames are counted in Stats
			if a.at >= time.Minute && errors.Is(err, opusrt.ErrDisorderedPacket) {
				lateAfter1m++
			}
			continue
		}
		if next == len(arrivals) && !closed {
			rtb.CloseWrite()
			closed = true
			continue
		}
		if !ok {
			break
		}
		if due.After(clk.Now()) {
			clk.Set(due)
		}
		f, _, err := rtb.TryFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if f != nil {
			sent := time.Duration(frameIndex(f)) * traces.FrameDuration
			lat = append(lat, float64(clk.Now().Sub(t0)-sent)/float64(time.Millisecond))
		}
	}
	s := rtb.Stats()
	r := result{
		sent:     len(tr.Delays),
		late:     int(s.PacketsLate),
		inserted: int(s.InsertedSamplesForDeceleration / 960),
		removed:  int(s.PacketsRemoved),
		late1m:   100 * float64(lateAfter1m) / float64(max(1, len(tr.Delays)-int(time.Minute/traces.FrameDuration))),
	}
	if len(lat) > 0 {
		sum := 0.0
		for _, l := range lat {
			sum += l
		}
		r.latMean = sum / float64(len(lat))
		slices.Sort(lat)
		r.latP95 = lat[len(lat)*95/100]
	}
	return r
}
