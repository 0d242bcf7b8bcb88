// Command playouteval plays network traces through opusrt's RealtimeBuffer
// on a manual clock, adaptively and at a range of fixed delays, and prints
// adaptive playout beside the comparators of issue 9: the best fixed delay
// in hindsight, the best truly constant schedule in hindsight, and a
// reference model of NetEq's rules (package neteqmodel), on the same traces.
//
// Damage is what a listener hears as a fault: frames late (they arrived
// after their slot was played), concealment slots inserted to grow the
// delay, and frames removed to shrink it, in % of the packets sent. (The
// network's own losses are the same for every run and are left out;
// removed loss slots, which cut only concealment, are not damage.)
// Latency is mouth to ear on the receiver's clock: when a frame played
// minus when it was sent, mean and 95th percentile.
//
// A run's cost is its damage in % plus its mean latency over a weight:
// cost10 = damage % + latency / 10 ms (1 % of frames damaged weighs as
// much as 10 ms of latency: a conversation), cost50 = damage % + latency /
// 50 ms (latency cheap: streaming, announcements). The best fixed delay
// (the library's fixed playout, which follows drift and steps) is the one
// of least cost10; the table also shows the least fixed delay that
// damages no more than adaptive playout does, and its latency. The second
// table gives each run's two costs (for the fixed delays and the constant
// schedule, the least over the delays tried, each weighting its own best),
// the NetEq model's run, and the best constant schedule for each weighting:
// play time = send time + the trace's least one-way delay + D, one D for
// the whole trace (package constsched).
//
// Usage:
//
//	go run ./cmd/playouteval                  # 10 minutes of 20 ms frames per trace
//	go run ./cmd/playouteval -minutes 60      # an hour
//	go run ./cmd/playouteval -write traces/   # also write the traces, for opusrt simulate --trace
//	go run ./cmd/playouteval -trace a.trace,b.trace -trace c.trace   # trace files instead of the battery
//	go run ./cmd/playouteval -json            # one JSON object per trace, for scripts
//
// A trace file is in the format of `opusrt simulate --trace`; it plays
// once, at its own length, or repeated (or cut) to -minutes when that is
// given.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haivivi/giztoy/bench/internal/constsched"
	"github.com/haivivi/giztoy/bench/internal/latency"
	"github.com/haivivi/giztoy/bench/internal/neteqmodel"
	"github.com/haivivi/giztoy/bench/internal/traces"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// traceFlag collects -trace: repeatable, each a comma-separated list.
type traceFlag []string

func (f *traceFlag) String() string { return strings.Join(*f, ",") }

func (f *traceFlag) Set(s string) error {
	for _, name := range strings.Split(s, ",") {
		if name = strings.TrimSpace(name); name != "" {
			*f = append(*f, name)
		}
	}
	return nil
}

// config is what the flags ask for.
type config struct {
	n                  int // packets per generated trace; per trace file when minutesSet
	minutesSet         bool
	write              string
	files              []string
	json               bool
	minDelay, maxDelay time.Duration
	rules              neteqmodel.Rules
}

func main() {
	var c config
	var files traceFlag
	minutes := flag.Float64("minutes", 10, "audio per trace, in minutes (for -trace files: repeat or cut them to this; default their own length)")
	flag.StringVar(&c.write, "write", "", "directory to write the traces into (trace format of opusrt simulate --trace)")
	flag.DurationVar(&c.minDelay, "min-delay", 0, "adaptive playout's minimum delay")
	flag.DurationVar(&c.maxDelay, "max-delay", 2*time.Second, "adaptive playout's maximum delay")
	flag.Var(&files, "trace", "a trace `file` to play instead of the battery (repeatable, or a comma-separated list)")
	flag.BoolVar(&c.json, "json", false, "print one JSON object per trace instead of the tables")
	rules := flag.String("neteq", "stable", "the NetEq model's decision rules: stable (current libwebrtc) or buffer-level (before its stable delay mode)")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) { c.minutesSet = c.minutesSet || f.Name == "minutes" })
	switch *rules {
	case "stable":
		c.rules = neteqmodel.Stable
	case "buffer-level":
		c.rules = neteqmodel.BufferLevel
	default:
		fmt.Fprintf(os.Stderr, "playouteval: -neteq %q: want stable or buffer-level\n", *rules)
		os.Exit(2)
	}
	if flag.NArg() > 0 || *minutes <= 0 {
		fmt.Fprintln(os.Stderr, "playouteval: usage: playouteval [-minutes M] [-trace FILE]... [-json] [-write DIR] (see -h)")
		os.Exit(2)
	}
	c.n = max(1, int(time.Duration(*minutes*float64(time.Minute))/traces.FrameDuration))
	c.files = files
	if err := run(os.Stdout, c); err != nil {
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

// load returns the traces to play: the files, or the battery.
func load(c config) ([]traces.Trace, error) {
	if len(c.files) == 0 {
		return traces.All(c.n), nil
	}
	var out []traces.Trace
	for _, name := range c.files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		tr, err := traces.Read(f, strings.TrimSuffix(filepath.Base(name), ".trace"))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if c.minutesSet {
			tr = traces.Repeat(tr, c.n)
		}
		out = append(out, tr)
	}
	return out, nil
}

// row is one trace's runs, as printed with -json.
type row struct {
	Trace   string `json:"trace"`
	Packets int    `json:"packets"`
	Lost    int    `json:"lost"`
	// Adaptive is the library's adaptive playout.
	Adaptive score `json:"adaptive"`
	// Fixed10 and Fixed50 are the library's fixed delays of least
	// cost10 and cost50; FixedMatch the least that damages no more than
	// adaptive playout (absent when none does).
	Fixed10    score  `json:"fixed_best_cost10"`
	Fixed50    score  `json:"fixed_best_cost50"`
	FixedMatch *score `json:"fixed_match_adaptive,omitempty"`
	// NetEq is the NetEq model.
	NetEq score `json:"neteq"`
	// Const10 and Const50 are the constant schedules of least cost10 and
	// cost50 (DelayMs above the trace's least one-way delay).
	Const10 score `json:"constant_best_cost10"`
	Const50 score `json:"constant_best_cost50"`
	// FixedSweep and ConstSweep are every fixed delay tried, for the
	// library's fixed playout and for the constant schedule (D).
	FixedSweep []score `json:"fixed_sweep"`
	ConstSweep []score `json:"constant_sweep"`
}

// score is one run's figures.
type score struct {
	Rules       string   `json:"rules,omitempty"`
	DelayMs     *float64 `json:"delay_ms,omitempty"`
	Damage      float64  `json:"damage_pct"`
	Late        int      `json:"late"`
	LatePct     float64  `json:"late_pct"`
	LateAfter1m *float64 `json:"late_after_1min_pct,omitempty"`
	Inserted    int      `json:"inserted"`
	Removed     int      `json:"removed"`
	LatMean     float64  `json:"latency_mean_ms"`
	LatP95      float64  `json:"latency_p95_ms"`
	Cost10      float64  `json:"cost10"`
	Cost50      float64  `json:"cost50"`
	TargetMs    *int     `json:"target_delay_ms,omitempty"`
}

func newScore(sent, late, inserted, removed int, latMean, latP95 float64) score {
	s := score{Late: late, Inserted: inserted, Removed: removed, LatMean: latMean, LatP95: latP95}
	if sent > 0 {
		s.Damage = 100 * float64(late+inserted+removed) / float64(sent)
		s.LatePct = 100 * float64(late) / float64(sent)
	}
	s.Cost10, s.Cost50 = s.Damage+latMean/10, s.Damage+latMean/50
	return s
}

func (r result) score() score {
	return newScore(r.sent, r.late, r.inserted, r.removed, r.latMean, r.latP95)
}

func constScore(r constsched.Result) score {
	s := newScore(r.Sent, r.Late, 0, 0, r.Latency, r.Latency)
	s.DelayMs = &r.D
	return s
}

func withDelay(s score, d time.Duration) score {
	ms := float64(d) / float64(time.Millisecond)
	s.DelayMs = &ms
	return s
}

// evaluate plays one trace every way.
func evaluate(tr traces.Trace, c config) row {
	ad := play(tr, opusrt.WithPlayoutDelay(opusrt.DefaultPlayoutDelay), opusrt.WithAdaptivePlayout(c.minDelay, c.maxDelay))
	rw := row{Trace: tr.Name, Packets: len(tr.Delays), Adaptive: ad.score()}
	rw.Adaptive.LateAfter1m = &ad.late1m
	for _, d := range tr.Delays {
		if d == traces.Lost {
			rw.Lost++
		}
	}
	first := true
	for _, d := range fixedDelays {
		s := withDelay(play(tr, opusrt.WithPlayoutDelay(d)).score(), d)
		if first || s.Cost10 < rw.Fixed10.Cost10 {
			rw.Fixed10 = s
		}
		if first || s.Cost50 < rw.Fixed50.Cost50 {
			rw.Fixed50 = s
		}
		if rw.FixedMatch == nil && s.Damage <= rw.Adaptive.Damage {
			rw.FixedMatch = &s
		}
		first = false
		rw.FixedSweep = append(rw.FixedSweep, s)
		rw.ConstSweep = append(rw.ConstSweep, constScore(constsched.At(tr.Delays, float64(d)/float64(time.Millisecond))))
	}
	nq := neteqmodel.Run(tr.Delays, neteqmodel.Config{Rules: c.rules})
	rw.NetEq = newScore(nq.Sent, nq.Late, nq.Inserted, nq.Removed, nq.LatMean, nq.LatP95)
	rw.NetEq.Rules, rw.NetEq.TargetMs = c.rules.String(), &nq.TargetMs
	rw.Const10 = constScore(constsched.Best(tr.Delays, 10))
	rw.Const50 = constScore(constsched.Best(tr.Delays, 50))
	return rw
}

func run(w io.Writer, c config) error {
	if c.write != "" {
		if err := os.MkdirAll(c.write, 0o755); err != nil {
			return err
		}
	}
	trs, err := load(c)
	if err != nil {
		return err
	}
	var rows []row
	for _, tr := range trs {
		if c.write != "" {
			if err := writeTrace(filepath.Join(c.write, tr.Name+".trace"), tr); err != nil {
				return err
			}
		}
		rw := evaluate(tr, c)
		if c.json {
			b, err := json.Marshal(rw)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
				return err
			}
			continue
		}
		rows = append(rows, rw)
	}
	if c.json {
		return nil
	}
	return printTables(w, rows)
}

func printTables(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "trace\tadaptive: damage %%\tlate after 1 min %%\tlate\tins\trem\tlat mean\tp95\t\tbest fixed\tdamage %%\tlat mean\tp95\t\tfixed ≤ adaptive's damage\tlat mean\t\n")
	for _, r := range rows {
		ad, best := r.Adaptive, r.Fixed10
		matchCol := "none\t"
		if m := r.FixedMatch; m != nil {
			matchCol = fmt.Sprintf("%v\t%.0f ms", ms(*m.DelayMs), m.LatMean)
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%d\t%d\t%d\t%.0f ms\t%.0f ms\t\t%v\t%.2f\t%.0f ms\t%.0f ms\t\t%s\t\n",
			r.Trace, ad.Damage, *ad.LateAfter1m, ad.Late, ad.Inserted, ad.Removed, ad.LatMean, ad.LatP95,
			ms(*best.DelayMs), best.Damage, best.LatMean, best.LatP95, matchCol)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	rules := ""
	if len(rows) > 0 {
		rules = " (" + rows[0].NetEq.Rules + ")"
	}
	fmt.Fprintf(tw, "trace\tadaptive: cost10\tcost50\t\tbest fixed: cost10\tcost50\t\tNetEq model%s: damage %%\tlate %%\tins\trem\tlat mean\tp95\tcost10\tcost50\t\tconstant for cost10: D\tlate %%\tlat\tcost10\t\tfor cost50: D\tlate %%\tlat\tcost50\t\n", rules)
	for _, r := range rows {
		ad, nq, c10, c50 := r.Adaptive, r.NetEq, r.Const10, r.Const50
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t\t%.2f\t%.2f\t\t%.2f\t%.2f\t%d\t%d\t%.0f ms\t%.0f ms\t%.2f\t%.2f\t\t%.0f ms\t%.2f\t%.0f ms\t%.2f\t\t%.0f ms\t%.2f\t%.0f ms\t%.2f\t\n",
			r.Trace, ad.Cost10, ad.Cost50, r.Fixed10.Cost10, r.Fixed50.Cost50,
			nq.Damage, nq.LatePct, nq.Inserted, nq.Removed, nq.LatMean, nq.LatP95, nq.Cost10, nq.Cost50,
			*c10.DelayMs, c10.Damage, c10.LatMean, c10.Cost10, *c50.DelayMs, c50.Damage, c50.LatMean, c50.Cost50)
	}
	return tw.Flush()
}

// ms is a delay in ms as a time.Duration, for printing.
func ms(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }

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
	r.latMean, r.latP95 = latency.MeanP95(lat)
	return r
}
