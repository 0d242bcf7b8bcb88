package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
)

func TestSimulateNoArguments(t *testing.T) {
	r := runOpusrt(t, nil, "simulate")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The 8 s sample is too short for a skew: none is made up.
	for _, want := range []string{"speech.opus", "sent", "409", "received", "played", "late", "duplicate", "concealed", "jitter", "latency mean", "latency p95", "Add -o",
		"sender clock skew                  -  not estimated"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
}

// checkCounts checks that a summary's counts add up.
func checkCounts(t *testing.T, s simSummary) {
	t.Helper()
	if got := uint64(s.Sent - s.LostInNetwork + s.DuplicatedByNetwork); s.Received != got {
		t.Errorf("received %d, want sent − lost + duplicated = %d", s.Received, got)
	}
	if got := s.Played + s.Late + s.Duplicate + s.Dropped + s.Resynced + s.Cleared + s.Removed + uint64(s.Buffered); got != s.Received {
		t.Errorf("played+late+duplicate+dropped+resynced+cleared+removed+buffered = %d, want received %d", got, s.Received)
	}
	if got := int(s.Played) + s.NotPlayed.total(); got < s.Sent {
		t.Errorf("played %d + not played %+v = %d, want at least sent %d", s.Played, s.NotPlayed, got, s.Sent)
	}
}

// checkHeard checks that the output is what was heard: the frames played,
// the losses and inserted slots concealed, and the input's audio before
// the first frame and after the last; a discontinuity adds nothing. (The
// slots inserted after the last frame are not heard: the input's tail is
// filled instead; loss fills are rounded to whole frames.)
func checkHeard(t *testing.T, s simSummary) {
	t.Helper()
	heard := s.PlayedMs + s.ConcealedMs + s.FilledOutsideMs + s.InsertedMs
	if d := heard - s.OutputMs; d < -20 || d > s.InsertedMs+20 {
		t.Errorf("output %v ms, but played %v + concealed %v + filled %v + inserted %v = %v ms",
			s.OutputMs, s.PlayedMs, s.ConcealedMs, s.FilledOutsideMs, s.InsertedMs, heard)
	}
}

func TestSimulateOutputDecodesToInputLength(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default", []string{"--playout", "fixed"}},
		{"bursty-heavy-tail", []string{"--playout", "fixed", "--loss", "15", "--burst", "4", "--jitter", "30ms", "--jitter-dist", "lognormal", "--reorder", "5", "--duplicate", "5", "--seed", "7"}},
		{"first-and-last-lost", []string{"--playout", "fixed", "--loss", "60", "--burst", "20", "--seed", "2"}},
		{"all-lost", []string{"--loss", "100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "heard.opus")
			in := sample(t, samples.Speech)
			r := runOpusrt(t, nil, append([]string{"simulate", in, "-o", out, "--json"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var s simSummary
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
			}
			checkCounts(t, s)
			checkHeard(t, s)
			ref, _ := samples.Reference(samples.Speech)
			if s.Sent != ref.Packets {
				t.Errorf("sent %d, want %d", s.Sent, ref.Packets)
			}
			// Inserted and removed audio (a fixed delay follows the
			// network's delay steps too) change the output's length.
			adapted := s.InsertedMs+s.RemovedMs > 0
			if !adapted && s.OutputMs != s.InputMs {
				t.Errorf("output %v ms, input %v ms", s.OutputMs, s.InputMs)
			}
			if rep := tooltest.OpusInfo(t, out); !rep.Clean() {
				t.Errorf("opusinfo: %s", rep.Problems())
			}
			// opusdec drops the pre-skip and the end trimming, which is
			// carried over from the input.
			dec := tooltest.OpusDec(t, out)
			if want := decodedLength(s); dec.Samples != want || !adapted && want != int(ref.PlaybackSamples) {
				t.Errorf("decoded %d samples, want %d (input playback %d)", dec.Samples, want, ref.PlaybackSamples)
			}
			if len(dec.Warnings) > 0 {
				t.Errorf("opusdec warnings: %v", dec.Warnings)
			}
		})
	}
}

func TestSimulateOtherFrameSizes(t *testing.T) {
	for _, name := range []string{samples.Frames2500us, samples.Frames60ms, samples.FFmpeg120ms, samples.ChainedMixed} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "heard.opus")
			r := runOpusrt(t, nil, "simulate", sample(t, name), "-o", out, "--json", "--loss", "10", "--reorder", "5", "--playout", "fixed")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var s simSummary
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				t.Fatal(err)
			}
			checkCounts(t, s)
			checkHeard(t, s)
			ref, _ := samples.Reference(name)
			dec := tooltest.OpusDec(t, out)
			want := decodedLength(s)
			if name == samples.ChainedMixed {
				// Links kept, each with its pre-skip and trimming: a
				// run that adapted nothing decodes as the input does.
				if s.InsertedMs+s.RemovedMs > 0 {
					t.Fatalf("the run inserted %v ms and removed %v ms: this network should adapt nothing", s.InsertedMs, s.RemovedMs)
				}
				want = int(ref.PlaybackSamples)
				if rep := tooltest.OpusInfo(t, out); !rep.Clean() {
					t.Errorf("opusinfo: %s", rep.Problems())
				}
			}
			if dec.Samples != want {
				t.Errorf("decoded %d samples, want %d (input playback %d)", dec.Samples, want, ref.PlaybackSamples)
			}
			// The buffer's losses are measured between whole-millisecond
			// stamps: with 2.5 ms frames they may add a little.
			if d := math.Abs(s.OutputMs - s.InputMs - s.InsertedMs + s.RemovedMs); d > s.InputMs/200 {
				t.Errorf("output %v ms; input %v ms + inserted %v ms − removed %v ms", s.OutputMs, s.InputMs, s.InsertedMs, s.RemovedMs)
			}
		})
	}
}

func abs(n int) int { return max(n, -n) }

// decodedLength returns the samples (48 kHz) a decoder makes of a
// simulation's output: all of it less the pre-skip and the end trimming.
func decodedLength(s simSummary) int {
	return int(math.Round((s.OutputMs-s.OutputTrimMs)*48)) - 312
}

func TestSimulateSeedRepeats(t *testing.T) {
	args := []string{"simulate", "--json", "--loss", "20", "--burst", "3", "--reorder", "10", "--seed", "99"}
	a, b := runOpusrt(t, nil, args...), runOpusrt(t, nil, args...)
	if a.code != 0 || a.stdout != b.stdout {
		t.Errorf("two runs with one seed differ:\n%s\n%s", a.stdout, b.stdout)
	}
	c := runOpusrt(t, nil, append(args[:len(args)-1], "100")...)
	if c.stdout == a.stdout {
		t.Error("another seed gave the same run")
	}
}

func TestSimulatePipes(t *testing.T) {
	data, _ := samples.ReadFile(samples.Speech)
	r := runOpusrt(t, data, "simulate", "-", "-o", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "OggS") || !strings.Contains(r.stderr, "sent") {
		t.Errorf("stdout should be Ogg and the summary on stderr; stderr:\n%s", r.stderr)
	}
	path := tooltest.WriteTemp(t, "piped.opus", []byte(r.stdout))
	if rep := tooltest.OpusInfo(t, path); !rep.Clean() {
		t.Errorf("opusinfo: %s", rep.Problems())
	}
}

func TestSimulateBadInput(t *testing.T) {
	dir := t.TempDir()
	notOgg := filepath.Join(dir, "x.opus")
	os.WriteFile(notOgg, []byte("hello"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing", []string{"simulate", filepath.Join(dir, "nope.opus")}, 1, "no such file"},
		{"not-ogg", []string{"simulate", notOgg}, 1, "not an Ogg stream"},
		{"loss-range", []string{"simulate", "--loss", "150"}, 2, "--loss 150"},
		{"loss-word", []string{"simulate", "--loss", "lots"}, 2, "invalid argument"},
		{"dist", []string{"simulate", "--jitter-dist", "cauchy"}, 2, "unknown distribution"},
		{"negative-delay", []string{"simulate", "--delay", "-5ms"}, 2, "must not be negative"},
		{"plot-format", []string{"simulate", "--plot", "timeline.txt"}, 2, "--plot timeline.txt"},
		{"two-inputs", []string{"simulate", "a", "b"}, 2, "one input file"},
		{"bad-output-dir", []string{"simulate", "-o", filepath.Join(dir, "no", "such", "dir.opus")}, 1, "/no/such does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, tc.args...), tc.code, tc.want)
		})
	}
}

func TestSimulatePlot(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "timeline.svg")
	r := runOpusrt(t, nil, "simulate", "--plot", svg, "--loss", "10", "--reorder", "5")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "send time (s)", "lost in the network", "played: actual delay (", "target delay"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

// A packet more than 5 s behind the playout position is a restarted sender
// to the buffer: it resyncs, drops what it holds and plays the new packet.
// simulate takes whatever order the buffer plays in, counts the resyncs, and
// still writes the input's timeline.
func TestSimulateResyncs(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"pareto-3s", []string{"--jitter", "3s"}},
		{"uniform-10s", []string{"--jitter", "10s", "--jitter-dist", "uniform"}},
		{"reorder-6s", []string{"--reorder", "50", "--reorder-delay", "6s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "heard.opus")
			r := runOpusrt(t, nil, append([]string{"simulate", sample(t, samples.Speech), "-o", out, "--json"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var s simSummary
			if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
			}
			checkCounts(t, s)
			checkHeard(t, s)
			if tc.name == "reorder-6s" && (s.Resyncs == 0 || s.Resynced == 0 || s.Discontinuities == 0) {
				t.Errorf("resyncs %d, resynced %d, discontinuities %d: want some", s.Resyncs, s.Resynced, s.Discontinuities)
			}
			if rep := tooltest.OpusInfo(t, out); !rep.Clean() {
				t.Errorf("opusinfo: %s", rep.Problems())
			}
		})
	}
	r := runOpusrt(t, nil, "simulate", "--reorder", "50", "--reorder-delay", "6s")
	if r.code != 0 || !strings.Contains(r.stdout, "resynced") || !strings.Contains(r.stdout, "resync(s)") {
		t.Errorf("exit %d; the summary does not show the resyncs:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A run that fails leaves an existing output file as it was, and no
// temporary file; one that succeeds replaces it, keeping its mode.
func TestSimulateOutputReplacedOnlyOnSuccess(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "heard.opus")
	if err := os.WriteFile(out, []byte("keep me"), 0o640); err != nil {
		t.Fatal(err)
	}
	notOgg := filepath.Join(dir, "x.opus")
	os.WriteFile(notOgg, []byte("hello"), 0o644)
	checkOneLineError(t, runOpusrt(t, nil, "simulate", notOgg, "-o", out), 1, "not an Ogg stream")

	// Fails after the output was created.
	o, err := createOutput(&env{}, out, true)
	if err != nil {
		t.Fatal(err)
	}
	o.WriteString("half a file")
	o.Flush()
	o.Abort()
	if data, _ := os.ReadFile(out); string(data) != "keep me" {
		t.Errorf("a failed run changed the existing file: %q", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("files left behind: %v", ents)
	}

	r := runOpusrt(t, nil, "simulate", "--jitter", "3s", "-o", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o640 || st.Size() < 1000 {
		t.Errorf("output not replaced as it should be: %v %v", st, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("files left behind: %v", ents)
	}
}

// What was concealed is what was not played between the first and the last
// packet played: the underrun while waiting for the last arrivals, past the
// input's end, is not concealment, and a late duplicate of a played packet
// is no packet missing.
func TestSimulateConcealedAddsUp(t *testing.T) {
	for _, args := range [][]string{
		{"--playout", "fixed"},
		{"--playout", "fixed", "--seed", "5", "--reorder", "5", "--duplicate", "20"},
		{"--playout", "fixed", "--loss", "60", "--burst", "20", "--seed", "2", "--reorder", "10", "--duplicate", "10"},
		{"--playout", "fixed", "--loss", "10", "--jitter", "40ms", "--seed", "3"},
	} {
		r := runOpusrt(t, nil, append([]string{"simulate", "--json"}, args...)...)
		var s simSummary
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatalf("%v: bad JSON: %v\n%s%s", args, err, r.stdout, r.stderr)
		}
		checkCounts(t, s)
		np := s.NotPlayed
		if between := uint64(np.Lost + np.Late + np.Discarded); s.Concealed != between {
			t.Errorf("%v: concealed %d packets, but %d between the first and last played were not played (%+v)", args, s.Concealed, between, np)
		}
		if got := int(s.Played+s.Concealed) + np.Outside; got != s.Sent {
			t.Errorf("%v: played %d + concealed %d + before/after %d = %d, want sent %d", args, s.Played, s.Concealed, np.Outside, got, s.Sent)
		}
		if got := s.PlayedMs + s.ConcealedMs + s.FilledOutsideMs; got != s.InputMs || s.PlayedMs != float64(s.Played)*20 {
			t.Errorf("%v: played + concealed + filled = %v ms, want the input's %v ms", args, got, s.InputMs)
		}
		text := runOpusrt(t, nil, append([]string{"simulate"}, args...)...).stdout
		want := fmt.Sprintf("(not played: lost %d + late %d", np.Lost, np.Late)
		if !strings.Contains(text, want) {
			t.Errorf("%v: text lacks %q:\n%s", args, want, text)
		}
	}
}

// --jitter is documented as what it is: each packet's own draw, in a queue
// that holds closely spaced packets behind a slow one.
func TestJitterDocumented(t *testing.T) {
	r := runOpusrt(t, nil, "simulate", "--help")
	for _, want := range []string{"Network model:", "the link is a queue", "pile up", "--reorder-delay more"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("simulate --help lacks %q", want)
		}
	}
	r = runOpusrt(t, nil, "send", "--help")
	if !strings.Contains(r.stdout, "the link is a queue") {
		t.Errorf("send --help does not say what --jitter is:\n%s", r.stdout)
	}
}

// recv's summary names every fate of a received packet, so its counts add up.
func TestRecvSummaryAddsUp(t *testing.T) {
	s := recvSummary{Listen: "127.0.0.1:7400", Sender: "127.0.0.1:5000", Received: 100, Played: 80, Late: 5,
		Duplicate: 3, Dropped: 2, Resynced: 10, Resyncs: 1, Output: "rec.opus", Stopped: "interrupted"}
	var b strings.Builder
	printRecvSummary(&b, s)
	for _, want := range []string{"received 100", "played 80", "late 5", "duplicate 3", "dropped 2", "resynced 10 (1 resyncs)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q: %s", want, b.String())
		}
	}
	data, _ := json.Marshal(s)
	if !strings.Contains(string(data), `"resyncs":1`) {
		t.Errorf("JSON lacks resyncs: %s", data)
	}
}
