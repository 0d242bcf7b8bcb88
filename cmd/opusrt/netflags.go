package main

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/haivivi/giztoy/internal/netsim"
	"github.com/spf13/pflag"
)

// netFlags are the network and sender options of simulate and send.
type netFlags struct {
	loss, burst, reorder, dup float64
	delay, jitter, reorderGap time.Duration
	dist                      string
	seed                      uint64
	trace                     string
	drift                     float64
	duration                  time.Duration

	fs *pflag.FlagSet // to tell the flags given from the defaults
}

// modelFlags are the flags of the network model, which a trace replaces.
var modelFlags = []string{"loss", "burst", "delay", "jitter", "jitter-dist", "reorder", "reorder-delay", "duplicate"}

// maxDriftPPM bounds --drift: a clock 10 % off is no crystal but a bug.
const maxDriftPPM = 100000

func (n *netFlags) add(fs *pflag.FlagSet, defaults netFlags) {
	n.fs = fs
	fs.Float64Var(&n.loss, "loss", defaults.loss, "percentage of packets lost (0-100)")
	fs.Float64Var(&n.burst, "burst", defaults.burst, "mean number of packets lost in a row (Gilbert-Elliott), 1 or more; 0 or 1 = independent losses")
	fs.DurationVar(&n.delay, "delay", defaults.delay, "fixed one-way network delay")
	fs.DurationVar(&n.jitter, "jitter", defaults.jitter, "mean of the random delay each packet draws on top of --delay; the link is a queue, so closely spaced packets wait for a slow one and see more (see 'opusrt simulate --help')")
	fs.StringVar(&n.dist, "jitter-dist", defaults.dist, "jitter distribution: uniform, normal, pareto or lognormal (pareto and lognormal are heavy-tailed)")
	fs.Float64Var(&n.reorder, "reorder", defaults.reorder, "percentage of packets held back so later ones overtake them (0-100)")
	fs.DurationVar(&n.reorderGap, "reorder-delay", netsim.DefaultReorderDelay, "how much longer a reordered packet takes")
	fs.Float64Var(&n.dup, "duplicate", defaults.dup, "percentage of packets that arrive twice (0-100)")
	fs.Uint64Var(&n.seed, "seed", defaults.seed, "random seed: the same seed gives the same network")
	fs.StringVar(&n.trace, "trace", "", "a network trace: one line per packet sent, its one-way delay in ms or \"lost\" (# comments); it repeats, and replaces --loss, --burst, --delay, --jitter, --jitter-dist, --reorder, --reorder-delay and --duplicate")
	fs.Float64Var(&n.drift, "drift", 0, "the sender's stamp clock runs this many ppm fast (+) or slow (-) against the receiver's")
	fs.DurationVar(&n.duration, "duration", 0, "send the input again and again, stamps going on, until this much audio is sent (e.g. 1h)")
}

// netSpec is the network and the sender the flags describe.
type netSpec struct {
	cfg       netsim.Config // the model, when there is no trace
	trace     *netsim.Trace
	traceName string
	driftPPM  float64
	// duration, when not 0, repeats the input until this much audio is
	// sent.
	duration time.Duration
}

// newLink returns a network that behaves as s says.
func (s netSpec) newLink() (network, error) {
	if s.trace != nil {
		return netsim.NewTraceLink(s.trace), nil
	}
	l, err := netsim.New(s.cfg)
	if err != nil {
		return nil, usageError{err}
	}
	return l, nil
}

// String describes the network and the sender's clock in one line.
func (s netSpec) String() string {
	d := s.cfg.String()
	if s.trace != nil {
		d = fmt.Sprintf("--trace %s (%v, repeated)", s.traceName, s.trace)
	}
	if s.driftPPM != 0 {
		d += fmt.Sprintf(", sender clock %+g ppm", s.driftPPM)
	}
	return d
}

// sendTime returns when audio at pos on the sender's clock is sent, on the
// receiver's: a sender's clock that runs fast sends its audio sooner.
func (s netSpec) sendTime(pos time.Duration) time.Duration {
	if s.driftPPM == 0 {
		return pos
	}
	return time.Duration(math.Round(float64(pos) / (1 + s.driftPPM*1e-6)))
}

// config checks the flags and returns the network they describe.
func (n *netFlags) config() (netSpec, error) {
	if math.IsNaN(n.drift) || math.Abs(n.drift) > maxDriftPPM {
		return netSpec{}, usagef("--drift %v: want parts per million from -%d to %d", n.drift, maxDriftPPM, maxDriftPPM)
	}
	if n.duration < 0 {
		return netSpec{}, usagef("--duration %v: must not be negative", n.duration)
	}
	spec := netSpec{driftPPM: n.drift, duration: n.duration}
	if n.trace != "" {
		for _, name := range modelFlags {
			if n.fs != nil && n.fs.Changed(name) {
				return netSpec{}, usagef("--%s with --trace: a trace is the whole network, it replaces --%s", name, name)
			}
		}
		tr, err := readTrace(n.trace)
		if err != nil {
			return netSpec{}, err
		}
		spec.trace, spec.traceName = tr, n.trace
		spec.cfg.Seed = n.seed
		return spec, nil
	}
	cfg, err := n.model()
	if err != nil {
		return netSpec{}, err
	}
	spec.cfg = cfg
	return spec, nil
}

// readTrace reads the trace file name.
func readTrace(name string) (*netsim.Trace, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--trace %v", fileError(name, err))
	}
	defer f.Close()
	tr, err := netsim.ParseTrace(f)
	if err != nil {
		return nil, fmt.Errorf("--trace %s: %s", name, trimNetsim(err))
	}
	return tr, nil
}

// trimNetsim drops netsim's prefix from an error: the caller's says what.
func trimNetsim(err error) string {
	s := err.Error()
	if len(s) > 8 && s[:8] == "netsim: " {
		return s[8:]
	}
	return s
}

// model returns the network model the flags describe.
func (n *netFlags) model() (netsim.Config, error) {
	dist, err := netsim.ParseDistribution(n.dist)
	if err != nil {
		return netsim.Config{}, usagef("--jitter-dist: unknown distribution %q (want uniform, normal, pareto or lognormal)", n.dist)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"--loss", n.loss}, {"--reorder", n.reorder}, {"--duplicate", n.dup}} {
		if !(p.v >= 0 && p.v <= 100) {
			return netsim.Config{}, usagef("%s %v: want a percentage from 0 to 100", p.name, p.v)
		}
	}
	if !(n.burst == 0 || n.burst >= 1) || n.burst > 1e6 {
		return netsim.Config{}, usagef("--burst %v: want a mean burst length of 1 or more packets (0 or 1: independent losses)", n.burst)
	}
	burst := n.burst
	if n.loss >= 100 {
		burst = 0 // every packet is lost: there are no bursts to shape
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--delay", n.delay}, {"--jitter", n.jitter}, {"--reorder-delay", n.reorderGap}} {
		if d.v < 0 {
			return netsim.Config{}, usagef("%s %v: must not be negative", d.name, d.v)
		}
	}
	c := netsim.Config{
		Loss: n.loss / 100, BurstLength: burst,
		Delay: n.delay, Jitter: n.jitter, Distribution: dist,
		Reorder: n.reorder / 100, ReorderDelay: n.reorderGap,
		Duplicate: n.dup / 100, Seed: n.seed,
	}
	if err := c.Validate(); err != nil {
		return netsim.Config{}, usageError{err}
	}
	return c, nil
}
