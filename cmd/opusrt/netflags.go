package main

import (
	"time"

	"github.com/haivivi/giztoy/internal/netsim"
	"github.com/spf13/pflag"
)

// netFlags are the network impairment options of simulate and send.
type netFlags struct {
	loss, burst, reorder, dup float64
	delay, jitter, reorderGap time.Duration
	dist                      string
	seed                      uint64
}

func (n *netFlags) add(fs *pflag.FlagSet, defaults netFlags) {
	fs.Float64Var(&n.loss, "loss", defaults.loss, "percentage of packets lost (0-100)")
	fs.Float64Var(&n.burst, "burst", defaults.burst, "mean number of packets lost in a row (Gilbert-Elliott), 1 or more; 0 or 1 = independent losses")
	fs.DurationVar(&n.delay, "delay", defaults.delay, "fixed one-way network delay")
	fs.DurationVar(&n.jitter, "jitter", defaults.jitter, "mean of the random delay each packet draws on top of --delay; the link is a queue, so closely spaced packets wait for a slow one and see more (see 'opusrt simulate --help')")
	fs.StringVar(&n.dist, "jitter-dist", defaults.dist, "jitter distribution: uniform, normal, pareto or lognormal (pareto and lognormal are heavy-tailed)")
	fs.Float64Var(&n.reorder, "reorder", defaults.reorder, "percentage of packets held back so later ones overtake them (0-100)")
	fs.DurationVar(&n.reorderGap, "reorder-delay", netsim.DefaultReorderDelay, "how much longer a reordered packet takes")
	fs.Float64Var(&n.dup, "duplicate", defaults.dup, "percentage of packets that arrive twice (0-100)")
	fs.Uint64Var(&n.seed, "seed", defaults.seed, "random seed: the same seed gives the same network")
}

// config checks the flags and returns the network they describe.
func (n *netFlags) config() (netsim.Config, error) {
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
