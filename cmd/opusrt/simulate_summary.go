package main

import (
	"fmt"
	"io"
	"math/bits"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// simResult is what a simulation did.
type simResult struct {
	input      string
	header     opusrt.OggHeader
	firstFrame time.Duration // the first packet's frame size, for the summary
	sent       int
	duration   time.Duration // of the stream sent, input damage included
	net        netSpec
	playout    playoutSpec
	stats      opusrt.Stats
	netLost    int
	netDups    int
	// headFill and tailFill are the input's audio before the first frame
	// played and after the last, which the buffer never hands out (its
	// timeline starts at the first frame, and its losses after the last
	// are the underrun past the input's end).
	headFill, tailFill time.Duration
	notPlayed          notPlayed
	events             eventAccounts // what the buffer handed out
	latencies          durationStats // send to playout of the played frames
	delays             durationStats // send to arrival of every copy received
	trim               int           // 48 kHz samples at the end of the output not to be played, as in the input
	outName            string
	outLength          time.Duration
	plot               *plotData // with --plot
	maxOpen            int       // the most packets followed at once
	// lateCopies counts the copies the buffer found late of packets
	// played or found late already: duplicates, counted as such, so
	// that a packet is late once.
	lateCopies uint64
}

// late returns the packets that arrived after their slot was played, each
// once whatever its copies.
func (r *simResult) late() uint64 { return r.stats.PacketsLate - r.lateCopies }

// duplicate returns the copies dropped as duplicates: those the buffer
// found duplicate, and the late copies of packets played or late already.
func (r *simResult) duplicate() uint64 { return r.stats.PacketsDuplicated + r.lateCopies }

// noNegZero returns v, but 0 for −0, which JSON would print as "-0".
func noNegZero(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

// simSummary is the JSON form of the summary. Durations are in
// milliseconds. The packet counts from received to buffered are the
// buffer's Stats, but for one thing: a packet is late once, its later
// copies counted duplicate (the buffer counts every copy that comes after
// its slot late). They add up: received = sent − lost_in_network +
// duplicated_by_network, and received = played + late + duplicate +
// dropped + resynced + cleared + removed + buffered. What was heard comes
// from the events the buffer handed out: between the first frame and the
// last, played_ms + concealed_ms + removed_ms covers the stream sent less
// filled_before_after_ms, and inserted_ms is heard on top.
type simSummary struct {
	Input               string  `json:"input"`
	Network             string  `json:"network"`
	Playout             string  `json:"playout"`
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
	Removed             uint64  `json:"removed"`
	Buffered            int     `json:"buffered"`
	PlayedMs            float64 `json:"played_ms"`
	Concealed           uint64  `json:"concealed_packets"`
	ConcealmentEvents   uint64  `json:"concealment_events"`
	ConcealedMs         float64 `json:"concealed_ms"`
	// InsertedMs is the audio of the concealment slots adaptation
	// inserted; InsertedInactiveMs the part where the listener heard
	// concealment anyway or before a frame the encoder marked inactive.
	InsertedMs         float64 `json:"inserted_ms"`
	InsertedInactiveMs float64 `json:"inserted_inactive_ms"`
	// RemovedMs is the audio adaptation skipped: frames removed and loss
	// slots shortened; RemovedInactiveMs the part taken from loss slots
	// and inactive frames.
	RemovedMs         float64 `json:"removed_ms"`
	RemovedInactiveMs float64 `json:"removed_inactive_ms"`
	Discontinuities   uint64  `json:"discontinuities"`
	// TargetDelayMs is the buffer's target delay at the end, above the
	// fastest recent arrival; SkewPPM its estimate of the sender's clock
	// skew (positive: fast).
	TargetDelayMs float64 `json:"target_delay_ms"`
	SkewPPM       float64 `json:"skew_ppm"`
	// NotPlayed counts the packets sent but never played: those between
	// the first and the last played, by cause; before_after are in
	// filled_before_after_ms.
	NotPlayed           notPlayed `json:"not_played"`
	FilledOutsideMs     float64   `json:"filled_before_after_ms"`
	JitterMs            float64   `json:"jitter_ms"`
	NetworkDelayMeanMs  float64   `json:"network_delay_mean_ms"`
	NetworkDelayP95Ms   float64   `json:"network_delay_p95_ms"`
	LatencyMeanMs       float64   `json:"latency_mean_ms"`
	LatencyP95Ms        float64   `json:"latency_p95_ms"`
	JitterBufferDelayMs float64   `json:"jitter_buffer_delay_mean_ms"`
	InputMs             float64   `json:"input_ms"`
	Output              string    `json:"output,omitempty"`
	OutputMs            float64   `json:"output_ms,omitempty"`
	// OutputTrimMs is the input's end trimming, carried over: a player
	// plays output_ms − output_trim_ms.
	OutputTrimMs float64 `json:"output_trim_ms,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func samplesMs(n uint64) float64 { return float64(n) / (opus.SampleRate / 1000) }

func (r *simResult) summary() simSummary {
	s, ev := r.stats, r.events
	return simSummary{
		Input: r.input, Network: r.net.String(), Playout: r.playout.mode, PlayoutDelayMs: ms(r.playout.delay),
		Sent: r.sent, LostInNetwork: r.netLost, DuplicatedByNetwork: r.netDups,
		Received: s.PacketsReceived, Played: s.PacketsPlayed, Late: r.late(),
		Duplicate: r.duplicate(), Dropped: s.PacketsDropped, Resynced: s.PacketsResynced,
		Resyncs: s.Resyncs, Cleared: s.PacketsCleared, Removed: s.PacketsRemoved, Buffered: s.BufferedPackets,
		PlayedMs: ms(ev.played), Concealed: ev.lossPackets, ConcealmentEvents: ev.lossEvents, ConcealedMs: ms(ev.lost),
		InsertedMs: samplesMs(s.InsertedSamplesForDeceleration), InsertedInactiveMs: samplesMs(s.InsertedSamplesInactive),
		RemovedMs: samplesMs(s.RemovedSamplesForAcceleration), RemovedInactiveMs: samplesMs(s.RemovedSamplesInactive),
		Discontinuities: ev.discontinuities, TargetDelayMs: ms(s.TargetDelay), SkewPPM: noNegZero(s.SkewPPM),
		NotPlayed: r.notPlayed, FilledOutsideMs: ms(r.headFill + r.tailFill), JitterMs: ms(s.Jitter),
		NetworkDelayMeanMs: ms(r.delays.mean()), NetworkDelayP95Ms: ms(r.delays.percentile(95)),
		LatencyMeanMs: ms(r.latencies.mean()), LatencyP95Ms: ms(r.latencies.percentile(95)),
		JitterBufferDelayMs: ms(s.MeanJitterBufferDelay()),
		InputMs:             ms(r.duration), Output: r.outName, OutputMs: ms(r.outLength),
		OutputTrimMs: ms(opus.SamplesDuration(r.trim)),
	}
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
	sent := r.sent
	fd := r.firstFrame
	again := ""
	if r.net.duration > 0 {
		again = ", the input sent again and again"
	}
	fmt.Fprintf(w, "input:    %s, %d packets, %s of audio (%v frames%s)\n", r.input, sent, fmtDur(r.duration), fd, again)
	fmt.Fprintf(w, "network:  %s\n", r.net)
	fmt.Fprintf(w, "buffer:   RealtimeBuffer, %s, virtual clock\n\n", r.playout)
	row := func(name string, v any, note string) { fmt.Fprintf(w, "  %-26s %9v  %s\n", name, v, note) }
	left := row
	row("sent", sent, "packets")
	row("lost in the network", r.netLost, pct(r.netLost, sent))
	row("duplicated by the network", r.netDups, pct(r.netDups, sent))
	row("received", s.PacketsReceived, fmt.Sprintf("= sent - lost + duplicated = %d", sent-r.netLost+r.netDups))
	row("played", s.PacketsPlayed, pct(int(s.PacketsPlayed), sent)+" of sent")
	row("late", r.late(), "arrived after their slot was played")
	row("duplicate", r.duplicate(), "second copies dropped")
	row("dropped", s.PacketsDropped, "the buffer was full")
	row("resynced", s.PacketsResynced, fmt.Sprintf("held when %d resync(s) dropped them (a packet over %v behind: a restarted sender)", s.Resyncs, opusrt.DefaultResyncThreshold))
	if s.PacketsRemoved > 0 {
		row("removed", s.PacketsRemoved, "frames skipped to shrink the delay")
	}
	other := s.PacketsCleared + uint64(s.BufferedPackets)
	check := "= played + late + duplicate + dropped + resynced"
	if s.PacketsRemoved > 0 {
		check += " + removed"
	}
	if other > 0 {
		row("left in the buffer", other, "")
		check += " + left"
	}
	row("check", s.PacketsPlayed+r.late()+r.duplicate()+s.PacketsDropped+s.PacketsResynced+s.PacketsRemoved+other, fmt.Sprintf("%s = received %d", check, s.PacketsReceived))
	np := r.notPlayed
	ev := r.events
	why := fmt.Sprintf("lost %d + late %d", np.Lost, np.Late)
	if np.Discarded > 0 {
		why += fmt.Sprintf(" + discarded %d", np.Discarded)
	}
	row("concealed", ev.lossPackets, fmt.Sprintf("packets in %d events, %s (not played: %s)",
		ev.lossEvents, fmtDur(ev.lost), why))
	if fill := r.headFill + r.tailFill; fill > 0 {
		row("+ before/after the stream", fmtDur(fill), fmt.Sprintf("%d packets lost at the start or end, filled in the output", np.Outside))
	}
	ins, rem := opus.SamplesDuration(int(s.InsertedSamplesForDeceleration)), opus.SamplesDuration(int(s.RemovedSamplesForAcceleration))
	row("inserted", fmtDur(ins), fmt.Sprintf("concealment slots to grow the delay (%s where concealed anyway or inactive)",
		fmtDur(opus.SamplesDuration(int(s.InsertedSamplesInactive)))))
	row("removed", fmtDur(rem), fmt.Sprintf("skipped to shrink the delay (%s of loss slots and inactive frames)",
		fmtDur(opus.SamplesDuration(int(s.RemovedSamplesInactive)))))
	if ev.discontinuities > 0 {
		row("discontinuities", ev.discontinuities, "stamp jumps past the resync threshold: nothing concealed, nothing filled")
	}
	left("target delay", fmtDur(s.TargetDelay), "at the end, above the fastest recent arrival")
	if s.SkewPPM == 0 && s.PlayedDuration < 16*time.Second {
		left("sender clock skew", "-", "not estimated: the buffer needs 16 s of arrivals")
	} else {
		left("sender clock skew", fmt.Sprintf("%+.1f ppm", noNegZero(s.SkewPPM)), "as the buffer estimates it")
	}
	left("jitter (RFC 3550)", fmtDur(s.Jitter), "")
	left("network delay mean", fmtDur(r.delays.mean()), "send to arrival, received copies")
	left("network delay p95", fmtDur(r.delays.percentile(95)), "")
	left("latency mean", fmtDur(r.latencies.mean()), "send to playout, played frames")
	left("latency p95", fmtDur(r.latencies.percentile(95)), "")
	left("in buffer mean", fmtDur(s.MeanJitterBufferDelay()), "arrival to playout (JitterBufferDelay)")
	if r.outName != "" {
		same := "as long as the input"
		if r.outLength != r.duration {
			same = fmt.Sprintf("the input has %s (inserted and removed audio, discontinuities)", fmtDur(r.duration))
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

// durationStats sums durations and counts them in a histogram, for their
// mean and percentiles in constant memory. A percentile is the mean of
// the durations in its bucket: exact when they are equal (a fixed
// schedule), else within a microsecond below 1.024 ms and within 0.1 %
// above.
type durationStats struct {
	n       uint64
	sum     time.Duration
	max     time.Duration
	buckets []histBucket // allocated on the first add
}

type histBucket struct {
	n   uint64
	sum time.Duration
}

// histBuckets is the number of buckets for microseconds up to 2⁶³.
const histBuckets = 56 * 512

// bucketOf returns the bucket of us microseconds: us itself below 1024,
// then 512 buckets for each power of two.
func bucketOf(us uint64) int {
	if us < 1024 {
		return int(us)
	}
	s := bits.Len64(us) - 10
	return s*512 + int(us>>s)
}

func (d *durationStats) add(v time.Duration) {
	if d.buckets == nil {
		d.buckets = make([]histBucket, histBuckets)
	}
	d.n++
	d.sum += v
	d.max = max(d.max, v)
	b := &d.buckets[bucketOf(uint64(max(v, 0)/time.Microsecond))]
	b.n++
	b.sum += v
}

func (d *durationStats) mean() time.Duration {
	if d.n == 0 {
		return 0
	}
	return d.sum / time.Duration(d.n)
}

// percentile returns the p-th percentile (0–100), nearest rank.
func (d *durationStats) percentile(p float64) time.Duration {
	if d.n == 0 {
		return 0
	}
	k := uint64(min(max(int64(float64(d.n)*p/100+0.5), 1), int64(d.n)))
	var seen uint64
	for _, b := range d.buckets {
		seen += b.n
		if seen >= k {
			return b.sum / time.Duration(b.n)
		}
	}
	return 0
}
