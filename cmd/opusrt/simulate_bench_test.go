package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// BenchmarkSimulateHour is "opusrt simulate --duration 1h": an hour of the
// embedded sample's 20 ms packets through the default network, summary
// only, with the command's default (adaptive) playout and a fixed one. It reports how many times faster than real time
// it runs (x-realtime), and the same from the process's CPU time
// (cpu-x-realtime), which a machine shared with other work does not skew.
func BenchmarkSimulateHour(b *testing.B) {
	nf := defaultNet
	nf.duration = time.Hour
	spec, err := nf.config()
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{playoutAdaptive, playoutFixed} {
		b.Run(mode, func(b *testing.B) {
			o := simOptions{net: spec, playout: playoutSpec{mode: mode, delay: opusrt.DefaultPlayoutDelay, minDelay: defaultMinDelay, maxDelay: defaultMaxDelay}}
			benchSimulate(b, o)
		})
	}
}

func benchSimulate(b *testing.B, o simOptions) {
	e := &env{stdout: io.Discard, stderr: io.Discard}
	b.ReportAllocs()
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		res, err := runSimulate(context.Background(), e, o)
		if err != nil {
			b.Fatal(err)
		}
		if res.sent != 180000 {
			b.Fatalf("sent %d packets, want 180000", res.sent)
		}
	}
	b.ReportMetric(float64(time.Hour)*float64(b.N)/float64(time.Since(start)), "x-realtime")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(time.Hour)*float64(b.N)/float64(cpu), "cpu-x-realtime")
	}
}
