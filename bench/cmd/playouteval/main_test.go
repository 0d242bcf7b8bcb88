package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haivivi/giztoy/bench/internal/neteqmodel"
	"github.com/haivivi/giztoy/bench/internal/traces"
)

func TestTraceFlag(t *testing.T) {
	var f traceFlag
	for _, s := range []string{"a.trace,b.trace", "c.trace", " d , ,e"} {
		if err := f.Set(s); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.String(); got != "a.trace,b.trace,c.trace,d,e" {
		t.Errorf("traces = %q", got)
	}
}

// writeFiles writes traces into dir and returns their paths.
func writeFiles(t *testing.T, dir string, trs ...traces.Trace) []string {
	t.Helper()
	var paths []string
	for _, tr := range trs {
		p := filepath.Join(dir, tr.Name+".trace")
		if err := writeTrace(p, tr); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func TestJSONTraceFiles(t *testing.T) {
	// Two trace files, as -trace reads them, printed with -json: one
	// object per file, in order, named by the file, at the file's length;
	// each run's figures are consistent.
	all := traces.All(1500)
	dir := t.TempDir()
	files := writeFiles(t, dir, all[1], all[4]) // exponential, step-up
	var out bytes.Buffer
	if err := run(&out, config{files: files, json: true, maxDelay: 2e9, rules: neteqmodel.Stable}); err != nil {
		t.Fatal(err)
	}
	var rows []row
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Bytes())
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0].Trace != "exponential" || rows[1].Trace != "step-up" {
		t.Fatalf("rows: %+v", rows)
	}
	for _, r := range rows {
		if r.Packets != 1500 {
			t.Errorf("%s: %d packets", r.Trace, r.Packets)
		}
		for name, s := range map[string]score{"adaptive": r.Adaptive, "fixed10": r.Fixed10, "fixed50": r.Fixed50,
			"neteq": r.NetEq, "const10": r.Const10, "const50": r.Const50} {
			damage := 100 * float64(s.Late+s.Inserted+s.Removed) / float64(r.Packets)
			if math.Abs(s.Damage-damage) > 1e-9 || math.Abs(s.Cost10-(s.Damage+s.LatMean/10)) > 1e-9 ||
				math.Abs(s.Cost50-(s.Damage+s.LatMean/50)) > 1e-9 || s.LatMean <= 0 {
				t.Errorf("%s %s: %+v", r.Trace, name, s)
			}
		}
		// Each weighting's best is no worse under that weighting than
		// the other's.
		if r.Const10.Cost10 > r.Const50.Cost10+1e-9 || r.Const50.Cost50 > r.Const10.Cost50+1e-9 ||
			r.Fixed10.Cost10 > r.Fixed50.Cost10+1e-9 || r.Fixed50.Cost50 > r.Fixed10.Cost50+1e-9 {
			t.Errorf("%s: best of one weighting beaten under it: %+v %+v %+v %+v", r.Trace, r.Const10, r.Const50, r.Fixed10, r.Fixed50)
		}
		if len(r.FixedSweep) != len(fixedDelays) || len(r.ConstSweep) != len(fixedDelays) {
			t.Errorf("%s: sweeps of %d and %d delays", r.Trace, len(r.FixedSweep), len(r.ConstSweep))
		}
		for i, s := range r.ConstSweep {
			// The exact optimum is no worse than any delay of the sweep.
			if s.Cost10 < r.Const10.Cost10-1e-9 || s.Cost50 < r.Const50.Cost50-1e-9 || *s.DelayMs != *r.FixedSweep[i].DelayMs {
				t.Errorf("%s: constant at %v ms (%+v) beats the best (%+v, %+v)", r.Trace, *s.DelayMs, s, r.Const10, r.Const50)
			}
		}
		if r.NetEq.Rules != "stable" || r.NetEq.TargetMs == nil || r.Const10.DelayMs == nil || r.Adaptive.LateAfter1m == nil {
			t.Errorf("%s: fields missing: %+v", r.Trace, r)
		}
	}
}

func TestTraceFileRepeated(t *testing.T) {
	// With -minutes, a trace file is repeated to that length.
	dir := t.TempDir()
	files := writeFiles(t, dir, traces.Trace{Name: "short", About: "x", Delays: []float64{40, 45, traces.Lost, 41}})
	trs, err := load(config{files: files, n: 10, minutesSet: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(trs) != 1 || len(trs[0].Delays) != 10 || trs[0].Delays[6] != traces.Lost || trs[0].Delays[9] != 45 {
		t.Fatalf("%+v", trs)
	}
	trs, err = load(config{files: files, n: 10})
	if err != nil || len(trs[0].Delays) != 4 {
		t.Fatalf("%+v, %v", trs, err)
	}
}

func TestTraceFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.trace")
	if err := os.WriteFile(bad, []byte("40\nforty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{bad, filepath.Join(dir, "missing.trace")} {
		var out bytes.Buffer
		err := run(&out, config{files: []string{name}})
		if err == nil || !strings.Contains(err.Error(), filepath.Base(name)) {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

func TestTables(t *testing.T) {
	// The battery, short: two tables, a header and a row per trace each.
	var out bytes.Buffer
	if err := run(&out, config{n: 600, maxDelay: 2e9}); err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(strings.TrimRight(out.String(), "\n"), "\n\n")
	if len(blocks) != 2 {
		t.Fatalf("%d tables:\n%s", len(blocks), out.String())
	}
	for i, b := range blocks {
		lines := strings.Split(b, "\n")
		if len(lines) != 1+len(traces.All(10)) {
			t.Errorf("table %d: %d lines", i, len(lines))
		}
		if !strings.Contains(lines[0], "trace") || !strings.Contains(lines[2], "exponential") {
			t.Errorf("table %d:\n%s", i, b)
		}
	}
}
