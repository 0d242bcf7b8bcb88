// Package neteqmodel is a reference model of libwebrtc NetEq's playout
// rules, applied to whole 20 ms frames, for comparing opusrt's adaptive
// playout with NetEq's on the same network traces. It is a model of the
// rules, written from what NetEq does, not a port: no audio is decoded and
// every operation moves a whole frame.
//
// What it takes, and from where (libwebrtc modules/audio_coding/neteq, as
// in mozilla/gecko-dev's third_party/libwebrtc):
//
//   - packet_arrival_history.cc: each arrival is kept with its send stamp
//     for a window of 2 s of stamps behind the newest (decision_logic.cc's
//     kPacketHistorySizeMs); a packet's relative delay is its transit
//     (arrival − stamp) minus the least transit in the window, never
//     below 0; the "max delay" is the greatest transit minus the least.
//     Reordered packets (older than the newest) are left out of both, and
//     packets older than the window are not inserted at all. No estimate
//     is made until two packets have arrived.
//   - underrun_optimizer.cc and delay_manager.h's default Config: the
//     relative delays are resampled, the greatest of each interval of
//     500 ms (resample_interval_ms) going into a histogram of 100 buckets
//     of 20 ms (delays of 2 s or more are not registered); the target is
//     (1 + the bucket of the 0.95 quantile) × 20 ms, 80 ms (kStartDelayMs)
//     until the first update, and at most 75 % of 200 packets.
//   - histogram.cc: the forgetting histogram in Q30 with factor 0.983 in
//     Q15, reset to 0.5^(i+1), the start forget weight 2 (the factor is
//     1 − 2/(n+1) after n updates, up to 0.983), the rounding correction
//     and the quantile search, as NetEq computes them.
//   - decision_logic.cc, current rules ("stable delay mode", the only ones
//     in gecko-dev's copy): with the next frame at hand and the last
//     operation not a concealment, the playout delay (the transit of the
//     frame about to play, minus the least transit) is compared with the
//     target: at or above target + max delay + 20 ms accelerate, four
//     times that fast accelerate (an ordinary accelerate that does not
//     wait for the countdown below: NetEq's default, without
//     enable_fast_accelerate), below the target preemptive expand;
//     otherwise normal. Time stretching waits kMinTimescaleInterval (five
//     10 ms calls) after the last stretch, and 60 ms after the start.
//     With the next frame missing but a later one held, concealment goes
//     on while the gap is longer than what was concealed so far, unless
//     the held audio (span plus the newest packet's waiting time) exceeds
//     target + 50 ms (kTargetLevelWindowMs / 2); then the later frame
//     plays (merge). With nothing held, expand. After a concealment, while
//     the held audio is under half the target (kPostponeDecodingLevel),
//     concealment goes on (PostponeDecode).
//   - decision_logic.cc, older rules (enable_stable_delay_mode off, as in
//     libwebrtc before the stable mode became the only one) and
//     buffer_level_filter.cc: the buffer level (the span of held frames)
//     is smoothed by the filter (factor 251–254 in Q8 by target, less the
//     audio a time stretch added or removed), and compared with low =
//     max(3/4 target, target − 85 ms) and high = max(target, low + 20 ms);
//     the target is at least one frame. With the next frame missing and a
//     later one held, concealment goes on while the gap is not covered,
//     the filtered level is under the target and it has lasted less than
//     100 ms (kMaxWaitForPacketMs, ShouldContinueExpand); the filter is
//     updated after a concealment too, PostponeDecode looks at the span
//     without the waiting time, and after more than 1 s of concealment
//     (kReinitAfterExpandsMs) the next held frame plays.
//
// Mapped to frames: normal plays the next frame; accelerate removes it and
// plays the one after (only when that one is held, as NetEq needs more
// audio to accelerate); preemptive expand inserts a concealment slot
// before it; expand plays a concealment slot for a missing frame; merge
// plays the first held frame after a gap, the missing frames before it
// skipped. A frame that arrives after playout has passed it is late.
//
// What it simplifies: one decision per 20 ms frame, not per 10 ms call;
// every stretch moves a whole frame where NetEq's moves 2.5–15 ms that
// fit the pitch, and always succeeds; arrival times are exact, not counted
// in NetEq's 10 ms ticks; the reorder optimizer is left out (a reordered
// packet does not update the underrun optimizer, as when that optimizer
// is on), and so are DTX, comfort noise, DTMF, the minimum and maximum
// delay settings and (but for the older rules' reinit) the resets after
// long concealment; PostponeDecode's "mute factor under one half" is
// taken as five concealment frames in a row (expand.cc mutes faster from
// its third and seventh expand on; the exact point depends on the
// signal).
//
// Accounting (Result): a concealment slot that stands for a frame the
// merge skipped is loss concealment; the others are inserted (they grew
// the delay, as a preemptive expand does). Damage is late + inserted +
// removed frames, the same as for opusrt's buffers.
package neteqmodel

import (
	"math"
	"slices"

	"github.com/haivivi/giztoy/bench/internal/latency"
	"github.com/haivivi/giztoy/bench/internal/traces"
)

// Rules chooses which of NetEq's decision rules the model follows.
type Rules int

const (
	// Stable is the current decision logic: the playout delay against
	// the target and the arrival history's max delay.
	Stable Rules = iota
	// BufferLevel is the older decision logic: the filtered buffer level
	// against thresholds around the target.
	BufferLevel
)

// String returns "stable" or "buffer-level".
func (r Rules) String() string {
	if r == BufferLevel {
		return "buffer-level"
	}
	return "stable"
}

// Op is an operation the model did, in the order done.
type Op int

// The operations.
const (
	Normal Op = iota
	Accelerate
	PreemptiveExpand
	Expand
	Merge
)

// Event is one operation at a time.
type Event struct {
	// At is the time since the first arrival, in ms.
	At float64
	Op Op
	// Frame is the frame played (or removed, for Accelerate), -1 for a
	// concealment slot.
	Frame int
}

// Result is one run of the model over a trace.
type Result struct {
	// Sent, Lost, Played, Late, Inserted and Removed count frames: sent,
	// lost in the network, played, arrived after playout passed them,
	// concealment slots that grew the delay, frames removed to shrink it.
	Sent, Lost, Played, Late, Inserted, Removed int
	// Concealed counts concealment slots that stood for a missing frame.
	Concealed int
	// LatMean and LatP95 are the mouth-to-ear latency of the frames
	// played (play time − send time), in ms.
	LatMean, LatP95 float64
	// TargetMs is the final target delay.
	TargetMs int
	// Events, when Config.Events is set, is every operation but Normal.
	Events []Event
	// PlayedAt, when Config.Events is set, is when each frame played,
	// in ms since frame 0 was sent; -1 for a frame not played.
	PlayedAt []float64
}

// Damage returns late + inserted + removed, in % of the frames sent.
func (r Result) Damage() float64 {
	if r.Sent == 0 {
		return 0
	}
	return 100 * float64(r.Late+r.Inserted+r.Removed) / float64(r.Sent)
}

// Config is a run's settings.
type Config struct {
	Rules Rules
	// Events records every operation but Normal in Result.Events, and
	// when each frame played in Result.PlayedAt.
	Events bool
}

// NetEq's constants, from the files named in the package doc.
const (
	frameMs              = float64(traces.FrameDuration) / 1e6
	historyWindowMs      = 2000       // decision_logic.cc kPacketHistorySizeMs
	startDelayMs         = 80         // delay_manager.cc kStartDelayMs
	resampleIntervalMs   = 500        // delay_manager.h resample_interval_ms
	bucketMs             = 20         // underrun_optimizer.cc kBucketSizeMs
	buckets              = 100        // underrun_optimizer.cc kDelayBuckets
	quantileQ30          = 1020054732 // 0.95 in Q30, truncated as NetEq's int conversion does
	forgetFactorQ15      = 32210      // 0.983 in Q15, truncated
	startForgetWeight    = 2.0
	maxPacketsInBuffer   = 200
	adjustGranularityMs  = 20   // kDelayAdjustmentGranularityMs
	targetWindowMs       = 100  // kTargetLevelWindowMs
	postponeLevelPct     = 50   // kPostponeDecodingLevel
	decelOffsetMs        = 85   // deceleration_target_level_offset_ms
	timescaleWaitMs      = 60   // kMinTimescaleInterval (5) calls of 10 ms, from the call after the stretch
	lowMuteExpands       = 5    // see the package doc
	maxWaitForPacketMs   = 100  // kMaxWaitForPacketMs, older rules
	reinitAfterExpandsMs = 1000 // kReinitAfterExpandsMs, older rules
)

// Run plays delays (one-way delay per packet in send order, in ms, or
// traces.Lost) through the model. Packet i is sent at i × 20 ms; playout
// starts with the first arrival and takes one decision per 20 ms from
// there.
func Run(delays []float64, cfg Config) Result {
	type arrival struct {
		at float64
		i  int
	}
	res := Result{Sent: len(delays), TargetMs: startDelayMs}
	var arr []arrival
	for i, d := range delays {
		if d == traces.Lost {
			res.Lost++
			continue
		}
		arr = append(arr, arrival{float64(i)*frameMs + d, i})
	}
	if len(arr) == 0 {
		return res
	}
	slices.SortStableFunc(arr, func(a, b arrival) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	m := model{cfg: cfg, target: startDelayMs, hist: newHistogram(), held: make([]float64, len(delays)), res: &res}
	for i := range m.held {
		m.held[i] = -1
	}
	var lat []float64
	if cfg.Events {
		res.PlayedAt = make([]float64, len(delays))
		for i := range res.PlayedAt {
			res.PlayedAt[i] = -1
		}
	}
	start := arr[0].at
	m.start, m.timescaleAt = start, start+timescaleWaitMs
	m.last = Normal
	for k, a := 0, 0; a < len(arr) || m.nHeld > 0; k++ {
		now := start + float64(k)*frameMs
		for ; a < len(arr) && arr[a].at <= now; a++ {
			m.arrive(arr[a].i, arr[a].at)
		}
		op, f := m.decide(now, k == 0)
		switch op {
		case Normal, Merge, Accelerate:
			if op == Accelerate {
				m.take(m.next)
				res.Removed++
				m.event(now, Accelerate, m.next)
				f = m.next + 1
			}
			if op == Merge || m.expands > 0 {
				// The slots concealed since the last frame stand for
				// the frames skipped; the rest grew the delay.
				skipped := f - m.next
				res.Concealed += min(skipped, m.expands)
				res.Inserted += max(0, m.expands-skipped)
				m.event(now, Merge, f)
			}
			m.take(f)
			lat = append(lat, now-float64(f)*frameMs)
			if cfg.Events {
				res.PlayedAt[f] = now
			}
			res.Played++
			m.next, m.expands = f+1, 0
		case Expand:
			m.expands++
			m.event(now, Expand, -1)
		case PreemptiveExpand:
			res.Inserted++
			m.event(now, PreemptiveExpand, -1)
		}
		if op == Accelerate || op == PreemptiveExpand {
			m.timescaleAt = now + timescaleWaitMs
			m.stretched = frameMs
			if op == PreemptiveExpand {
				m.stretched = -frameMs
			}
		}
		m.last = op
	}
	res.TargetMs = m.target
	res.LatMean, res.LatP95 = latency.MeanP95(lat)
	return res
}

// model is the state of a run.
type model struct {
	cfg Config
	res *Result

	// The packet buffer: held[i] is frame i's arrival time, or -1.
	held         []float64
	nHeld        int
	minHeld      int // the least frame held, when nHeld > 0
	maxHeld      int // the greatest, when nHeld > 0
	next         int // the frame playout expects next
	expands      int // concealment slots since the last frame played
	last         Op
	timescaleAt  float64 // when time stretching is allowed again
	stretched    float64 // ms the last decision's stretch removed (−: added)
	filteredQ8   int64   // the buffer level filter's level, ms in Q8
	target       int     // ms
	hist         *histogram
	arrivals     []sample // the arrival history, in arrival order
	newest       int      // the greatest frame arrived
	inOrder      int      // packets that arrived in order (each the newest so far)
	resampling   bool     // the first update started the resample interval
	resampleFrom float64  // start of the resample interval
	start        float64  // the first arrival, ms
	intervalMax  int
}

// sample is one arrival in the history: send and arrival time, ms.
type sample struct{ sent, at float64 }

func (m *model) event(at float64, op Op, frame int) {
	if m.cfg.Events {
		m.res.Events = append(m.res.Events, Event{At: at - m.start, Op: op, Frame: frame})
	}
}

// arrive takes packet i, arrived at ms: into the buffer (or counted late)
// and into the delay estimate.
func (m *model) arrive(i int, at float64) {
	if i < m.next {
		m.res.Late++
	} else {
		m.held[i] = at
		if m.nHeld == 0 || i < m.minHeld {
			m.minHeld = i
		}
		if m.nHeld == 0 || i > m.maxHeld {
			m.maxHeld = i
		}
		m.nHeld++
	}
	// packet_arrival_history.cc: a packet more than the window older
	// than the newest is not inserted; a reordered one (not the newest)
	// is kept out of the least and greatest transit, and does not update
	// the underrun optimizer either; an in-order one drops what the window
	// no longer covers.
	sent := float64(i) * frameMs
	if m.inOrder > 0 && (sent+historyWindowMs < float64(m.newest)*frameMs || i < m.newest) {
		return
	}
	m.inOrder++
	m.newest = i
	m.arrivals = append(m.arrivals, sample{sent, at})
	drop := 0
	for drop < len(m.arrivals) && m.arrivals[drop].sent+historyWindowMs < sent {
		drop++
	}
	m.arrivals = m.arrivals[drop:]
	if m.inOrder < 2 {
		return // no estimate before two packets
	}
	m.underrun(int(m.delay(sent, at)), at)
}

// delay is the relative delay of a frame sent at sent and played (or
// arrived) at now: its transit less the least in the history, ≥ 0.
func (m *model) delay(sent, now float64) float64 {
	lo, _ := m.transits()
	return math.Max(0, now-sent-lo)
}

// transits returns the least and greatest transit in the history.
func (m *model) transits() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range m.arrivals {
		lo, hi = math.Min(lo, s.at-s.sent), math.Max(hi, s.at-s.sent)
	}
	return lo, hi
}

// underrun is underrun_optimizer.cc's Update and delay_manager.cc's
// target: the greatest relative delay of each resample interval goes into
// the histogram.
func (m *model) underrun(rel int, now float64) {
	if !m.resampling {
		m.resampling, m.resampleFrom = true, now
	}
	update, ok := 0, false
	if now-m.resampleFrom > resampleIntervalMs {
		update, ok = m.intervalMax, true
		m.resampleFrom, m.intervalMax = now, 0
	}
	m.intervalMax = max(m.intervalMax, rel)
	if !ok {
		return
	}
	if idx := update / bucketMs; idx < buckets {
		m.hist.add(idx)
	}
	m.target = min((1+m.hist.quantile(quantileQ30))*bucketMs, 3*maxPacketsInBuffer*int(frameMs)/4)
}

// targetLevel is decision_logic's TargetLevelMs.
func (m *model) targetLevel() int {
	if m.cfg.Rules == BufferLevel {
		return max(m.target, int(frameMs))
	}
	return m.target
}

// span is the packet buffer's span in ms: from the least held frame to
// the end of the greatest, plus, with wait, the time the greatest has
// waited (packet_buffer.cc's GetSpanSamples).
func (m *model) span(now float64, wait bool) float64 {
	if m.nHeld == 0 {
		return 0
	}
	s := float64(m.maxHeld-m.minHeld) * frameMs
	if wait {
		return s + now - m.held[m.maxHeld]
	}
	return s + frameMs
}

// take removes frame f from the buffer.
func (m *model) take(f int) {
	m.held[f] = -1
	m.nHeld--
	if m.nHeld == 0 {
		return
	}
	if f == m.minHeld {
		for m.minHeld++; m.held[m.minHeld] < 0; m.minHeld++ {
		}
	}
}

// decide is decision_logic.cc's GetDecision for the slot at now: the
// operation, and for Normal and Merge the frame to play.
func (m *model) decide(now float64, first bool) (Op, int) {
	target := m.targetLevel()
	old := m.cfg.Rules == BufferLevel
	if m.last != Expand || old {
		// FilterBufferLevel (the older rules filter after a
		// concealment too).
		f := int64(254)
		switch {
		case target <= 20:
			f = 251
		case target <= 60:
			f = 252
		case target <= 140:
			f = 253
		}
		lvl := (f*m.filteredQ8)>>8 + (256-f)*int64(m.span(now, false))
		m.filteredQ8 = max(0, lvl-int64(m.stretched*256))
	}
	m.stretched = 0
	if first {
		// A new stream: its first packet plays at once, and the frames
		// before it are late if they come.
		m.next = m.minHeld
		return Normal, m.next
	}
	if m.nHeld == 0 {
		return Expand, -1 // NoPacket
	}
	if old && m.last == Expand && float64(m.expands)*frameMs > reinitAfterExpandsMs {
		// After a second of concealment the older rules reset the
		// decoder and play what they hold.
		return Merge, m.minHeld
	}
	// The held audio: with the newest packet's waiting time in the
	// current rules, without in the older.
	held := m.span(now, !old)
	if m.last == Expand && held < float64(target*postponeLevelPct/100) && m.expands >= lowMuteExpands {
		return Expand, -1 // PostponeDecode
	}
	if m.minHeld == m.next {
		return m.expected(now, target), m.next
	}
	// FuturePacketAvailable.
	tooEarly := m.minHeld-m.next > m.expands
	if old {
		// ShouldContinueExpand: conceal on while the gap is not
		// covered, for at most kMaxWaitForPacketMs, and while the
		// filtered level is under the target.
		if m.last == Expand && tooEarly && float64(m.expands)*frameMs < maxWaitForPacketMs &&
			m.filteredQ8 < int64(target)*256 {
			return Expand, -1
		}
	} else {
		if tooEarly && held <= float64(target+targetWindowMs/2) {
			return Expand, -1
		}
		if m.minHeld-m.next != m.expands {
			m.filteredQ8 = int64(held * 256)
		}
	}
	if m.last == Expand {
		return Merge, m.minHeld
	}
	return Expand, -1
}

// expected is ExpectedPacketAvailable: the next frame is held.
func (m *model) expected(now float64, target int) Op {
	if m.last == Expand {
		return Normal
	}
	var level, low, high float64
	if m.cfg.Rules == BufferLevel {
		level = float64(m.filteredQ8) / 256
		low = math.Max(float64(target)*3/4, float64(target-decelOffsetMs))
		high = math.Max(float64(target), low+adjustGranularityMs)
	} else {
		lo, hi := m.transits()
		level = m.delay(float64(m.next)*frameMs, now)
		low = float64(target)
		high = low + (hi - lo) + adjustGranularityMs
	}
	canAccelerate := m.next+1 < len(m.held) && m.held[m.next+1] >= 0
	if level >= 4*high && canAccelerate {
		return Accelerate // FastAccelerate, one frame at a time
	}
	if now >= m.timescaleAt {
		if level >= high && canAccelerate {
			return Accelerate
		}
		if level < low {
			return PreemptiveExpand
		}
	}
	return Normal
}

// histogram is histogram.cc's forgetting histogram, in Q30 with a
// forget factor in Q15.
type histogram struct {
	b      [buckets]int64
	forget int64
	adds   int
}

func newHistogram() *histogram {
	h := &histogram{}
	p := int64(0x4002) // Reset: 0.5^(i+1), summing to (a little over) 1
	for i := range h.b {
		p >>= 1
		h.b[i] = p << 16
	}
	return h
}

func (h *histogram) add(v int) {
	sum := int64(0)
	for i := range h.b {
		h.b[i] = h.b[i] * h.forget >> 15
		sum += h.b[i]
	}
	h.b[v] += (32768 - h.forget) << 15
	sum += (32768 - h.forget) << 15
	// Correct the rounding, from the first buckets on.
	if sum -= 1 << 30; sum != 0 {
		sign := int64(1)
		if sum > 0 {
			sign = -1
		}
		for i := range h.b {
			c := sign * min(abs(sum), h.b[i]>>4)
			h.b[i] += c
			if sum += c; sum == 0 {
				break
			}
		}
	}
	h.adds++
	if h.forget != forgetFactorQ15 {
		f := int64((1 << 15) * (1 - startForgetWeight/float64(h.adds+1)))
		h.forget = max(0, min(forgetFactorQ15, f))
	}
}

// quantile returns the least bucket at which the mass above falls to
// 1 − p or less.
func (h *histogram) quantile(p int64) int {
	inv := int64(1<<30) - p
	i := 0
	sum := int64(1<<30) - h.b[0]
	for sum > inv && i < buckets-1 {
		i++
		sum -= h.b[i]
	}
	return i
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
