package main

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spf13/cobra"
)

// The simulate command is in several files, one concern each:
// simulate.go (the command line), simulate_input.go (the packets sent),
// simulate_network.go (the packets in flight), simulate_loop.go (the
// playout loop on the virtual clock), simulate_track.go (what became of
// each packet), simulate_output.go (the -o file) and simulate_summary.go
// (the report, as text or JSON).

// defaultNet is the network simulate and send use unless told otherwise:
// a mobile link on a fair day, bad enough to show what the buffer does.
var defaultNet = netFlags{loss: 3, burst: 2, delay: 40 * time.Millisecond, jitter: 10 * time.Millisecond, dist: "pareto", reorder: 1, dup: 0.5, seed: 1}

func newSimulateCmd(e *env) *cobra.Command {
	var (
		nf     netFlags
		pf     playoutFlags
		out    string
		plot   string
		serial uint32
		asJSON bool
		sweep  bool
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

The input is read as it is sent and the output written as it is played, so
memory stays bounded by what the buffer and the network hold, whatever the
input's length. Ctrl-C (SIGINT or SIGTERM) stops a run at once and removes
its unfinished output.

With -o, what the buffer plays out is written to OUT.opus as it is played,
every loss and inserted slot as packets a decoder conceals, so the file
plays in any player and sounds as a listener heard it; the input's audio
before the first frame played and after the last is filled too, and its end
trimming carried over, so that a run that inserted and removed nothing
decodes to the input's length. A discontinuity (a stamp jump beyond the
resync threshold, 5 s) writes nothing, and the wait before it (the buffer
ran dry until a packet came so late that it starts a new timeline) is
filled and counted concealed up to the resync threshold, no more. The input's header (channels, mapping,
output gain, input rate, pre-skip), comments and chain links are kept: a
frame of the next link begins a link of the output with that link's
header, the last one ended with its end trimming. OUT.opus is written beside itself under a
temporary name and put in place at the end: a run that fails leaves an
existing file as it was. Without -o nothing is written. With --plot, the
timeline of every packet (sent, arrived, played; lost and late marked) is
drawn to an SVG (or .png, .pdf) file: over the send time, each packet's
network delay, the actual delay it was played with (send to playout), and
the delay the buffer aimed at (its target delay above the least network
delay of the last 64 packets sent, as the summary's target_delay_ms).

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
with --reorder: each one picked is held --reorder-delay more, out of the queue.

A trace (--trace FILE) is the whole network instead of the model: one line
per packet, in send order, its one-way delay in milliseconds (a decimal: 40,
41.25) or the word "lost"; blank lines and lines starting with # are ignored.
Each packet arrives its line's delay after it is sent (so packets change
order when the delay falls faster than they are sent), none is duplicated,
and the trace starts again at its first line when the input is longer. The
model's flags (--loss, --burst, --delay, --jitter, --jitter-dist, --reorder,
--reorder-delay, --duplicate) cannot be given with a trace; --seed still
seeds the rest of the run.

The sender: --drift PPM makes its stamp clock run that many parts per
million fast (+) or slow (-) against the receiver's clock, as real crystals
do (100 ppm is ordinary): a fast sender sends its 20 ms frames every
19.998 ms. --duration D sends the input again and again, its stamps going
on, until D of audio is sent, so an hour of drift needs no hour-long file
(with "-" as the input, stdin is then held in memory to be read again).

The playout: --playout adaptive (the default) starts at --playout-delay and
sets its delay from the network's jitter, between --min-delay and
--max-delay, by inserting concealment slots and removing frames (loss slots
and inactive frames first); --playout fixed holds --playout-delay above the
network's delay. Both follow the sender's clock drift and the network's
delay steps. The summary counts what was inserted and removed, the final
target delay and the sender's clock skew the buffer estimated. --sweep runs the same network (the same
seed or trace) at fixed delays from 20 ms to 500 ms, and adaptively, and
prints one row for each — late packets, latency mean and p95 — with the
least fixed delay that keeps late packets at 1 % or less: the answer to
"what delay should I use?". -o's Ogg serial number comes from --seed unless
--serial sets it, so the same command writes the same bytes.

--json prints the summary as one JSON object (--sweep: an array, one per
row). Durations are in milliseconds (decimals), counts are packets.
  input, network, playout      what was run ("adaptive" or "fixed")
  playout_delay_ms             --playout-delay
  sent                         packets sent
  lost_in_network              sent, never arrived
  duplicated_by_network        sent, arrived twice
  received                     copies that arrived: sent - lost + duplicated
  played                       frames played
  late                         packets whose copy came after their slot was
                               played, each once (its later copies count
                               as duplicate)
  duplicate                    copies dropped: one of the packet was held,
                               played or late already
  dropped                      dropped because the buffer was full
  resynced, resyncs            packets held when the buffer resynced (a
                               packet over 5 s behind: a restarted sender),
                               and how many times it did (jumps both ways)
  cleared, removed, buffered   held at a reset; skipped by playout to
                               shrink its delay; held at the end.
                               received = played + late + duplicate +
                               dropped + resynced + cleared + removed +
                               buffered
  played_ms                    audio played
  concealed_packets, concealment_events, concealed_ms
                               loss heard between the first frame played
                               and the last (in frames of the last played)
  inserted_ms                  concealment slots playout inserted to grow
                               its delay (not loss); inserted_inactive_ms
                               the part where the listener heard a loss
                               anyway or before an inactive frame
  removed_ms                   audio playout skipped to shrink its delay;
                               removed_inactive_ms the part of loss slots
                               and frames the encoder marked inactive
  discontinuities              timeline jumps past the resync threshold
  target_delay_ms              the final target delay, above the fastest
                               recent arrival (fixed: --playout-delay)
  skew_ppm                     the sender's clock skew the buffer estimated
                               (positive: fast)
  not_played                   packets sent and never played: before_after
                               (before the first played or after the last),
                               lost_in_network, late, discarded (taken by
                               the buffer, not played: resynced, dropped,
                               removed); between the first and the last
  filled_before_after_ms       the input's audio before the first frame
                               played and after the last (filled in -o)
  jitter_ms                    interarrival jitter (RFC 3550)
  network_delay_mean_ms, network_delay_p95_ms
                               send to arrival, every copy received
  latency_mean_ms, latency_p95_ms
                               send to playout, every frame played
  jitter_buffer_delay_mean_ms  arrival to playout
  input_ms                     the stream sent
  output, output_ms, output_trim_ms
                               with -o: its name, its length, and the end
                               trimming carried over from the input`,
		Example: `  opusrt simulate
  opusrt simulate talk.opus -o heard.opus --plot timeline.svg
  opusrt simulate --loss 10 --burst 4 --jitter 30ms --jitter-dist lognormal --seed 7
  opusrt simulate --trace wifi.txt --json
  opusrt simulate --drift -100 --duration 1h
  opusrt simulate --sweep --loss 5 --jitter 30ms --duration 10m
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
			po, err := pf.config(cmd.Flags())
			if err != nil {
				return err
			}
			if sweep && (out != "" || plot != "") {
				return usagef("--sweep runs the network many times: it writes no -o or --plot")
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
			if !cmd.Flags().Changed("serial") {
				serial = serialFromSeed(nf.seed)
			}
			o := simOptions{in: name, out: out, plot: plot, net: cfg, playout: po, serial: serial, json: asJSON}
			if sweep {
				return simulateSweep(cmd.Context(), e, o)
			}
			return simulate(cmd.Context(), e, o)
		},
	}
	nf.add(c.Flags(), defaultNet)
	pf.add(c.Flags())
	c.Flags().StringVarP(&out, "output", "o", "", "write the played-out stream, losses filled, to this Ogg Opus file (\"-\" for stdout)")
	c.Flags().StringVar(&plot, "plot", "", "draw the timeline to this file (.svg, .png or .pdf)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON, for scripts")
	c.Flags().BoolVar(&sweep, "sweep", false, "run the same network at fixed delays from 20 ms to 500 ms and adaptively, and print a table: what delay to use")
	c.Flags().Uint32Var(&serial, "serial", 0, "the Ogg stream serial number of -o (default: derived from --seed, so the same seed gives the same bytes)")
	return c
}

// serialFromSeed derives the output's serial number from the network's
// seed (SplitMix64's finaliser), so that one seed gives one file.
func serialFromSeed(seed uint64) uint32 {
	z := seed + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return uint32(z ^ (z >> 31))
}

// simOptions is what the command line asks of one simulation.
type simOptions struct {
	in, out, plot string
	net           netSpec
	playout       playoutSpec
	serial        uint32 // of the -o stream
	json          bool
}

// simStart is the virtual time the simulation starts at; its stamps count
// from it. A fixed time keeps runs identical.
var simStart = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// simulate runs one simulation and reports it. It stops when ctx is done,
// removing its unfinished output.
func simulate(ctx context.Context, e *env, o simOptions) error {
	res, err := runSimulate(ctx, e, o)
	if err != nil {
		return err
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

// runSimulate runs the simulation o asks for, writes its output and plot,
// and returns what happened. When ctx is done it stops at once, even if
// blocked reading stdin or writing stdout, with errInterrupted.
func runSimulate(ctx context.Context, e *env, o simOptions) (*simResult, error) {
	res, err := runSimulateCtx(ctx, interruptible(ctx, e), o)
	if err != nil && ctx.Err() != nil {
		return nil, errInterrupted
	}
	return res, err
}

func runSimulateCtx(ctx context.Context, e *env, o simOptions) (*simResult, error) {
	src, err := openSource(e, o.in, sourceOptions{
		trim: o.out != "", repeat: o.net.duration > 0, limit: o.net.duration, sendTime: o.net.sendTime})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	res := &simResult{input: src.name, header: src.header, net: o.net, playout: o.playout}

	// Create the output first, so a bad name fails before the work; it
	// is written to a temporary file, put in place only on success.
	var out *simOutput
	if o.out != "" {
		if out, err = createSimOutput(e, o.out, src.header, src.tags, o.net, o.serial); err != nil {
			return nil, err
		}
		defer out.Abort() // after Commit, a no-op
		res.outName = o.out
	}
	if o.plot != "" {
		res.plot = &plotData{}
	}
	if err := runSimulation(ctx, e, src, res, out); err != nil {
		return nil, err
	}
	if out != nil {
		res.trim = src.Trim()
		if trim, ok := out.lastLinkTrim(); ok && res.trim > 0 {
			res.trim = trim // links kept: the last one's own
		}
		if err := out.Finish(res.tailFill, res.trim); err != nil {
			return nil, err
		}
		res.outLength = out.Duration()
	}
	if o.plot != "" {
		if err := plotTimeline(o.plot, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}
