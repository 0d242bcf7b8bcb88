package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// perfectNet are the flags of a network that loses, delays and reorders
// nothing.
var perfectNet = []string{"--loss", "0", "--jitter", "0", "--reorder", "0", "--duplicate", "0"}

func writeTrace(t *testing.T, text string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "trace.txt")
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func simJSON(t *testing.T, stdin []byte, args ...string) simSummary {
	t.Helper()
	r := runOpusrt(t, stdin, append([]string{"simulate", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	var s simSummary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
	}
	checkCounts(t, s)
	return s
}

// A trace is the whole network: each packet takes its line's delay or is
// lost, the trace repeating over the 409 packets of the sample.
func TestSimulateTrace(t *testing.T) {
	tr := writeTrace(t, "# every fourth packet lost from the second\n40\nlost\n\n40\n40.000\n")
	s := simJSON(t, nil, "--trace", tr)
	if s.Sent != 409 || s.LostInNetwork != 102 || s.DuplicatedByNetwork != 0 || s.Late != 0 || s.Played != 307 {
		t.Errorf("sent %d, lost %d, duplicated %d, late %d, played %d; want 409, 102, 0, 0, 307",
			s.Sent, s.LostInNetwork, s.DuplicatedByNetwork, s.Late, s.Played)
	}
	if s.NetworkDelayMeanMs != 40 || s.NetworkDelayP95Ms != 40 {
		t.Errorf("network delay mean %v ms, p95 %v ms; want 40, 40", s.NetworkDelayMeanMs, s.NetworkDelayP95Ms)
	}
	if !strings.Contains(s.Network, "--trace "+tr) {
		t.Errorf("network %q does not name the trace", s.Network)
	}

	// A delay that falls faster than packets are sent reorders them: each
	// odd packet overtakes the even one before it; none is lost.
	reorder := writeTrace(t, "100\n10\n")
	s = simJSON(t, nil, "--trace", reorder)
	if s.Sent != 409 || s.LostInNetwork != 0 || s.Received != 409 {
		t.Errorf("sent %d, lost %d, received %d; want 409, 0, 409", s.Sent, s.LostInNetwork, s.Received)
	}
	if math.Abs(s.NetworkDelayMeanMs-(205*100.0+204*10)/409) > 1e-6 {
		t.Errorf("network delay mean %v ms, want %v", s.NetworkDelayMeanMs, (205*100.0+204*10)/409)
	}
}

func TestSimulateTraceErrors(t *testing.T) {
	bad := writeTrace(t, "40\n# fine\n41\nsoon\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"parse", []string{"simulate", "--trace", bad}, 1, "--trace " + bad + ": bad trace: line 4: \"soon\": want a delay in milliseconds"},
		{"missing", []string{"simulate", "--trace", bad + ".nope"}, 1, "--trace " + bad + ".nope: no such file"},
		{"empty", []string{"simulate", "--trace", writeTrace(t, "# nothing\n")}, 1, "bad trace: no packets"},
		{"with-loss", []string{"simulate", "--trace", bad, "--loss", "5"}, 2, "--loss with --trace: a trace is the whole network"},
		{"with-jitter-dist", []string{"simulate", "--trace", bad, "--jitter-dist", "normal"}, 2, "--jitter-dist with --trace"},
		{"send-with-delay", []string{"send", "--to", "127.0.0.1:7400", "--trace", bad, "--delay", "5ms"}, 2, "--delay with --trace"},
		{"drift", []string{"simulate", "--drift", "200000"}, 2, "--drift 200000: want parts per million"},
		{"drift-nan", []string{"simulate", "--drift", "NaN"}, 2, "--drift NaN"},
		{"duration", []string{"simulate", "--duration", "-1s"}, 2, "--duration -1s: must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, tc.args...), tc.code, tc.want)
		})
	}
}

// --duration sends the input again and again, stamps going on: on a
// perfect network every packet plays, with no resync between the passes,
// and the output lasts exactly that long.
func TestSimulateDuration(t *testing.T) {
	out := filepath.Join(t.TempDir(), "heard.opus")
	s := simJSON(t, nil, append([]string{"--duration", "60s", "-o", out, "--playout", "fixed"}, perfectNet...)...)
	if s.Sent != 3000 || s.Played != 3000 || s.Resyncs != 0 || s.Concealed != 0 || s.InputMs != 60000 {
		t.Errorf("sent %d, played %d, resyncs %d, concealed %d, input %v ms; want 3000, 3000, 0, 0, 60000",
			s.Sent, s.Played, s.Resyncs, s.Concealed, s.InputMs)
	}
	if s.OutputMs != 60000 || s.OutputTrimMs != 0 {
		t.Errorf("output %v ms, trimmed %v ms; want 60000, 0 (the last pass is cut: no trim)", s.OutputMs, s.OutputTrimMs)
	}
	if dec := tooltest.OpusDec(t, out); dec.Samples != 60*48000-312 {
		t.Errorf("decoded %d samples, want %d", dec.Samples, 60*48000-312)
	}

	// Stdin is read again from memory; a duration of whole passes keeps
	// the input's end trimming.
	data, _ := samples.ReadFile(samples.Speech)
	ref, _ := samples.Reference(samples.Speech)
	s = simJSON(t, data, append([]string{"-", "--duration", "16.36s", "-o", out, "--playout", "fixed"}, perfectNet...)...)
	if s.Sent != 818 || s.Played != 818 {
		t.Errorf("stdin twice: sent %d, played %d; want 818, 818", s.Sent, s.Played)
	}
	wantTrim := 8180 - 312.0/48 - float64(ref.PlaybackSamples)/48
	if math.Abs(s.OutputTrimMs-wantTrim) > 0.001 {
		t.Errorf("trimmed %v ms, want the input's %v ms", s.OutputTrimMs, wantTrim)
	}
}

// --drift makes the sender's stamp clock run fast or slow: the stamps go
// on 20 ms a frame while the frames leave 20 ms / (1 + ppm·10⁻⁶) apart on
// the receiver's clock.
func TestSourceDrift(t *testing.T) {
	for _, ppm := range []float64{1000, -1000, 100, 0} {
		spec := netSpec{driftPPM: ppm, duration: 30 * time.Second}
		src, err := openSource(&env{}, "", sourceOptions{repeat: true, limit: spec.duration, sendTime: spec.sendTime})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			wantPos := time.Duration(n) * 20 * time.Millisecond
			wantSend := time.Duration(math.Round(float64(wantPos) / (1 + ppm/1e6)))
			if p.pos != wantPos || p.send != wantSend || !p.stamp.Time().Equal(simStart.Add(wantPos)) {
				t.Fatalf("%v ppm, packet %d: pos %v, send %v, stamp %v; want %v, %v, %v",
					ppm, n, p.pos, p.send, p.stamp.Time(), wantPos, wantSend, simStart.Add(wantPos))
			}
			n++
		}
		src.Close()
		if n != 1500 {
			t.Errorf("%v ppm: %d packets in 30 s, want 1500", ppm, n)
		}
	}
	r := runOpusrt(t, nil, append([]string{"simulate", "--drift", "-100"}, perfectNet...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "sender clock -100 ppm") {
		t.Errorf("exit %d; the summary does not show the drift:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// send shares the network and sender flags: --duration ends a repeated
// input, --trace delays each datagram by its line.
func TestSendDurationTrace(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tr := writeTrace(t, "5\nlost\n")
	r := runOpusrt(t, nil, "send", "--to", c.LocalAddr().String(), "--json", "--duration", "100ms", "--trace", tr)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var s sendSummary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Packets != 5 || s.Lost != 2 || s.Datagrams != 3 || s.AudioMs != 100 {
		t.Errorf("packets %d, lost %d, datagrams %d, audio %v ms; want 5, 2, 3, 100", s.Packets, s.Lost, s.Datagrams, s.AudioMs)
	}
	buf := make([]byte, 2000)
	for i := range 3 {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		if _, _, ok := opusrt.FromStamped(buf[:n]); !ok {
			t.Errorf("datagram %d is no stamped frame", i)
		}
	}
}

// A packet is late once, however many copies come after its slot: a late
// copy of a packet played or late already is a duplicate. Every packet
// duplicated, over a network slower than the fixed delay of 0 allows.
func TestSimulateLateOncePerPacket(t *testing.T) {
	s := simJSON(t, nil, "--duplicate", "100", "--loss", "0", "--reorder", "0", "--jitter", "40ms",
		"--playout", "fixed", "--playout-delay", "0")
	if s.DuplicatedByNetwork != s.Sent || s.Late == 0 {
		t.Fatalf("duplicated %d of %d, late %d: want every packet duplicated, some late", s.DuplicatedByNetwork, s.Sent, s.Late)
	}
	if max := uint64(s.Sent) - s.Played; s.Late > max {
		t.Errorf("late %d, but only %d of %d packets were not played", s.Late, max, s.Sent)
	}
	if want := uint64(s.NotPlayed.Late + s.NotPlayed.Outside); s.Late > want {
		t.Errorf("late %d, more than the %d packets not played (late %d, before/after %d)",
			s.Late, want, s.NotPlayed.Late, s.NotPlayed.Outside)
	}
}

// No "-0" in the JSON: a run without drift reports a skew of 0.
func TestSimulateNoNegativeZero(t *testing.T) {
	tr := writeTrace(t, "50\n")
	r := runOpusrt(t, nil, "simulate", "--json", "--trace", tr, "--playout", "fixed")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "-0,") || strings.Contains(r.stdout, "-0\n") {
		t.Errorf("JSON has a negative zero:\n%s", r.stdout)
	}
}

// One packet 6 s late is more than the resync threshold behind: the buffer
// takes it for a restarted sender, drops what it held, plays it, and jumps
// on to the packets after it. What the summary says became of each packet
// is what the buffer did: the held packets dropped are the ones not played,
// and none is counted twice.
func TestSimulateStragglerResyncs(t *testing.T) {
	tr := writeTrace(t, strings.Repeat("50\n", 100)+"6000\n"+strings.Repeat("50\n", 400))
	for _, mode := range []string{playoutFixed, playoutAdaptive} {
		s := simJSON(t, nil, "--trace", tr, "--playout", mode)
		if s.Resyncs == 0 || s.Resynced == 0 {
			t.Fatalf("%s: resyncs %d, resynced %d: the straggler did not resync", mode, s.Resyncs, s.Resynced)
		}
		if got := int(s.Played) + s.NotPlayed.total(); got != s.Sent {
			t.Errorf("%s: played %d + not played %+v = %d, want sent %d", mode, s.Played, s.NotPlayed, got, s.Sent)
		}
		if want := int(s.Resynced + s.Removed); s.NotPlayed.Discarded != want {
			t.Errorf("%s: %d discarded, want resynced %d + removed %d", mode, s.NotPlayed.Discarded, s.Resynced, s.Removed)
		}
	}
}

// Packets so late that they start a new timeline: what the buffer waited
// for them is concealed up to the resync threshold, not for an hour, and
// the input's tail is filled only past the furthest frame played.
func TestSimulateHugeDelays(t *testing.T) {
	// Every other packet an hour late: played after an hour, on a new
	// timeline.
	hour := writeTrace(t, "3600000\n40\n")
	// An outage of 8 s from the 101st packet, the 50 packets held then
	// delivered at once.
	var outage strings.Builder
	outage.WriteString(strings.Repeat("50\n", 100))
	for i := 1; i <= 50; i++ {
		fmt.Fprintf(&outage, "%d\n", 50+8000-20*i)
	}
	outage.WriteString(strings.Repeat("50\n", 259))
	for _, tr := range []string{hour, writeTrace(t, outage.String())} {
		out := filepath.Join(t.TempDir(), "out.opus")
		s := simJSON(t, nil, "--trace", tr, "--playout", "fixed", "-o", out)
		if s.Discontinuities == 0 {
			t.Fatalf("%s: no discontinuity", tr)
		}
		// Concealed: the packets missing on each timeline (every
		// other one, of the hour trace, on both), and the wait up to
		// the threshold.
		limit := float64(opusrt.DefaultResyncThreshold/time.Millisecond)*float64(s.Discontinuities) + s.InputMs
		if s.ConcealedMs > limit {
			t.Errorf("%s: concealed %v ms, more than %v ms for %d discontinuities", tr, s.ConcealedMs, limit, s.Discontinuities)
		}
		if s.FilledOutsideMs > 20 {
			t.Errorf("%s: filled %v ms before and after, but every packet was played", tr, s.FilledOutsideMs)
		}
		checkHeard(t, s)
		if s.OutputMs > s.InputMs+limit {
			t.Errorf("%s: output %v ms for an input of %v ms", tr, s.OutputMs, s.InputMs)
		}
	}
}
