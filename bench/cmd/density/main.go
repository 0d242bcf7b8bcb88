// Command density measures how many live streams one machine plays out:
// N RealtimeBuffers on the real clock, each fed 20 ms frames of real
// packets at real-time pace, with light jitter and loss, by an in-process
// sender, and each read by its own consumer goroutine as a player reads
// it: Frame, hand the result on, Frame again.
//
// Usage:
//
//	go run ./cmd/density -streams 10000 -duration 20s
//
// It prints, for the measured window after a warm-up: the CPU the process
// used (user+sys time ÷ wall time, in cores), the lateness of every Frame
// return against the due time NextDue announced before the call
// (p50/p99/max), the heap and goroutine stack per stream, and the frames
// lost to lateness (writes refused as late, and losses concealed beyond
// those the sender injected).
//
// With -bare it measures the runtime's own floor instead: N goroutines
// sleeping to absolute, staggered 20 ms deadlines on time.Timer, with no
// buffer and no sender. With -prefill every stream is written in full
// before playout and no sender runs: the consumers' cost alone.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/haivivi/giztoy/bench/internal/workload"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

const framePeriod = workload.FrameMillis * time.Millisecond

func main() {
	streams := flag.Int("streams", 1000, "number of live streams")
	duration := flag.Duration("duration", 10*time.Second, "length of the measured window")
	warmup := flag.Duration("warmup", 2*time.Second, "time to run before measuring")
	jitter := flag.Duration("jitter", 10*time.Millisecond, "network delay of each frame, uniform in [0, jitter)")
	loss := flag.Float64("loss", 0.01, "fraction of frames the sender drops")
	delay := flag.Duration("delay", opusrt.DefaultPlayoutDelay, "playout delay of each RealtimeBuffer")
	senders := flag.Int("senders", runtime.GOMAXPROCS(0), "sender goroutines sharing the streams")
	bare := flag.Bool("bare", false, "measure bare goroutines sleeping to 20 ms deadlines instead")
	prefill := flag.Bool("prefill", false, "write every frame before playout starts, no sender: the consumers' cost alone")
	player := flag.Int("player", 0, "serve the streams from an opusrt.Player with this many Run goroutines instead of a goroutine per stream blocked in Frame")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measured window to this file")
	flag.Parse()

	cfg := config{
		streams: *streams, duration: *duration, warmup: *warmup,
		jitter: *jitter, loss: *loss, delay: *delay, senders: *senders,
		bare: *bare, prefill: *prefill, player: *player, cpuprofile: *cpuprofile,
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "density:", err)
		os.Exit(1)
	}
}

type config struct {
	streams          int
	duration, warmup time.Duration
	jitter           time.Duration
	loss             float64
	delay            time.Duration
	senders          int
	bare             bool
	prefill          bool
	player           int
	cpuprofile       string
}

// stream is one live stream: its buffer and the sender's state for it.
type stream struct {
	id    int
	rtb   *opusrt.RealtimeBuffer
	start time.Time // when frame 0 is sent (before jitter)
	next  int       // the next frame number to send
	at    time.Time // when frame next arrives (send time plus jitter)
	rng   *rand.Rand

	injected  int // frames the sender dropped, in the measured window
	lateWrite int // writes refused as late, in the measured window

	nextDue   time.Time // with -player: when the next delivery is due
	nextDueOK bool
}

func run(cfg config) error {
	if cfg.streams <= 0 || cfg.duration <= 0 || cfg.senders <= 0 {
		return errors.New("-streams, -duration and -senders must be positive")
	}
	pkts := workload.Packets()
	hist := newHistogram()

	// Memory before the streams exist, so that the difference is theirs.
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	t0 := time.Now().Add(100 * time.Millisecond)
	measureFrom := t0.Add(cfg.warmup)
	measureTo := measureFrom.Add(cfg.duration)
	var measuring atomic.Bool
	var stop atomic.Bool

	// Streams start staggered over one frame period, so that their
	// deadlines spread evenly as independent calls would.
	ss := make([]*stream, cfg.streams)
	for i := range ss {
		ss[i] = &stream{
			id:    i,
			start: t0.Add(time.Duration(i) * framePeriod / time.Duration(cfg.streams)),
			rng:   rand.New(rand.NewPCG(uint64(i), 7)),
		}
		if !cfg.bare {
			ss[i].rtb = opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithPlayoutDelay(cfg.delay))
		}
		ss[i].at = ss[i].start.Add(ss[i].jitter(cfg.jitter))
	}

	if cfg.prefill && !cfg.bare {
		// Each stream holds all its frames before the first is due. Its
		// first Write anchors its schedule; the streams are written one
		// after the other over a second or so, which spreads their
		// phases across the 20 ms period.
		frames := int((cfg.warmup+cfg.duration+3*time.Second)/framePeriod) + 1
		var scratch []byte
		base := opusrt.Now()
		for _, s := range ss {
			for k := range frames {
				scratch = opusrt.AppendStamped(scratch[:0], pkts[k%len(pkts)], base+opusrt.EpochMillis(k*workload.FrameMillis))
				if _, err := s.rtb.Write(scratch); err != nil {
					return err
				}
			}
		}
		measureFrom = time.Now().Add(cfg.warmup)
		measureTo = measureFrom.Add(cfg.duration)
	}
	var consumers sync.WaitGroup
	consumers.Add(len(ss))
	var player *opusrt.Player
	if cfg.player > 0 && !cfg.bare {
		player = opusrt.NewPlayer()
		for range cfg.player {
			go player.Run()
		}
	}
	for _, s := range ss {
		if player != nil {
			player.Add(s.rtb, func(_ opusrt.Frame, _ time.Duration, err error) {
				if err != nil {
					consumers.Done()
					return
				}
				if s.nextDueOK && measuring.Load() {
					hist.add(s.id, time.Since(s.nextDue))
				}
				s.nextDue, s.nextDueOK = s.rtb.NextDue()
			})
			continue
		}
		if cfg.bare {
			go func() { defer consumers.Done(); sleeper(s, hist, &measuring, &stop, measureTo) }()
		} else {
			go func() { defer consumers.Done(); consume(s, hist, &measuring) }()
		}
	}
	var senders sync.WaitGroup
	if !cfg.bare && !cfg.prefill {
		for k := range cfg.senders {
			var shard []*stream
			for i := k; i < len(ss); i += cfg.senders {
				shard = append(shard, ss[i])
			}
			senders.Add(1)
			go func() {
				defer senders.Done()
				send(shard, pkts, cfg, &measuring, &stop)
			}()
		}
	}

	time.Sleep(time.Until(measureFrom))
	runtime.GC()
	var during runtime.MemStats
	runtime.ReadMemStats(&during)
	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	ru0 := rusage()
	w0 := time.Now()
	measuring.Store(true)
	time.Sleep(time.Until(measureTo))
	measuring.Store(false)
	wall := time.Since(w0)
	cpu := rusage() - ru0
	if cfg.cpuprofile != "" {
		pprof.StopCPUProfile()
	}

	stop.Store(true)
	senders.Wait()
	for _, s := range ss {
		if s.rtb != nil {
			s.rtb.Close()
		}
	}
	consumers.Wait()
	if player != nil {
		player.Close()
	}

	var st opusrt.Stats
	injected, lateWrites := 0, 0
	for _, s := range ss {
		injected += s.injected
		lateWrites += s.lateWrite
		if s.rtb != nil {
			x := s.rtb.Stats()
			st.PacketsReceived += x.PacketsReceived
			st.PacketsPlayed += x.PacketsPlayed
			st.PacketsLost += x.PacketsLost
			st.PacketsLate += x.PacketsLate
		}
	}
	mode := "RealtimeBuffer, a goroutine per stream"
	switch {
	case cfg.bare:
		mode = "bare timers"
	case player != nil:
		mode = fmt.Sprintf("RealtimeBuffer, Player with %d Run goroutines", cfg.player)
	}
	n := float64(cfg.streams)
	fmt.Printf("streams %d (%s), %v measured after %v warm-up, GOMAXPROCS %d, %s\n",
		cfg.streams, mode, cfg.duration, cfg.warmup, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("  cpu        %.3f cores (user+sys %v over %v wall)\n",
		cpu.Seconds()/wall.Seconds(), cpu.Round(time.Millisecond), wall.Round(time.Millisecond))
	fmt.Printf("  cpu/wake   %.2f µs (%d Frame returns measured)\n",
		float64(cpu.Microseconds())/float64(max(hist.count(), 1)), hist.count())
	fmt.Printf("  lateness   p50 %v  p99 %v  p99.9 %v  max %v\n",
		hist.quantile(0.50), hist.quantile(0.99), hist.quantile(0.999), hist.max())
	fmt.Printf("  heap       %.1f KiB/stream  (stacks %.1f KiB/stream)\n",
		float64(int64(during.HeapAlloc)-int64(before.HeapAlloc))/n/1024,
		float64(int64(during.StackInuse)-int64(before.StackInuse))/n/1024)
	if !cfg.bare {
		fmt.Printf("  late       %d writes refused as late (%.3f %% of frames); %d frames concealed over the sender's %d drops (whole run)\n",
			lateWrites, 100*float64(lateWrites)/float64(max(st.PacketsReceived, 1)),
			max(int64(st.PacketsLost)-int64(injected), 0), injected)
	}
	return nil
}

// jitter returns the network delay of one frame.
func (s *stream) jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(s.rng.Int64N(int64(max)))
}

// send writes each of its streams' frames when it arrives: frame k is sent
// at start + k×20 ms and arrives after a random delay below cfg.jitter, or
// is dropped with probability cfg.loss. The streams wait in a heap by
// arrival time; the sender sleeps until the earliest.
func send(shard []*stream, pkts []opusrt.Frame, cfg config, measuring, stop *atomic.Bool) {
	h := arrivalHeap(shard)
	h.init()
	scratch := make([]byte, 0, 1500)
	base := opusrt.Now()
	for !stop.Load() {
		now := time.Now()
		for len(h) > 0 && !h[0].at.After(now) {
			s := h[0]
			k := s.next
			if s.rng.Float64() < cfg.loss {
				s.injected++
			} else {
				scratch = opusrt.AppendStamped(scratch[:0], pkts[k%len(pkts)], base+opusrt.EpochMillis(k*workload.FrameMillis))
				if _, err := s.rtb.Write(scratch); errors.Is(err, opusrt.ErrDisorderedPacket) {
					s.lateWrite++
				}
			}
			s.next++
			s.at = s.start.Add(time.Duration(s.next)*framePeriod + s.jitter(cfg.jitter))
			h.fix0()
		}
		if len(h) == 0 {
			return
		}
		time.Sleep(time.Until(h[0].at))
	}
}

// consume plays one stream: before each Frame it asks NextDue when the
// call should return, and records how late it did.
func consume(s *stream, hist *histogram, measuring *atomic.Bool) {
	for {
		due, ok := s.rtb.NextDue()
		_, _, err := s.rtb.Frame()
		if err == io.EOF {
			return
		}
		if ok && measuring.Load() {
			hist.add(s.id, time.Since(due))
		}
	}
}

// sleeper is the bare floor: a goroutine sleeping to absolute 20 ms
// deadlines on one reused timer.
func sleeper(s *stream, hist *histogram, measuring, stop *atomic.Bool, end time.Time) {
	t := time.NewTimer(time.Hour)
	for k := 0; !stop.Load(); k++ {
		due := s.start.Add(time.Duration(k) * framePeriod)
		if due.After(end) {
			return
		}
		t.Reset(time.Until(due))
		<-t.C
		if measuring.Load() {
			hist.add(s.id, time.Since(due))
		}
	}
}

// rusage returns the process's user plus system CPU time.
func rusage() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
