package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// sweepDelays are the fixed delays --sweep tries.
var sweepDelays = []time.Duration{
	20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond, 80 * time.Millisecond,
	100 * time.Millisecond, 120 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond,
	300 * time.Millisecond, 500 * time.Millisecond,
}

// sweepLateTarget is the share of late packets under which --sweep names a
// fixed delay good enough.
const sweepLateTarget = 0.01

// simulateSweep runs the network of o at each of sweepDelays and, when the
// library has it, adaptively, and prints one row for each: what delay to
// use. The network is the same for every run (the same seed and trace).
func simulateSweep(ctx context.Context, e *env, o simOptions) error {
	runs := make([]simOptions, 0, len(sweepDelays)+1)
	for _, d := range sweepDelays {
		r := o
		r.playout = playoutSpec{mode: playoutFixed, delay: d}
		runs = append(runs, r)
	}
	r := o
	r.playout = playoutSpec{mode: playoutAdaptive, delay: o.playout.delay, minDelay: defaultMinDelay, maxDelay: defaultMaxDelay}
	if o.playout.mode == playoutAdaptive {
		r.playout = o.playout
	}
	runs = append(runs, r)
	// Each run reads the input again: stdin is kept to be read again.
	var stdin []byte
	if o.in == "-" {
		var err error
		if stdin, err = io.ReadAll(interruptible(ctx, e).stdin); err != nil {
			if ctx.Err() != nil {
				return errInterrupted
			}
			return fmt.Errorf("(stdin): %v", err)
		}
	}
	var rows []simSummary
	var results []*simResult
	for _, r := range runs {
		re := *e
		if stdin != nil {
			re.stdin = bytes.NewReader(stdin)
		}
		res, err := runSimulate(ctx, &re, r)
		if err != nil {
			return err
		}
		results = append(results, res)
		rows = append(rows, res.summary())
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printSweep(e.stdout, results, rows)
	return nil
}

// printSweep prints the sweep's table and names the least fixed delay that
// keeps late packets under sweepLateTarget.
func printSweep(w io.Writer, results []*simResult, rows []simSummary) {
	r0 := results[0]
	fmt.Fprintf(w, "input:    %s, %d packets, %s of audio (%v frames)\n", r0.input, r0.sent, fmtDur(r0.duration), r0.firstFrame)
	fmt.Fprintf(w, "network:  %s\n\n", r0.net)
	fmt.Fprintf(w, "  %-10s %12s %8s %14s %13s %10s %10s\n", "playout", "delay", "late", "latency mean", "latency p95", "inserted", "removed")
	best := -1
	for i, s := range rows {
		late := 0.0
		if s.Sent > 0 {
			late = float64(s.Late) / float64(s.Sent)
		}
		delay := fmt.Sprintf("%g ms", s.PlayoutDelayMs)
		if s.Playout == playoutAdaptive {
			delay = "from " + delay
		} else if best < 0 && late <= sweepLateTarget {
			best = i
		}
		fmt.Fprintf(w, "  %-10s %12s %7.1f%% %11.1f ms %10.1f ms %7.0f ms %7.0f ms\n",
			s.Playout, delay, 100*late, s.LatencyMeanMs, s.LatencyP95Ms, s.InsertedMs, s.RemovedMs)
	}
	fmt.Fprintln(w)
	if best >= 0 {
		fmt.Fprintf(w, "The least fixed delay with at most %g%% late: %g ms (latency %.1f ms mean, %.1f ms p95).\n",
			100*sweepLateTarget, rows[best].PlayoutDelayMs, rows[best].LatencyMeanMs, rows[best].LatencyP95Ms)
	} else {
		fmt.Fprintf(w, "No fixed delay up to %v keeps late packets at %g%% or less.\n", sweepDelays[len(sweepDelays)-1], 100*sweepLateTarget)
	}
}
