package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/haivivi/giztoy/internal/netsim"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// defaultNet is the network simulate and send use unless told otherwise:
// a mobile link on a fair day, bad enough to show what the buffer does.
var defaultNet = netFlags{loss: 3, burst: 2, delay: 40 * time.Millisecond, jitter: 10 * time.Millisecond, dist: "pareto", reorder: 1, dup: 0.5, seed: 1}

// progressPackets is the input size from which simulate shows a progress
// bar on a terminal: about ten minutes of 20 ms frames.
const progressPackets = 30000

func newSimulateCmd(e *env) *cobra.Command {
	var (
		nf      netFlags
		out     string
		plot    string
		playout time.Duration
		asJSON  bool
	)
	c := &cobra.Command{
		Use:   "simulate [IN.opus]",
		Short: "Play a file through a simulated network and the jitter buffer",
		Long: `simulate sends the packets of IN.opus as stamped frames through a simulated
network (loss, bursts of loss, delay, jitter, reordering, duplication) into the
opusrt RealtimeBuffer, on a virtual clock: an hour of audio takes seconds.
It prints what happened: packets sent, lost, received, played, late and
duplicated, the audio concealed, the jitter and the latency from send to
playout. The counts are the buffer's own statistics.

With -o, what the buffer plays out is written to OUT.opus with every loss
filled with packets a decoder conceals, so the file plays in any player and
lasts as long as the input (the input's end trimming is carried over, so it
decodes to the same length). OUT.opus is written beside itself under a
temporary name and put in place at the end: a run that fails leaves an
existing file as it was. Without -o nothing is written. With --plot, the
timeline of every packet (sent, arrived, played; lost and late marked) is
drawn to an SVG (or .png, .pdf) file.

Without IN.opus, simulate plays the embedded speech sample. "-" reads stdin or
writes stdout; the summary then goes to stderr. The same --seed gives the same
run.

Network model: a packet that is not lost draws an extra delay, independent of
the others, from --jitter-dist with mean --jitter, and would arrive at
send + --delay + that. But the link is a queue: a packet never arrives before
the one sent just before it, so it waits for it. Packets sent further apart
than the jitter see a little more than --delay + --jitter on average (20 ms
frames, --delay 40ms --jitter 10ms pareto: about 55 ms); packets sent closer
together (2.5 ms frames, or a jitter of many frames) pile up behind a slow
one, and see much more (2.5 ms frames, the same network: about 90 ms). The summary's
"network delay mean" is the delay the packets saw. Packets change order only
with --reorder: each one picked is held --reorder-delay more, out of the queue.`,
		Example: `  opusrt simulate
  opusrt simulate talk.opus -o heard.opus --plot timeline.svg
  opusrt simulate --loss 10 --burst 4 --jitter 30ms --jitter-dist lognormal --seed 7
  opusenc voice.wav - | opusrt simulate - --loss 5 -o - | opusdec - heard.wav`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("simulate takes one input file, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := nf.config()
			if err != nil {
				return err
			}
			if playout < 0 {
				return usagef("--playout-delay %v: must not be negative", playout)
			}
			if plot != "" {
				if err := checkPlotName(plot); err != nil {
					return err
				}
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return simulate(e, simOptions{in: name, out: out, plot: plot, net: cfg, playout: playout, json: asJSON})
		},
	}
	nf.add(c.Flags(), defaultNet)
	c.Flags().StringVarP(&out, "output", "o", "", "write the played-out stream, losses filled, to this Ogg Opus file (\"-\" for stdout)")
	c.Flags().StringVar(&plot, "plot", "", "draw the timeline to this file (.svg, .png or .pdf)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON, for scripts")
	c.Flags().DurationVar(&playout, "playout-delay", opusrt.DefaultPlayoutDelay, "how long the buffer holds the first frame before playing it")
	return c
}

type simOptions struct {
	in, out, plot string
	net           netsim.Config
	playout       time.Duration
	json          bool
}

// simPacket is one input packet and what became of it. Times are offsets
// from the start of the simulation.
type simPacket struct {
	frame    opusrt.Frame
	stamp    opusrt.EpochMillis
	send     time.Duration
	arrive   []time.Duration // none when lost; two when duplicated
	playout  time.Duration   // -1 when not played
	late     bool            // a copy arrived (or was found) after its slot was played
	dropped  bool            // a copy was dropped because the buffer was full
	resynced bool            // a copy was dropped by a resync
}

// simResult is what a simulation did.
type simResult struct {
	input    string
	header   opusrt.OggHeader
	packets  []simPacket
	duration time.Duration // of the input, input damage included
	net      netsim.Config
	playout  time.Duration
	stats    opusrt.Stats
	netLost  int
	netDups  int
	late     int
	headTail time.Duration // loss filled before the first and after the last played frame
	// The packets never played: outside (before the first played, after
	// the last) and, between, what became of them. Between, they are what
	// the buffer reports as concealed.
	notPlayed struct {
		Outside  int `json:"before_after"`
		Lost     int `json:"lost_in_network"`
		Late     int `json:"late"`
		Dropped  int `json:"dropped"`
		Resynced int `json:"resynced"`
	}
	played int
	// The losses reported after the last frame played: the underrun while
	// waiting for the last arrivals, past the input's end (in Stats, not
	// concealment).
	trailEvents, trailPackets uint64
	trailLoss                 time.Duration
	latencies                 []time.Duration // send to playout of the played frames
	delays                    []time.Duration // send to arrival of every copy received
	trim                      int             // 48 kHz samples at the end of the output not to be played, as in the input
	outName                   string
	outLength                 time.Duration
}

// simStart is the virtual time the simulation starts at; its stamps count
// from it. A fixed time keeps runs identical.
var simStart = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func simulate(e *env, o simOptions) error {
	in, err := openInput(e, o.in)
	if err != nil {
		return err
	}
	res := &simResult{input: in.name, net: o.net, playout: o.playout}
	if o.in == "-" {
		res.input = "(stdin)"
	}
	// With -o, keep the input's bytes to measure its end trimming.
	var raw bytes.Buffer
	var r io.Reader = in
	if o.out != "" {
		r = io.TeeReader(in, &raw)
	}
	err = readPackets(r, res)
	in.Close()
	if err != nil {
		return err
	}
	if len(res.packets) == 0 {
		return fmt.Errorf("%s: no audio packets to send", res.input)
	}
	if o.out != "" {
		res.trim = endTrim(raw.Bytes(), res)
		raw = bytes.Buffer{}
	}

	// Create the output first, so a bad name fails before the work; it
	// is written to a temporary file, put in place only on success.
	var out *output
	if o.out != "" {
		if out, err = createOutput(e, o.out, true); err != nil {
			return err
		}
		defer out.Abort() // after Commit, a no-op
		res.outName = o.out
	}
	if err := runSimulation(e, res); err != nil {
		return err
	}
	res.account()
	if out != nil {
		ow, err := opusrt.NewOggWriter(out, res.header.InputSampleRate,
			opusrt.WithChannels(min(max(res.header.Channels, 1), 2)),
			opusrt.WithPreSkip(res.header.PreSkip),
			opusrt.WithTags("", "ENCODER=opusrt simulate", "OPUSRT_NETWORK="+o.net.String()))
		if err != nil {
			return err
		}
		if err := writeOutput(res, ow); err != nil {
			return err
		}
		if err := ow.TrimEnd(res.trim); err != nil {
			return err
		}
		if err := ow.Close(); err != nil {
			return err
		}
		if err := out.Commit(); err != nil {
			return err
		}
		res.outLength = ow.Duration()
	}
	if o.plot != "" {
		if err := plotTimeline(o.plot, res); err != nil {
			return err
		}
	}
	w := e.stdout
	if o.out == "-" {
		w = e.stderr
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res.summary())
	}
	printSummary(w, res)
	return nil
}

// simSummary is the JSON form of the summary. Durations are in
// milliseconds; the packet counts are the buffer's Stats, and add up:
// received = sent − lost_in_network + duplicated_by_network, and
// received = played + late + duplicate + dropped + resynced + cleared +
// buffered.
type simSummary struct {
	Input               string  `json:"input"`
	Network             string  `json:"network"`
	PlayoutDelayMs      float64 `json:"playout_delay_ms"`
	Sent                int     `json:"sent"`
	LostInNetwork       int     `json:"lost_in_network"`
	DuplicatedByNetwork int     `json:"duplicated_by_network"`
	Received            uint64  `json:"received"`
	Played              uint64  `json:"played"`
	Late                uint64  `json:"late"`
	Duplicate           uint64  `json:"duplicate"`
	Dropped             uint64  `json:"dropped"`
	Resynced            uint64  `json:"resynced"`
	Resyncs             uint64  `json:"resyncs"`
	Cleared             uint64  `json:"cleared"`
	Buffered            int     `json:"buffered"`
	Concealed           uint64  `json:"concealed_packets"`
	ConcealmentEvents   uint64  `json:"concealment_events"`
	ConcealedMs         float64 `json:"concealed_ms"`
	// NotPlayed counts the packets sent but never played: those between
	// the first and the last played, by cause, add up to concealed_packets
	// (for a stream of one frame size); before_after are in
	// filled_before_after_ms.
	NotPlayed struct {
		Outside  int `json:"before_after"`
		Lost     int `json:"lost_in_network"`
		Late     int `json:"late"`
		Dropped  int `json:"dropped"`
		Resynced int `json:"resynced"`
	} `json:"not_played"`
	FilledOutsideMs     float64 `json:"filled_before_after_ms"`
	JitterMs            float64 `json:"jitter_ms"`
	NetworkDelayMeanMs  float64 `json:"network_delay_mean_ms"`
	NetworkDelayP95Ms   float64 `json:"network_delay_p95_ms"`
	LatencyMeanMs       float64 `json:"latency_mean_ms"`
	LatencyP95Ms        float64 `json:"latency_p95_ms"`
	JitterBufferDelayMs float64 `json:"jitter_buffer_delay_mean_ms"`
	InputMs             float64 `json:"input_ms"`
	Output              string  `json:"output,omitempty"`
	OutputMs            float64 `json:"output_ms,omitempty"`
	// OutputTrimMs is the input's end trimming, carried over: a player
	// plays output_ms − output_trim_ms.
	OutputTrimMs float64 `json:"output_trim_ms,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (r *simResult) summary() simSummary {
	s := r.stats
	return simSummary{
		Input: r.input, Network: r.net.String(), PlayoutDelayMs: ms(r.playout),
		Sent: len(r.packets), LostInNetwork: r.netLost, DuplicatedByNetwork: r.netDups,
		Received: s.PacketsReceived, Played: s.PacketsPlayed, Late: s.PacketsLate,
		Duplicate: s.PacketsDuplicated, Dropped: s.PacketsDropped, Resynced: s.PacketsResynced,
		Resyncs: s.Resyncs, Cleared: s.PacketsCleared, Buffered: s.BufferedPackets,
		Concealed: s.PacketsLost - r.trailPackets, ConcealmentEvents: s.ConcealmentEvents - r.trailEvents,
		ConcealedMs: ms(s.LostDuration - r.trailLoss), NotPlayed: r.notPlayed,
		FilledOutsideMs: ms(r.headTail), JitterMs: ms(s.Jitter),
		NetworkDelayMeanMs: ms(mean(r.delays)), NetworkDelayP95Ms: ms(percentile(r.delays, 95)),
		LatencyMeanMs: ms(mean(r.latencies)), LatencyP95Ms: ms(percentile(r.latencies, 95)),
		JitterBufferDelayMs: ms(s.MeanJitterBufferDelay()),
		InputMs:             ms(r.duration), Output: r.outName, OutputMs: ms(r.outLength),
		OutputTrimMs: ms(opus.SamplesDuration(r.trim)),
	}
}

// readPackets reads every packet of the input, giving each its stamp and
// send time: packets are sent back to back, each when its audio starts.
// Damage in the input (reported as loss by the reader) leaves a gap in the
// stamps, as a sender that lost audio would.
func readPackets(in io.Reader, res *simResult) error {
	r, err := opusrt.NewOggReader(in)
	if err != nil {
		return fmt.Errorf("%s: %s", res.input, trimPrefix(err))
	}
	res.header = r.Header
	var at time.Duration
	for {
		f, loss, err := r.Frame()
		if err == io.EOF {
			break
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			continue // truncated: every complete packet was returned
		}
		if err != nil {
			return fmt.Errorf("%s: %s", res.input, trimPrefix(err))
		}
		if f == nil {
			at += loss
			continue
		}
		res.packets = append(res.packets, simPacket{
			frame: f, stamp: opusrt.FromTime(simStart.Add(at)), send: at, playout: -1,
		})
		at += f.Duration()
	}
	res.duration = at
	return nil
}

// endTrim returns the end trimming (48 kHz samples) that makes the output
// play as long as the input data: the input's packets (res.duration, loss
// included) less the output's pre-skip, less the input's playback length
// (final granule − pre-skip, summed over the links of a chained input).
// It returns 0 when the input's granules cannot be read.
func endTrim(data []byte, res *simResult) int {
	rep, err := scan("", bytes.NewReader(data))
	if err != nil || rep.PlaybackSamples <= 0 {
		return 0
	}
	packets := int64(res.duration * opus.SampleRate / time.Second)
	return int(max(0, packets-int64(res.header.PreSkip)-rep.PlaybackSamples))
}

// arrival is one copy of a packet reaching the receiver.
type arrival struct {
	at  time.Duration
	idx int
}

// runSimulation sends every packet through the network and plays the
// arrivals out through a RealtimeBuffer on a manual clock, in one goroutine:
// whichever comes first, the next arrival or the buffer's next due time,
// happens next.
//
// It follows what the buffer holds from its Stats after each Write, so it
// knows which packet each played frame is whatever the buffer did: a late
// packet refused, a duplicate dropped, the oldest frames dropped on
// overflow, or a resync (a packet more than the resync threshold behind the
// playout position is a restarted sender: what was held is dropped and the
// new packet starts a new timeline). Frames then need not come out in stamp
// order, so the output is written afterwards, in the input's order (see
// writeOutput).
func runSimulation(e *env, res *simResult) error {
	link, err := netsim.New(res.net)
	if err != nil {
		return usageError{err}
	}
	var arrivals []arrival
	var buf []time.Time
	for i := range res.packets {
		p := &res.packets[i]
		buf = link.AppendSend(buf[:0], simStart.Add(p.send))
		switch len(buf) {
		case 0:
			res.netLost++
		case 2:
			res.netDups++
		}
		for _, t := range buf {
			p.arrive = append(p.arrive, t.Sub(simStart))
			res.delays = append(res.delays, t.Sub(simStart)-p.send)
			arrivals = append(arrivals, arrival{at: t.Sub(simStart), idx: i})
		}
	}
	sort.SliceStable(arrivals, func(i, j int) bool { return arrivals[i].at < arrivals[j].at })

	var bar *progressbar.ProgressBar
	if len(res.packets) >= progressPackets && isTerminal(e.stderr) {
		bar = progressbar.NewOptions(len(arrivals), progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("simulating"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
		defer bar.Finish()
	}

	clk := fakeclock.New(simStart)
	// WithoutFollowing: this mirror of the buffer knows only the schedule the
	// first frame sets (branch simulate rebuilds it on events, following).
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0, opusrt.WithClock(clk)), opusrt.WithPlayoutDelay(res.playout), opusrt.WithoutFollowing())
	// held mirrors the buffer: the packets it holds, in stamp order.
	var held []int
	stamped := make([]byte, 0, 8+1500)
	next := 0
	// The losses reported since the last frame played: after the last one
	// they are the underrun while waiting for arrivals that bring nothing
	// more to play, past the input's end, and not concealment.
	var trail struct {
		events, packets uint64
		dur             time.Duration
	}
	if len(arrivals) == 0 {
		rtb.CloseWrite()
	}
	for {
		due, ok := rtb.NextDue()
		if next < len(arrivals) && (!ok || arrivals[next].at <= due.Sub(simStart)) {
			a := arrivals[next]
			next++
			clk.Set(simStart.Add(a.at))
			p := &res.packets[a.idx]
			stamped = opusrt.AppendStamped(stamped[:0], p.frame, p.stamp)
			before := rtb.Stats()
			_, err := rtb.Write(stamped)
			after := rtb.Stats()
			switch {
			case errors.Is(err, opusrt.ErrDisorderedPacket):
				p.late = true
				res.late++
			case err != nil:
				return fmt.Errorf("packet %d: %v", a.idx, err)
			default:
				if after.Resyncs != before.Resyncs {
					// A resync on Write is a jump back: what was held
					// is dropped. (A jump forward is taken in Frame and
					// drops nothing.)
					for _, i := range held {
						res.packets[i].resynced = true
					}
					held = held[:0]
				}
				if after.PacketsDuplicated == before.PacketsDuplicated {
					held = insertHeld(held, res, a.idx)
				}
				for range after.PacketsDropped - before.PacketsDropped {
					res.packets[held[0]].dropped = true
					held = held[1:]
				}
			}
			if next == len(arrivals) {
				rtb.CloseWrite()
			}
			if bar != nil && next%1024 == 0 {
				bar.Set(next)
			}
			continue
		}
		if ok {
			clk.Set(due)
		}
		before := rtb.Stats()
		f, loss, err := rtb.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		now := clk.Now().Sub(simStart)
		// Frame drops held packets found overlapping what was played,
		// as late, before it returns anything.
		for range rtb.Stats().PacketsLate - before.PacketsLate {
			res.packets[held[0]].late = true
			held = held[1:]
		}
		if f == nil {
			after := rtb.Stats()
			trail.events += after.ConcealmentEvents - before.ConcealmentEvents
			trail.packets += after.PacketsLost - before.PacketsLost
			trail.dur += loss
			continue
		}
		trail.events, trail.packets, trail.dur = 0, 0, 0
		// The frame played is the held packet with the earliest stamp.
		if len(held) == 0 || !slices.Equal(res.packets[held[0]].frame, f) {
			return fmt.Errorf("internal error: played a frame that was not sent")
		}
		p := &res.packets[held[0]]
		held = held[1:]
		if p.playout < 0 {
			p.playout = now
		}
		res.played++
		res.latencies = append(res.latencies, now-p.send)
	}
	res.stats = rtb.Stats()
	res.trailEvents, res.trailPackets, res.trailLoss = trail.events, trail.packets, trail.dur
	return nil
}

// account counts the packets never played, by what became of them, and
// the audio lost before the first packet played and after the last, which
// the buffer never reports (its timeline starts at the first frame, and
// its losses after the last frame played are the underrun past the
// input's end).
func (res *simResult) account() {
	first, last := -1, -1
	for i := range res.packets {
		if res.packets[i].playout >= 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	np := &res.notPlayed
	if first < 0 {
		res.headTail = res.duration
		np.Outside = len(res.packets)
		return
	}
	lp := &res.packets[last]
	res.headTail = res.packets[first].send + res.duration - (lp.send + lp.frame.Duration())
	for i := range res.packets {
		p := &res.packets[i]
		switch {
		case p.playout >= 0:
		case i < first || i > last:
			np.Outside++
		case len(p.arrive) == 0:
			np.Lost++
		case p.resynced:
			np.Resynced++
		case p.dropped:
			np.Dropped++
		default:
			np.Late++
		}
	}
}

// insertHeld inserts packet i into held, the indices of the packets the
// buffer holds in stamp order.
func insertHeld(held []int, res *simResult, i int) []int {
	stamp := res.packets[i].stamp
	k, _ := slices.BinarySearchFunc(held, stamp, func(j int, s opusrt.EpochMillis) int {
		return cmp.Compare(res.packets[j].stamp, s)
	})
	return slices.Insert(held, k, i)
}

// writeOutput writes the input's timeline to ow: each packet that was
// played in its place, and every stretch of packets that were not (lost,
// late, dropped or resynced) filled with loss a decoder conceals, so the
// output lasts as long as the input whatever order the frames were played
// in. A packet played twice (after a resync) is written once.
func writeOutput(res *simResult, ow *opusrt.OggWriter) error {
	for i := range res.packets {
		p := &res.packets[i]
		if p.playout < 0 {
			continue
		}
		if gap := p.send - ow.Duration(); gap > 0 {
			if err := ow.WriteLoss(gap); err != nil {
				return err
			}
		}
		if err := ow.Write(p.frame); err != nil {
			return err
		}
	}
	// And what was lost after the last frame played.
	if tail := res.duration - ow.Duration(); tail > 0 {
		if err := ow.WriteLoss(tail); err != nil {
			return err
		}
	}
	return nil
}

// percentile returns the p-th percentile (0–100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(k, 0), len(s)-1)]
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

func pct(n, of int) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// printSummary prints what the simulation did, as a table whose counts are
// the buffer's statistics.
func printSummary(w io.Writer, r *simResult) {
	s := r.stats
	sent := len(r.packets)
	fd := r.packets[0].frame.TOC().FrameDuration()
	fmt.Fprintf(w, "input:    %s, %d packets, %s of audio (%v frames)\n", r.input, sent, fmtDur(r.duration), fd)
	fmt.Fprintf(w, "network:  %s\n", r.net)
	fmt.Fprintf(w, "buffer:   RealtimeBuffer, playout delay %v, virtual clock\n\n", r.playout)
	row := func(name string, v any, note string) { fmt.Fprintf(w, "  %-26s %9v  %s\n", name, v, note) }
	left := row
	row("sent", sent, "packets")
	row("lost in the network", r.netLost, pct(r.netLost, sent))
	row("duplicated by the network", r.netDups, pct(r.netDups, sent))
	row("received", s.PacketsReceived, fmt.Sprintf("= sent - lost + duplicated = %d", sent-r.netLost+r.netDups))
	row("played", s.PacketsPlayed, pct(int(s.PacketsPlayed), sent)+" of sent")
	row("late", s.PacketsLate, "arrived after their slot was played")
	row("duplicate", s.PacketsDuplicated, "second copies dropped")
	row("dropped", s.PacketsDropped, "the buffer was full")
	row("resynced", s.PacketsResynced, fmt.Sprintf("held when %d resync(s) dropped them (a packet over %v behind: a restarted sender)", s.Resyncs, opusrt.DefaultResyncThreshold))
	other := s.PacketsCleared + uint64(s.BufferedPackets)
	check := "= played + late + duplicate + dropped + resynced"
	if other > 0 {
		row("left in the buffer", other, "")
		check += " + left"
	}
	row("check", s.PacketsPlayed+s.PacketsLate+s.PacketsDuplicated+s.PacketsDropped+s.PacketsResynced+other, fmt.Sprintf("%s = received %d", check, s.PacketsReceived))
	np := r.notPlayed
	why := fmt.Sprintf("lost %d + late %d", np.Lost, np.Late)
	if np.Dropped > 0 {
		why += fmt.Sprintf(" + dropped %d", np.Dropped)
	}
	if np.Resynced > 0 {
		why += fmt.Sprintf(" + resynced %d", np.Resynced)
	}
	row("concealed", s.PacketsLost-r.trailPackets, fmt.Sprintf("packets in %d events, %s (not played: %s)",
		s.ConcealmentEvents-r.trailEvents, fmtDur(s.LostDuration-r.trailLoss), why))
	if r.headTail > 0 {
		row("+ before/after the stream", fmtDur(r.headTail), fmt.Sprintf("%d packets lost at the start or end, filled in the output", np.Outside))
	}
	left("jitter (RFC 3550)", fmtDur(s.Jitter), "")
	left("network delay mean", fmtDur(mean(r.delays)), "send to arrival, received copies")
	left("network delay p95", fmtDur(percentile(r.delays, 95)), "")
	left("latency mean", fmtDur(mean(r.latencies)), "send to playout, played frames")
	left("latency p95", fmtDur(percentile(r.latencies, 95)), "")
	left("in buffer mean", fmtDur(s.MeanJitterBufferDelay()), "arrival to playout (JitterBufferDelay)")
	if r.outName != "" {
		same := "as long as the input"
		if r.outLength != r.duration {
			same = fmt.Sprintf("the input has %s", fmtDur(r.duration))
		}
		trim := ""
		if r.trim > 0 {
			trim = fmt.Sprintf(" (%s trimmed at the end, as in the input)", fmtDur(opus.SamplesDuration(r.trim)))
		}
		fmt.Fprintf(w, "\noutput:   %s: %s of packets%s, %s; losses filled with packets a decoder conceals\n", r.outName, fmtDur(r.outLength), trim, same)
	} else {
		fmt.Fprintf(w, "\nAdd -o heard.opus to hear what the buffer played, --plot timeline.svg to see it.\n")
	}
}

// fmtDur formats a duration for the summary: milliseconds below 10 s.
func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return durationString(d.Seconds())
	}
}
