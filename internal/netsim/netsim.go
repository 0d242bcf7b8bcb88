// Package netsim models an impaired packet network for the opusrt command:
// random or bursty loss (Gilbert–Elliott), delay with jitter drawn from a
// light- or heavy-tailed distribution, reordering and duplication, all from a
// seeded generator so that a run can be repeated exactly.
//
// It computes when (and whether) each packet arrives; it sends nothing and
// never sleeps. The opusrt command's simulate subcommand feeds the arrival
// times to a RealtimeBuffer on a manual clock, its send subcommand waits for
// them on the real clock.
//
// The model: a packet sent at time t is first subject to loss. A packet that
// survives arrives at t + Delay + J, where J ≥ 0 is a random extra delay of
// mean Jitter, but never before the packet sent just before it arrived: like
// a real path, the link is a queue, and a packet held up holds up those behind
// it. So J is each packet's own draw, but the delay a packet sees is at
// least its predecessor's less the time between them: packets sent closer
// together than the jitter pile up behind a slow one, and their mean extra
// delay is well above Jitter (2.5 ms apart with a Jitter of 10 ms: about
// 50 ms); packets far apart see about Jitter. A packet picked for
// reordering skips the queue and takes
// ReorderDelay more on top, so packets sent after it overtake it. A
// duplicated packet arrives a second time, a little later.
//
// A Trace (ParseTrace, NewTraceLink) is the other kind of network: a
// recorded or hand-written list of each packet's delay or loss, played in
// send order and repeated.
package netsim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Distribution is the shape of the random extra delay (jitter).
type Distribution int

// The jitter distributions. Each is scaled so that its mean is Config.Jitter.
const (
	// Uniform draws the extra delay evenly from 0 to twice the mean.
	Uniform Distribution = iota
	// Normal draws it from a half-normal distribution: mostly small, rarely
	// more than three times the mean.
	Normal
	// Pareto draws it from a Pareto (Lomax, shape 2.5) distribution: a heavy
	// tail of rare long delays, as on congested or wireless links.
	Pareto
	// LogNormal draws it from a log-normal distribution (σ = 1): also heavy
	// tailed, with a typical delay well below the mean.
	LogNormal
)

var distNames = [...]string{"uniform", "normal", "pareto", "lognormal"}

// String returns the distribution's name as ParseDistribution takes it.
func (d Distribution) String() string {
	if d < 0 || int(d) >= len(distNames) {
		return fmt.Sprintf("Distribution(%d)", int(d))
	}
	return distNames[d]
}

// ParseDistribution returns the distribution with the given name: uniform,
// normal, pareto or lognormal.
func ParseDistribution(name string) (Distribution, error) {
	for i, n := range distNames {
		if strings.EqualFold(name, n) {
			return Distribution(i), nil
		}
	}
	return 0, fmt.Errorf("netsim: unknown jitter distribution %q (want %s)", name, strings.Join(distNames[:], ", "))
}

// DistributionNames returns the names ParseDistribution accepts.
func DistributionNames() []string { return append([]string(nil), distNames[:]...) }

// Config describes a network. The zero value is a perfect network: no loss,
// no delay.
type Config struct {
	// Loss is the fraction of packets lost, 0 to 1.
	Loss float64
	// BurstLength is the mean number of packets lost in a row. At 1 or
	// less losses are independent; above 1 they follow a two-state
	// Gilbert–Elliott chain whose long-run loss rate is still Loss. A
	// high loss rate needs long bursts: the mean burst is at least
	// Loss/(1−Loss) packets.
	BurstLength float64
	// Delay is the fixed one-way delay every packet takes.
	Delay time.Duration
	// Jitter is the mean of the random delay each packet draws, added to
	// Delay; the queue (see the package doc) can hold a packet longer.
	Jitter time.Duration
	// Distribution is the shape of the jitter.
	Distribution Distribution
	// Reorder is the fraction of packets, 0 to 1, held back by
	// ReorderDelay so that later packets overtake them.
	Reorder float64
	// ReorderDelay is how much longer a reordered packet takes; 0 means
	// DefaultReorderDelay.
	ReorderDelay time.Duration
	// Duplicate is the fraction of packets, 0 to 1, that arrive twice.
	Duplicate float64
	// Seed seeds the random generator: the same Config and the same
	// sequence of sends give the same arrivals.
	Seed uint64
}

// DefaultReorderDelay is the extra delay of a reordered packet when
// Config.ReorderDelay is 0: long enough for two or three 20 ms frames to
// overtake it.
const DefaultReorderDelay = 50 * time.Millisecond

// ErrConfig is wrapped by the errors Validate returns.
var ErrConfig = errors.New("netsim: invalid configuration")

// Validate reports the first value of c that is out of range.
func (c Config) Validate() error {
	frac := func(name string, v float64) error {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return fmt.Errorf("%w: %s %v is not between 0 and 1 (0%%–100%%)", ErrConfig, name, v)
		}
		return nil
	}
	if err := frac("loss", c.Loss); err != nil {
		return err
	}
	if err := frac("reorder", c.Reorder); err != nil {
		return err
	}
	if err := frac("duplicate", c.Duplicate); err != nil {
		return err
	}
	if math.IsNaN(c.BurstLength) || math.IsInf(c.BurstLength, 0) || c.BurstLength < 0 {
		return fmt.Errorf("%w: burst length %v must be 0 or more", ErrConfig, c.BurstLength)
	}
	if c.BurstLength > 1 && c.Loss >= 1 {
		return fmt.Errorf("%w: bursty loss needs a loss rate below 100%%", ErrConfig)
	}
	if c.Delay < 0 || c.Jitter < 0 || c.ReorderDelay < 0 {
		return fmt.Errorf("%w: delays must not be negative", ErrConfig)
	}
	if c.Distribution < 0 || int(c.Distribution) >= len(distNames) {
		return fmt.Errorf("%w: unknown distribution %d", ErrConfig, int(c.Distribution))
	}
	return nil
}

// String describes c in one line, as the opusrt command prints it.
func (c Config) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "loss %.3g%%", c.Loss*100)
	if c.BurstLength > 1 {
		fmt.Fprintf(&b, " in bursts of %.3g", c.BurstLength)
	}
	fmt.Fprintf(&b, ", delay %v + %s jitter %v", c.Delay, c.Distribution, c.Jitter)
	fmt.Fprintf(&b, ", reorder %.3g%%, duplicate %.3g%%, seed %d", c.Reorder*100, c.Duplicate*100, c.Seed)
	return b.String()
}

// Link is a simulated network path. It is not safe for concurrent use.
type Link struct {
	cfg      Config
	rng      *rand.Rand
	bad      bool          // Gilbert–Elliott state: in a loss burst
	last     time.Duration // arrival of the last packet that kept its place in the queue
	hasLast  bool
	epoch    time.Time // AppendSend's times are kept as offsets from the first
	hasEpoch bool
	pGB      float64 // probability of entering a burst
	pBG      float64 // probability of leaving one
}

// New returns a Link that behaves as c says, or an error wrapping ErrConfig.
func New(c Config) (*Link, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.ReorderDelay == 0 {
		c.ReorderDelay = DefaultReorderDelay
	}
	l := &Link{cfg: c, rng: rand.New(rand.NewPCG(c.Seed, 0x6f70757372742d6e))}
	if c.BurstLength > 1 {
		// Stationary loss rate pGB/(pGB+pBG) = Loss, mean burst 1/pBG.
		l.pBG = 1 / c.BurstLength
		l.pGB = c.Loss * l.pBG / (1 - c.Loss)
		if l.pGB > 1 {
			// A loss rate this high forces longer bursts: enter one at
			// every chance and stay as long as the rate needs.
			l.pGB = 1
			l.pBG = (1 - c.Loss) / c.Loss
		}
	}
	return l, nil
}

// Config returns the link's configuration, defaults filled in.
func (l *Link) Config() Config { return l.cfg }

// Send sends one packet at time at, which must not be earlier than the
// previous Send's, and returns when it arrives: no time when it is lost, two
// when it is duplicated (in the order they arrive).
func (l *Link) Send(at time.Time) []time.Time {
	return l.AppendSend(nil, at)
}

// AppendSend is Send appending the arrival times to dst, for callers that
// reuse a slice.
func (l *Link) AppendSend(dst []time.Time, at time.Time) []time.Time {
	if !l.hasEpoch {
		l.epoch, l.hasEpoch = at, true
	}
	var buf [2]time.Duration
	for _, a := range l.AppendSendAt(buf[:0], at.Sub(l.epoch)) {
		dst = append(dst, l.epoch.Add(a))
	}
	return dst
}

// AppendSendAt is AppendSend with times as offsets from any origin the
// caller chooses (a simulation's start), which saves the time.Time
// arithmetic in a loop of millions of packets. A Link takes its times
// from one of the two, AppendSend or AppendSendAt, not both.
func (l *Link) AppendSendAt(dst []time.Duration, at time.Duration) []time.Duration {
	if l.lost() {
		return dst
	}
	arr := at + l.cfg.Delay + l.jitter()
	if l.cfg.Reorder > 0 && l.rng.Float64() < l.cfg.Reorder {
		arr += l.cfg.ReorderDelay
	} else {
		if l.hasLast && arr < l.last {
			arr = l.last
		}
		l.last, l.hasLast = arr, true
	}
	dst = append(dst, arr)
	if l.cfg.Duplicate > 0 && l.rng.Float64() < l.cfg.Duplicate {
		extra := l.jitter()
		if extra <= 0 {
			extra = time.Millisecond
		}
		dst = append(dst, arr+extra)
	}
	return dst
}

func (l *Link) lost() bool {
	c := &l.cfg
	if c.Loss <= 0 {
		return false
	}
	if c.BurstLength <= 1 {
		return l.rng.Float64() < c.Loss
	}
	if l.bad {
		if l.rng.Float64() < l.pBG {
			l.bad = false
		}
	} else if l.rng.Float64() < l.pGB {
		l.bad = true
	}
	return l.bad
}

// jitter draws the extra delay, of mean cfg.Jitter.
func (l *Link) jitter() time.Duration {
	m := float64(l.cfg.Jitter)
	if m <= 0 {
		return 0
	}
	var x float64 // a sample of mean 1
	switch l.cfg.Distribution {
	case Uniform:
		x = 2 * l.rng.Float64()
	case Normal:
		x = math.Abs(l.rng.NormFloat64()) * math.Sqrt(math.Pi/2)
	case Pareto:
		// Lomax with shape α has mean scale/(α−1).
		const alpha = 2.5
		u := 1 - l.rng.Float64()                             // (0, 1]
		x = (math.Exp(-math.Log(u)/alpha) - 1) * (alpha - 1) // u^(−1/α), faster than math.Pow
	case LogNormal:
		const sigma = 1.0
		x = math.Exp(sigma*l.rng.NormFloat64() - sigma*sigma/2)
	}
	d := x * m
	if d > float64(time.Hour) { // a tail this long is no delay but a loss; keep the sum finite
		d = float64(time.Hour)
	}
	return time.Duration(d)
}
