package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
)

// One seed gives one file, byte for byte: the serial is derived from it
// unless --serial sets it.
func TestSimulateSerial(t *testing.T) {
	dir := t.TempDir()
	outs := map[string]string{}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"a", []string{"--seed", "7"}},
		{"b", []string{"--seed", "7"}},
		{"seed-8", []string{"--seed", "8"}},
		{"serial", []string{"--seed", "7", "--serial", "1234"}},
	} {
		out := filepath.Join(dir, tc.name+".opus")
		r := runOpusrt(t, nil, append([]string{"simulate", "-o", out}, tc.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, r.code, r.stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		outs[tc.name] = string(data)
	}
	if outs["a"] != outs["b"] {
		t.Error("two runs with one seed wrote different bytes")
	}
	if outs["a"] == outs["seed-8"] {
		t.Error("another seed wrote the same bytes")
	}
	serial := func(name string) uint32 {
		// The serial is bytes 14–17 of the first page, little-endian.
		b := []byte(outs[name][14:18])
		return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
	}
	if got := serial("serial"); got != 1234 {
		t.Errorf("--serial 1234 wrote serial %d", got)
	}
	if got, want := serial("a"), serialFromSeed(7); got != want {
		t.Errorf("--seed 7 wrote serial %d, want %d", got, want)
	}
}

func TestSimulatePlayoutFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"mode", []string{"--playout", "elastic"}, `--playout "elastic": want adaptive or fixed`},
		{"min-with-fixed", []string{"--playout", "fixed", "--min-delay", "10ms"}, "--min-delay is for --playout adaptive"},
		{"min-over-max", []string{"--min-delay", "300ms", "--max-delay", "200ms"}, "--min-delay 300ms is more than --max-delay 200ms"},
		{"negative", []string{"--playout-delay", "-1ms"}, "--playout-delay -1ms: must not be negative"},
		{"huge", []string{"--playout-delay", "3m"}, "--playout-delay 3m0s: more than the buffer holds"},
		{"sweep-output", []string{"--sweep", "-o", "x.opus"}, "--sweep runs the network many times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, append([]string{"simulate"}, tc.args...)...), 2, tc.want)
		})
	}
	s := simJSON(t, nil, "--playout", "fixed", "--playout-delay", "100ms")
	if s.Playout != "fixed" || s.PlayoutDelayMs != 100 {
		t.Errorf("playout %q, delay %v ms; want fixed, 100", s.Playout, s.PlayoutDelayMs)
	}
	// Adaptive by default, within its bounds: on a jittery network it
	// moves its delay (inserts or removes), a fixed one keeps it.
	net := []string{"--jitter", "40ms", "--duration", "2m"}
	a := simJSON(t, nil, net...)
	if a.Playout != "adaptive" || a.InsertedMs+a.RemovedMs == 0 || a.TargetDelayMs < 20 || a.TargetDelayMs > 2000 {
		t.Errorf("default: playout %q, inserted %v ms, removed %v ms, target %v ms; want adaptive moving within 20 ms–2 s",
			a.Playout, a.InsertedMs, a.RemovedMs, a.TargetDelayMs)
	}
	capped := simJSON(t, nil, append([]string{"--max-delay", "80ms", "--min-delay", "80ms"}, net...)...)
	if capped.TargetDelayMs != 80 {
		t.Errorf("--min-delay 80ms --max-delay 80ms: target %v ms", capped.TargetDelayMs)
	}
	f := simJSON(t, nil, append([]string{"--playout", "fixed"}, net...)...)
	if f.TargetDelayMs != 60 {
		t.Errorf("fixed: target %v ms, want the playout delay, 60", f.TargetDelayMs)
	}
}

// --sweep runs one network at many delays: the more delay, the fewer late
// packets and the more latency; each row is the run --playout-delay gives.
func TestSimulateSweep(t *testing.T) {
	args := []string{"--loss", "5", "--jitter", "30ms", "--seed", "3"}
	r := runOpusrt(t, nil, append([]string{"simulate", "--sweep", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rows []simSummary
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	fixed := 0
	for i, s := range rows {
		checkCounts(t, s)
		if s.Playout != playoutFixed {
			continue
		}
		fixed++
		if i > 0 && (s.Late > rows[i-1].Late || s.LatencyMeanMs <= rows[i-1].LatencyMeanMs) {
			t.Errorf("%v ms: late %d, latency %v ms after %v ms: late %d, latency %v ms",
				s.PlayoutDelayMs, s.Late, s.LatencyMeanMs, rows[i-1].PlayoutDelayMs, rows[i-1].Late, rows[i-1].LatencyMeanMs)
		}
	}
	if fixed != len(sweepDelays) {
		t.Errorf("%d fixed rows, want %d", fixed, len(sweepDelays))
	}
	one := simJSON(t, nil, append([]string{"--playout", "fixed", "--playout-delay", "100ms"}, args...)...)
	if one != rows[4] {
		t.Errorf("the 100 ms row differs from a run at 100 ms:\n%+v\n%+v", rows[4], one)
	}

	// The table, from stdin read once.
	data, _ := samples.ReadFile(samples.Speech)
	text := runOpusrt(t, data, append([]string{"simulate", "-", "--sweep"}, args...)...)
	for _, want := range []string{"latency mean", "inserted", "removed", "fixed +20 ms", "fixed +500 ms", "adaptive +from 60 ms", "The least fixed delay with at most 1% late:"} {
		if !regexp.MustCompile(want).MatchString(text.stdout) {
			t.Errorf("table lacks %q:\n%s%s", want, text.stdout, text.stderr)
		}
	}
	if !bytes.Contains([]byte(text.stdout), []byte("(stdin)")) {
		t.Errorf("table does not name stdin:\n%s", text.stdout)
	}
}

// Every row of --sweep is the run of its own: on a trace and on the
// model, each fixed row equals --playout fixed --playout-delay D, and the
// adaptive row --playout adaptive, field for field.
func TestSimulateSweepRowsAreRuns(t *testing.T) {
	tr := writeTrace(t, "# a step and a spike\n40\n45\n41.5\nlost\n40\n140\n60\n300\n40\n42\n")
	for _, net := range [][]string{
		{"--trace", tr},
		{"--loss", "5", "--jitter", "30ms", "--seed", "9", "--drift", "-500"},
	} {
		r := runOpusrt(t, nil, append([]string{"simulate", "--sweep", "--json"}, net...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", net, r.code, r.stderr)
		}
		var rows []simSummary
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(sweepDelays)+1 {
			t.Fatalf("%v: %d rows, want %d", net, len(rows), len(sweepDelays)+1)
		}
		for i, row := range rows {
			args := []string{"--playout", "adaptive"}
			if i < len(sweepDelays) {
				args = []string{"--playout", "fixed", "--playout-delay", sweepDelays[i].String()}
			}
			if one := simJSON(t, nil, append(args, net...)...); one != row {
				t.Errorf("%v: row %d differs from %v:\n%+v\n%+v", net, i, args, row, one)
			}
		}
	}
}

// The help names every field of the JSON summary.
func TestSimulateHelpNamesJSONFields(t *testing.T) {
	r := runOpusrt(t, nil, "simulate", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, typ := range []reflect.Type{reflect.TypeOf(simSummary{}), reflect.TypeOf(notPlayed{})} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if !regexp.MustCompile(`\b` + name + `\b`).MatchString(r.stdout) {
				t.Errorf("the help does not name the JSON field %q", name)
			}
		}
	}
}
