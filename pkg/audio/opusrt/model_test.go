package opusrt_test

// Model-based tests: random streams (reordered, duplicated, lossy, late,
// overflowing, with stamp jumps) fed to a Buffer and a RealtimeBuffer on a
// fake clock, step by step against a reference model of SPEC.md's rules
// written here independently of the implementation: a sorted slice of held
// frames, a read position and the counters of Stats.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// Rules of SPEC.md, in microseconds.
const (
	mdlToleranceUs = 2000      // whole-millisecond stamps of 2.5 ms frames
	mdlResyncUs    = 5_000_000 // a stamp this far back is a restarted sender
	mdlDefaultUs   = 20_000    // the frame duration assumed before any
	mdlStampLimit  = 1 << 42   // |stamp| in ms beyond this: ErrInvalidFrame (Append's doc)
)

// mdlPacket is a generated packet whose validity and duration are known by
// construction, not computed by the package.
type mdlPacket struct {
	id    int // unique per generated packet (0 for garbage)
	frame opusrt.Frame
	durUs int64
	valid bool
}

// TOC bytes, code 0, by frame duration.
const (
	tocSilk10  = 8 << 3  // SILK WB 10 ms
	tocSilk20  = 9 << 3  // SILK WB 20 ms
	tocSilk40  = 10 << 3 // SILK WB 40 ms
	tocSilk60  = 11 << 3 // SILK WB 60 ms
	tocCelt2_5 = 16 << 3 // CELT NB 2.5 ms
	tocCelt5   = 17 << 3 // CELT NB 5 ms
)

// mdlGen makes packets with unique payloads.
type mdlGen struct {
	r  *rand.Rand
	id int
}

func (g *mdlGen) idBytes() []byte {
	g.id++
	return binary.BigEndian.AppendUint32(nil, uint32(g.id))
}

// packet returns a valid packet; mostly 20 ms, sometimes 2.5/5/10/40/60 ms,
// multi-frame packets of codes 1–3, or a TOC-only (zero-length) frame.
// only20 restricts it to single 20 ms frames.
func (g *mdlGen) packet(only20 bool) mdlPacket {
	single := func(toc byte, durUs int64) mdlPacket {
		return mdlPacket{id: g.id + 1, frame: append(opusrt.Frame{toc}, g.idBytes()...), durUs: durUs, valid: true}
	}
	if only20 {
		return single(tocSilk20, 20000)
	}
	switch n := g.r.IntN(100); {
	case n < 70:
		return single(tocSilk20, 20000)
	case n < 74:
		return single(tocCelt2_5, 2500)
	case n < 76:
		return single(tocCelt5, 5000)
	case n < 80:
		return single(tocSilk10, 10000)
	case n < 84:
		return single(tocSilk40, 40000)
	case n < 88:
		return single(tocSilk60, 60000)
	case n < 90: // code 1: two 20 ms frames of equal size
		id := g.idBytes()
		return mdlPacket{id: g.id, frame: slices.Concat([]byte{tocSilk20 | 1}, id, id), durUs: 40000, valid: true}
	case n < 92: // code 2: two 10 ms frames, the first 4 bytes, the second 1
		id := g.idBytes()
		return mdlPacket{id: g.id, frame: slices.Concat([]byte{tocSilk10 | 2, 4}, id, []byte{7}), durUs: 20000, valid: true}
	case n < 96: // code 3 CBR: M frames of 4 bytes
		kinds := []struct {
			toc   byte
			durUs int64
			max   int
		}{{tocSilk20, 20000, 6}, {tocCelt2_5, 2500, 48}, {tocSilk10, 10000, 12}, {tocSilk60, 60000, 2}}
		k := kinds[g.r.IntN(len(kinds))]
		m := 1 + g.r.IntN(k.max)
		f := slices.Concat([]byte{k.toc | 3, byte(m)}, g.idBytes(), make([]byte, 4*(m-1)))
		return mdlPacket{id: g.id, frame: f, durUs: k.durUs * int64(m), valid: true}
	case n < 98: // code 3 VBR with padding: 3 frames of 20 ms
		f := slices.Concat([]byte{tocSilk20 | 3, 0x80 | 0x40 | 3, 2}, []byte{4, 1}, g.idBytes(), []byte{9}, []byte{5, 6}, []byte{0, 0})
		return mdlPacket{id: g.id, frame: f, durUs: 60000, valid: true}
	default: // TOC only: a valid zero-length frame; not unique, that is fine
		g.id++
		return mdlPacket{id: g.id, frame: opusrt.Frame{tocSilk20}, durUs: 20000, valid: true}
	}
}

// garbage returns a packet that breaks a rule of RFC 6716 §3.4.
func (g *mdlGen) garbage() mdlPacket {
	bad := [][]byte{
		{},                            // R1: empty
		{tocSilk20 | 1, 1, 2, 3},      // R3: code 1 with an odd payload
		{tocSilk20 | 2},               // R4: code 2 without a length
		{tocSilk20 | 2, 9, 1},         // R4: first frame longer than the packet
		{tocSilk20 | 3},               // R6: code 3 without a count
		{tocSilk20 | 3, 0},            // R5: M = 0
		{tocSilk20 | 3, 7, 0, 0, 0},   // R5: 140 ms
		{tocSilk20 | 3, 2, 1, 2, 3},   // R6: CBR payload not divisible
		{tocSilk20 | 3, 0x42, 200, 1}, // R6: padding past the end
		append([]byte{tocSilk20}, make([]byte, 1276)...), // R2
	}
	return mdlPacket{frame: bad[g.r.IntN(len(bad))]}
}

// mdlEntry is a frame held by the model.
type mdlEntry struct {
	start, dur int64 // µs
	frame      opusrt.Frame
	arrival    time.Time
}

// model is the reference Buffer: SPEC.md's rules over a sorted slice.
type model struct {
	maxUs   int64
	held    []mdlEntry // sorted by start, starts unique
	hasPos  bool
	pos     int64 // µs
	lastDur int64 // µs of the last frame played (kept across a resync, cleared by Reset)
	st      opusrt.Stats

	jumped   bool  // a resync back not yet passed by Frame
	jumpFrom int64 // µs: where the timeline was when it jumped back

	// For the RealtimeBuffer: only its Frame counts JitterBufferDelay.
	realtime   bool
	anchored   bool
	anchorTime time.Time
	anchorPos  int64
	playing    bool  // something was played since the anchor was set
	rpos       int64 // µs: the playout position, the end of what was played
	delay      time.Duration
}

func newModel(maxMs int64) *model {
	if maxMs <= 0 {
		maxMs = 120_000
	}
	return &model{maxUs: maxMs * 1000}
}

func (m *model) buffered() int64 {
	var s int64
	for _, e := range m.held {
		s += e.dur
	}
	return s
}

// appendFrame is Append. resynced reports a jump back.
func (m *model) appendFrame(p mdlPacket, stamp int64, now time.Time) (resynced bool, err error) {
	if !p.valid || stamp > mdlStampLimit || stamp < -mdlStampLimit {
		m.st.PacketsInvalid++
		return false, opusrt.ErrInvalidFrame
	}
	m.st.PacketsReceived++
	start := stamp * 1000
	bound, hasBound := m.pos, m.hasPos
	if !hasBound && m.realtime && m.anchored && !m.playing && !m.jumped {
		// Before anything is played, a frame whose slot on the schedule
		// has passed is late too.
		bound, hasBound = m.anchorPos+now.Sub(m.anchorTime).Microseconds(), true
	}
	if hasBound && start < bound-mdlToleranceUs {
		if bound-start <= mdlResyncUs {
			m.st.PacketsLate++
			return false, opusrt.ErrDisorderedPacket
		}
		m.st.Resyncs++
		m.st.PacketsResynced += uint64(len(m.held))
		m.held = nil
		m.hasPos = false
		if !m.jumped {
			m.jumped, m.jumpFrom = true, bound
		}
		if !m.playing {
			m.anchored = false // nothing played: the next frame anchors afresh
		}
		resynced = true
	}
	i, found := slices.BinarySearchFunc(m.held, start, func(e mdlEntry, s int64) int { return cmpInt(e.start, s) })
	if found {
		m.st.PacketsDuplicated++
		return resynced, nil
	}
	m.held = slices.Insert(m.held, i, mdlEntry{start: start, dur: p.durUs, frame: p.frame, arrival: now})
	for m.buffered() > m.maxUs && len(m.held) > 0 {
		if !m.hasPos {
			m.hasPos, m.pos = true, m.held[0].start
		}
		m.held = m.held[1:]
		m.st.PacketsDropped++
	}
	return resynced, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// write is Write: stamped data in either header form; negative stamps do not
// encode (first byte 0xff).
func (m *model) write(p mdlPacket, stamp int64, now time.Time) error {
	if stamp < 0 || stamp >= 1<<56 {
		m.st.PacketsInvalid++
		return opusrt.ErrInvalidFrame
	}
	_, err := m.appendFrame(p, stamp, now)
	return err
}

// loss counts a reported loss of gap µs; nextDur is the frame after it.
// Before any frame was played the count divides by the next frame's
// duration: the implementation's choice, where the Stats doc says "20 ms
// before any" (reported; the model follows the code here, knowingly).
func (m *model) loss(gap, nextDur int64) {
	unit := m.lastDur
	if unit == 0 {
		unit = nextDur
	}
	if unit == 0 {
		unit = mdlDefaultUs
	}
	m.st.ConcealmentEvents++
	m.st.LostDuration += time.Duration(gap) * time.Microsecond
	m.st.PacketsLost += uint64(max(1, (2*gap+unit)/(2*unit)))
}

// mdlEvent is one result of Frame or Event.
type mdlEvent struct {
	frame  opusrt.Frame
	start  int64 // µs: of the frame, the loss, where the discontinuity leads
	dur    int64 // µs, of the frame
	loss   int64 // µs
	fec    opusrt.Frame
	disc   bool  // a discontinuity (Event only)
	jump   int64 // µs, of a discontinuity
	eof    bool
	passed bool // Frame passed over a discontinuity before it
}

// frame is Frame: Event with discontinuities passed over.
func (m *model) frame(now time.Time) mdlEvent {
	passed := false
	for {
		ev := m.event(now)
		if !ev.disc {
			ev.passed = passed
			return ev
		}
		passed = true
	}
}

// event is Event.
func (m *model) event(now time.Time) mdlEvent {
	for len(m.held) > 0 {
		e := m.held[0]
		if m.hasPos && e.start < m.pos-mdlToleranceUs {
			m.held = m.held[1:]
			m.st.PacketsLate++
			continue
		}
		if m.jumped {
			// The resync back, told at the start of the new timeline.
			start := e.start
			if m.hasPos {
				start = m.pos
			}
			m.jumped = false
			m.hasPos, m.pos = true, start
			return mdlEvent{disc: true, start: start, jump: start - m.jumpFrom}
		}
		if m.hasPos && e.start-m.pos > mdlResyncUs {
			// A stamp jump forward: a discontinuity, not loss.
			m.st.Resyncs++
			jump := e.start - m.pos
			m.pos = e.start
			return mdlEvent{disc: true, start: e.start, jump: jump}
		}
		if m.hasPos && e.start > m.pos+mdlToleranceUs {
			gap := e.start - m.pos
			ev := mdlEvent{loss: gap, start: m.pos}
			if d, off := gap-e.dur, min(mdlToleranceUs, (e.dur-1)/2); d >= -off && d <= off && opus.HasLBRR(e.frame) {
				ev.fec = e.frame // the one frame before it, recoverable
			}
			m.loss(gap, e.dur)
			m.pos = e.start
			return ev
		}
		m.held = m.held[1:]
		m.hasPos, m.pos = true, e.start+e.dur
		m.lastDur = e.dur
		m.st.PacketsPlayed++
		m.st.PlayedDuration += time.Duration(e.dur) * time.Microsecond
		if m.realtime {
			m.st.JitterBufferDelay += now.Sub(e.arrival)
			m.st.JitterBufferEmittedCount++
		}
		return mdlEvent{frame: e.frame, start: e.start, dur: e.dur}
	}
	return mdlEvent{eof: true}
}

func (m *model) reset() {
	m.st.PacketsCleared += uint64(len(m.held))
	m.held = nil
	m.hasPos = false
	m.lastDur = 0
	m.jumped = false
	m.anchored = false
	m.playing = false
}

func (m *model) stats() opusrt.Stats {
	s := m.st
	s.PacketsDiscarded = s.PacketsLate + s.PacketsDuplicated + s.PacketsDropped + s.PacketsResynced + s.PacketsCleared
	s.BufferedPackets = len(m.held)
	s.Buffered = time.Duration(m.buffered()) * time.Microsecond
	return s
}

// checkStats compares every counter but Jitter, which is only bounded.
func checkStats(t *testing.T, where string, got, want opusrt.Stats, maxJitter time.Duration) {
	t.Helper()
	j := got.Jitter
	got.Jitter, want.Jitter = 0, 0
	// The model plays the schedule fixed at the first frame; what the
	// buffer reports of its target and skew is checked elsewhere. (Frames
	// inserted or removed would differ from the model, and fail.)
	got.JitterBufferTargetDelay, got.JitterBufferMinimumDelay, got.TargetDelay, got.SkewPPM = 0, 0, 0, 0
	if got != want {
		t.Fatalf("%s: Stats\n got %+v\nwant %+v", where, got, want)
	}
	if j < 0 || j > maxJitter+time.Millisecond {
		t.Fatalf("%s: Jitter %v outside [0, %v]", where, j, maxJitter)
	}
	checkIdentity(t, where, got)
}

// checkIdentity checks the accounting identity of the Stats doc.
func checkIdentity(t *testing.T, where string, s opusrt.Stats) {
	t.Helper()
	sum := s.PacketsPlayed + s.PacketsLate + s.PacketsDuplicated + s.PacketsDropped +
		s.PacketsResynced + s.PacketsCleared + s.PacketsRemoved + uint64(s.BufferedPackets)
	if s.PacketsReceived != sum {
		t.Fatalf("%s: PacketsReceived %d != played+late+dup+dropped+resynced+cleared+removed+buffered %d (%+v)", where, s.PacketsReceived, sum, s)
	}
	if s.PacketsDiscarded != s.PacketsLate+s.PacketsDuplicated+s.PacketsDropped+s.PacketsResynced+s.PacketsCleared+s.PacketsRemoved {
		t.Fatalf("%s: PacketsDiscarded %d is not the sum of its parts (%+v)", where, s.PacketsDiscarded, s)
	}
}

// timeline checks, from Frame's results alone, that played frames and
// losses tile the timeline: each event starts where the last ended (a frame
// within the tolerance), between resyncs and resets.
type timeline struct {
	set        bool
	cursor     int64 // µs: the end of the last event
	pendLoss   int64 // a loss seen before any frame of the segment
	segStart   int64
	covered    int64 // µs of losses and frames since segStart
	frames     int64
	violations []string
}

func (tl *timeline) restart() {
	tl.set, tl.pendLoss, tl.covered, tl.frames = false, 0, 0, 0
}

func (tl *timeline) fail(format string, args ...any) {
	tl.violations = append(tl.violations, fmt.Sprintf(format, args...))
}

func (tl *timeline) add(ev mdlEvent) {
	switch {
	case ev.eof:
		return
	case ev.frame == nil:
		if ev.loss <= mdlToleranceUs {
			tl.fail("loss of %dµs within the tolerance", ev.loss)
		}
		if !tl.set {
			// The reader's position came from an overflow: the loss ends
			// where the next frame starts.
			tl.pendLoss += ev.loss
			return
		}
		tl.cursor += ev.loss
		tl.covered += ev.loss
		return
	}
	if !tl.set {
		tl.set = true
		tl.segStart = ev.start - tl.pendLoss
		tl.cursor, tl.covered = ev.start, tl.pendLoss
	}
	if d := ev.start - tl.cursor; d < -mdlToleranceUs || d > mdlToleranceUs {
		tl.fail("frame at %dµs, timeline at %dµs: overlap or hole of %dµs", ev.start, tl.cursor, d)
	}
	tl.cursor = ev.start + ev.dur
	tl.covered += ev.dur
	tl.frames++
	// Played plus lost covers the span within the tolerance per frame.
	if d := tl.covered - (tl.cursor - tl.segStart); d < -mdlToleranceUs*tl.frames || d > mdlToleranceUs*tl.frames {
		tl.fail("played+lost %dµs vs span %dµs after %d frames", tl.covered, tl.cursor-tl.segStart, tl.frames)
	}
}

// mdlSender is a stream's sender: a stamp cursor in µs and the packets in
// send order with their stamps.
type mdlSender struct {
	g      *mdlGen
	cursor int64 // µs
}

type mdlSent struct {
	p     mdlPacket
	stamp int64 // ms
}

// next returns the next packet, moving the cursor; stamps are the cursor
// rounded down to the millisecond, as a sender with a ms clock does.
func (s *mdlSender) next(only20 bool) mdlSent {
	p := s.g.packet(only20)
	st := mdlSent{p: p, stamp: floorDiv(s.cursor, 1000)}
	s.cursor += p.durUs
	return st
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// bufferProfile shapes one random run.
type bufferProfile struct {
	maxMs                      int64
	pLoss, pDup, pReorder      int // per mille
	pLate, pFwd, pBack, pSmall int
	pReset, pFrame, pGarbage   int
	only20                     bool
}

func randomProfile(r *rand.Rand) bufferProfile {
	maxes := []int64{0, 45, 60, 100, 200, 500, 1000}
	return bufferProfile{
		maxMs:    maxes[r.IntN(len(maxes))],
		pLoss:    r.IntN(150),
		pDup:     r.IntN(100),
		pReorder: r.IntN(300),
		pLate:    r.IntN(60),
		pFwd:     r.IntN(20),
		pBack:    r.IntN(15),
		pSmall:   r.IntN(15),
		pReset:   r.IntN(10),
		pFrame:   300 + r.IntN(700),
		pGarbage: r.IntN(40),
		only20:   r.IntN(4) == 0,
	}
}

func TestBufferModel(t *testing.T) {
	seeds, ops := 300, 400
	if testing.Short() {
		seeds, ops = 60, 200
	}
	var total opusrt.Stats
	for seed := range uint64(seeds) {
		s := runBufferModel(t, seed, ops)
		if t.Failed() {
			return
		}
		addStats(&total, s)
	}
	t.Logf("over all runs: %+v", total)
}

// addStats sums the counters, to show what the random runs exercised.
func addStats(total *opusrt.Stats, s opusrt.Stats) {
	total.PacketsReceived += s.PacketsReceived
	total.PacketsPlayed += s.PacketsPlayed
	total.PacketsLost += s.PacketsLost
	total.ConcealmentEvents += s.ConcealmentEvents
	total.PacketsLate += s.PacketsLate
	total.PacketsDuplicated += s.PacketsDuplicated
	total.PacketsDropped += s.PacketsDropped
	total.PacketsResynced += s.PacketsResynced
	total.PacketsCleared += s.PacketsCleared
	total.PacketsInvalid += s.PacketsInvalid
	total.Resyncs += s.Resyncs
	total.JitterBufferEmittedCount += s.JitterBufferEmittedCount
}

// runBufferModel runs one random program of ops operations.
func runBufferModel(t *testing.T, seed uint64, ops int) opusrt.Stats {
	r := rand.New(rand.NewPCG(seed, 0x6f707573))
	prof := randomProfile(r)
	clk := fakeclock.New(t0)
	b := opusrt.NewBuffer(time.Duration(prof.maxMs)*time.Millisecond, opusrt.WithClock(clk))
	m := newModel(prof.maxMs)
	g := &mdlGen{r: r}
	bases := []int64{0, 3_000_000, 1_700_000_000_000_000, 1 << 40}
	snd := &mdlSender{g: g, cursor: bases[r.IntN(len(bases))] + r.Int64N(1_000_000)}

	var network []mdlSent // sent, not yet delivered: delivery may pick any of the first few
	var delayed []mdlSent // held back to arrive late
	var tl timeline
	var lastTransit time.Duration
	var haveTransit bool
	var maxD time.Duration // bound of the jitter: the largest change of transit time
	var log []string
	where := func(i int) string {
		tail := log[max(0, len(log)-12):]
		return fmt.Sprintf("seed %d op %d (profile %+v)\nlast ops:\n  %s", seed, i, prof, joinLines(tail))
	}
	per := func(p int) bool { return r.IntN(1000) < p }

	for i := range ops {
		clk.Advance(time.Duration(r.IntN(25_000)) * time.Microsecond)
		now := clk.Now()
		switch {
		case per(prof.pReset):
			log = append(log, "Reset")
			b.Reset()
			m.reset()
			tl.restart()
		case per(prof.pFrame) && r.IntN(3) == 0:
			got, err := b.Event()
			want := m.event(now)
			log = append(log, fmt.Sprintf("Event -> %v %v (model %+v)", got, err, want))
			if want.eof != errors.Is(err, io.EOF) || (err != nil && !errors.Is(err, io.EOF)) {
				t.Fatalf("%s: Event err %v, model eof %v", where(i), err, want.eof)
			}
			if err == nil {
				us := func(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
				kind, dur := opusrt.EventFrame, us(want.dur)
				switch {
				case want.disc:
					kind, dur = opusrt.EventDiscontinuity, 0
				case want.frame == nil:
					kind, dur = opusrt.EventLoss, us(want.loss)
				}
				if got.Kind != kind || got.Start != us(want.start) || got.Duration != dur || got.Jump != us(want.jump) ||
					!bytes.Equal(got.Frame, want.frame) || !bytes.Equal(got.FEC, want.fec) || (got.FEC == nil) != (want.fec == nil) {
					t.Fatalf("%s: Event = %+v; model %+v", where(i), got, want)
				}
			}
			if want.disc {
				tl.restart()
			} else {
				tl.add(want)
			}
			if len(tl.violations) > 0 {
				t.Fatalf("%s: timeline: %v", where(i), tl.violations)
			}
		case per(prof.pFrame):
			f, loss, err := b.Frame()
			want := m.frame(now)
			if want.passed {
				tl.restart()
			}
			log = append(log, fmt.Sprintf("Frame -> %x %v %v (model %x %dµs eof=%v)", f, loss, err, want.frame, want.loss, want.eof))
			if want.eof != errors.Is(err, io.EOF) || (err != nil && !errors.Is(err, io.EOF)) {
				t.Fatalf("%s: Frame err %v, model eof %v", where(i), err, want.eof)
			}
			if !bytes.Equal(f, want.frame) || (f == nil) != (want.frame == nil) || loss != time.Duration(want.loss)*time.Microsecond {
				t.Fatalf("%s: Frame = %x, %v; model %x, %dµs", where(i), f, loss, want.frame, want.loss)
			}
			tl.add(want)
			if len(tl.violations) > 0 {
				t.Fatalf("%s: timeline: %v", where(i), tl.violations)
			}
		default:
			// Deliver a packet: produce more when the network is empty.
			if len(network) < 4 {
				for range 4 {
					switch {
					case per(prof.pFwd):
						snd.cursor += r.Int64N(8_000_000) + 1000 // a forward jump, maybe past 5 s: loss
					case per(prof.pBack):
						snd.cursor -= 5_001_000 + r.Int64N(60_000_000) // sender restarted: resync
					case per(prof.pSmall):
						snd.cursor -= r.Int64N(5_000_000) // back, within 5 s: late or duplicate stamps
					}
					s := snd.next(prof.only20)
					if per(prof.pLoss) {
						continue
					}
					network = append(network, s)
				}
				if len(network) == 0 {
					continue
				}
			}
			var s mdlSent
			switch {
			case len(delayed) > 0 && per(100):
				s, delayed = delayed[0], delayed[1:]
			case per(prof.pGarbage):
				s = mdlSent{p: g.garbage(), stamp: floorDiv(snd.cursor, 1000)}
			default:
				k := 0
				if per(prof.pReorder) {
					k = r.IntN(min(len(network), 4))
				}
				s = network[k]
				if per(prof.pDup) {
					// A second copy stays in the network.
				} else {
					network = slices.Delete(network, k, k+1)
				}
				if per(prof.pLate) {
					delayed = append(delayed, s)
					continue
				}
			}
			if s.p.valid {
				transit := now.Sub(t0) - time.Duration(s.stamp)*time.Millisecond
				if haveTransit {
					maxD = max(maxD, (transit - lastTransit).Abs())
				}
				lastTransit, haveTransit = transit, true
			}
			var err, werr error
			if r.IntN(2) == 0 {
				err = b.Append(s.p.frame, opusrt.EpochMillis(s.stamp))
				var resynced bool
				resynced, werr = m.appendFrame(s.p, s.stamp, now)
				if resynced {
					tl.restart()
				}
				log = append(log, fmt.Sprintf("Append(%x, %d) -> %v", s.p.frame, s.stamp, err))
			} else {
				data := mdlStamp(r, s.p.frame, s.stamp)
				var n int
				n, err = b.Write(data)
				before := m.st.Resyncs
				werr = m.write(s.p, s.stamp, now)
				if m.st.Resyncs != before {
					tl.restart()
				}
				log = append(log, fmt.Sprintf("Write(%x) -> %d, %v", data, n, err))
				if (err == nil && n != len(data)) || (err != nil && n != 0) {
					t.Fatalf("%s: Write = %d, %v", where(i), n, err)
				}
			}
			if !sameErr(err, werr) {
				t.Fatalf("%s: error %v, model %v", where(i), err, werr)
			}
		}
		if b.Len() != len(m.held) || b.Buffered() != time.Duration(m.buffered())*time.Microsecond {
			t.Fatalf("%s: Len %d Buffered %v; model %d %dµs", where(i), b.Len(), b.Buffered(), len(m.held), m.buffered())
		}
		if per(100) || i == ops-1 {
			checkStats(t, where(i), b.Stats(), m.stats(), maxD)
		}
	}
	return b.Stats()
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// sameErr reports whether err is what the model expects: nil, or wrapping the
// same sentinel.
func sameErr(err, want error) bool {
	if want == nil || err == nil {
		return err == want
	}
	return errors.Is(err, want)
}

// mdlStamp encodes a stamped frame, written out here independently of
// ToStamped: the plain 8-byte header, or for stamps that fit, sometimes the
// versioned one (0x01, 7 bytes).
func mdlStamp(r *rand.Rand, f opusrt.Frame, stamp int64) []byte {
	var h [8]byte
	binary.BigEndian.PutUint64(h[:], uint64(stamp))
	if stamp >= 0 && stamp < 1<<56 && r.IntN(3) == 0 {
		h[0] = 0x01
	}
	return append(h[:], f...)
}

// TestBufferModelSteadyStreams runs long in-order streams with loss and
// overflow only, where the timeline must be covered end to end.
func TestBufferModelSteadyStreams(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 1))
		clk := fakeclock.New(t0)
		maxMs := int64(60 + r.IntN(200))
		b := opusrt.NewBuffer(time.Duration(maxMs)*time.Millisecond, opusrt.WithClock(clk))
		m := newModel(maxMs)
		snd := &mdlSender{g: &mdlGen{r: r}, cursor: 1_000_000_000}
		first := snd.cursor
		var tl timeline
		var played, lost int64
		for range 500 {
			s := snd.next(false)
			if r.IntN(10) == 0 {
				continue
			}
			now := clk.Now()
			if err := b.Append(s.p.frame, opusrt.EpochMillis(s.stamp)); err != nil {
				t.Fatalf("seed %d: Append: %v", seed, err)
			}
			m.appendFrame(s.p, s.stamp, now)
			for range r.IntN(3) { // the reader sometimes falls behind: overflow
				f, loss, err := b.Frame()
				ev := m.frame(now)
				if !bytes.Equal(f, ev.frame) || loss != time.Duration(ev.loss)*time.Microsecond || errors.Is(err, io.EOF) != ev.eof {
					t.Fatalf("seed %d: Frame = %x %v %v, model %+v", seed, f, loss, err, ev)
				}
				tl.add(ev)
				played += ev.dur
				lost += ev.loss
			}
			clk.Advance(20 * time.Millisecond)
		}
		for {
			ev := m.frame(clk.Now())
			f, loss, err := b.Frame()
			if !bytes.Equal(f, ev.frame) || loss != time.Duration(ev.loss)*time.Microsecond || errors.Is(err, io.EOF) != ev.eof {
				t.Fatalf("seed %d: Frame = %x %v %v, model %+v", seed, f, loss, err, ev)
			}
			if ev.eof {
				break
			}
			tl.add(ev)
			played += ev.dur
			lost += ev.loss
		}
		if len(tl.violations) > 0 {
			t.Fatalf("seed %d: %v", seed, tl.violations)
		}
		// No resync, no reset: one segment from the first stamp (or the
		// first dropped frame) to the end of the sent stream, if its last
		// packet arrived.
		span := tl.cursor - tl.segStart
		if tl.segStart < first {
			t.Fatalf("seed %d: timeline starts at %d, before the first stamp %d", seed, tl.segStart, first)
		}
		if d := played + lost - span; d < -mdlToleranceUs*tl.frames || d > mdlToleranceUs*tl.frames {
			t.Fatalf("seed %d: played %dµs + lost %dµs != span %dµs", seed, played, lost, span)
		}
		checkStats(t, fmt.Sprintf("seed %d", seed), b.Stats(), m.stats(), time.Hour)
	}
}

// rtArrival is a packet reaching the RealtimeBuffer.
type rtArrival struct {
	at    time.Duration // after t0
	stamp int64
	p     mdlPacket
	reset bool // not a packet: the receiver calls Reset
}

func TestRealtimeModel(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 30
	}
	var total opusrt.Stats
	for seed := range uint64(seeds) {
		synctest.Test(t, func(t *testing.T) { addStats(&total, runRealtimeModel(t, seed)) })
		if t.Failed() {
			return
		}
	}
	t.Logf("over all runs: %+v", total)
}

// runRealtimeModel plays a random stream through a RealtimeBuffer, driven on
// one goroutine: each Frame is called at NextDue (or at once when that has
// passed) and must return without waiting; a Frame that would block is
// reported and rescued by moving the clock.
func runRealtimeModel(t *testing.T, seed uint64) opusrt.Stats {
	r := rand.New(rand.NewPCG(seed, 0x7274))
	clk := fakeclock.New(t0)
	delay := time.Duration(20+r.IntN(100)) * time.Millisecond
	// The model is of the schedule the first frame sets; following the
	// network is tested on its own scenarios (follow_test.go).
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk), opusrt.WithPlayoutDelay(delay), opusrt.WithoutFollowing())
	m := newModel(0)
	m.realtime = true
	g := &mdlGen{r: r}
	only20 := r.IntN(3) == 0
	pLoss, pDup, jitterMs := r.IntN(150), r.IntN(100), 1+r.IntN(int(delay/time.Millisecond)*2)

	// The sender sends each packet when its audio starts; the network adds
	// a base latency and jitter (so some packets overtake others, and some
	// come after their slot), drops some, duplicates some. Now and then the
	// sender pauses and restarts its clock more than 5 s back (a resync),
	// or the receiver calls Reset.
	base := int64(1_700_000_000_000_000 + r.Int64N(1_000_000))
	snd := &mdlSender{g: g, cursor: base}
	latency := time.Duration(r.IntN(50)) * time.Millisecond
	pRestart, pReset := r.IntN(3)*r.IntN(10), r.IntN(3)*r.IntN(10)
	var arrivals []rtArrival
	var sendAt time.Duration
	for range 150 + r.IntN(150) {
		if r.IntN(1000) < pRestart {
			// Pause until every packet sent so far has arrived and played,
			// so no straggler of the old timeline looks like a forward jump.
			sendAt += latency + time.Duration(jitterMs)*time.Millisecond + delay + 100*time.Millisecond
			snd.cursor -= 5_001_000 + r.Int64N(60_000_000)
		}
		if r.IntN(1000) < pReset {
			arrivals = append(arrivals, rtArrival{at: sendAt, reset: true})
		}
		s := snd.next(only20)
		at0 := sendAt
		sendAt += time.Duration(s.p.durUs) * time.Microsecond
		if r.IntN(1000) < pLoss {
			continue
		}
		copies := 1
		if r.IntN(1000) < pDup {
			copies = 2
		}
		for range copies {
			at := at0 + latency + time.Duration(r.IntN(jitterMs*1000))*time.Microsecond
			arrivals = append(arrivals, rtArrival{at: at, stamp: s.stamp, p: s.p})
		}
		if r.IntN(50) == 0 {
			arrivals = append(arrivals, rtArrival{at: at0, p: g.garbage(), stamp: s.stamp})
		}
	}
	slices.SortStableFunc(arrivals, func(a, b rtArrival) int { return cmpInt(int64(a.at), int64(b.at)) })

	var tl timeline
	var log []string
	where := func() string {
		return fmt.Sprintf("seed %d (delay %v) at %v\nlast:\n  %s", seed, delay, clk.Now().Sub(t0), joinLines(log[max(0, len(log)-12):]))
	}

	// callFrame calls Frame, which must return without the clock moving.
	callFrame := func() (opusrt.Frame, time.Duration, error) {
		type res struct {
			f    opusrt.Frame
			loss time.Duration
			err  error
		}
		ch := make(chan res, 1)
		go func() {
			f, loss, err := rtb.Frame()
			ch <- res{f, loss, err}
		}()
		synctest.Wait()
		select {
		case x := <-ch:
			return x.f, x.loss, x.err
		default:
		}
		t.Errorf("%s: Frame blocked at %v, where NextDue said it would return", where(), clk.Now().Sub(t0))
		for {
			clk.AdvanceToNext()
			synctest.Wait()
			select {
			case x := <-ch:
				return x.f, x.loss, x.err
			default:
			}
		}
	}

	// The model's schedule: position pos is due at dueAt(pos).
	dueAt := func(pos int64) time.Time { return m.anchorTime.Add(time.Duration(pos-m.anchorPos) * time.Microsecond) }
	step := func() int64 {
		if m.lastDur == 0 {
			return mdlDefaultUs
		}
		return m.lastDur
	}
	// jump returns, when the next held frame is on a new timeline (a
	// resync back, a jump forward) and something was played, when the
	// new timeline is due: one playout delay after that frame arrived, or
	// when the old one ends if later.
	jump := func() (time.Time, bool) {
		live := m.held
		for len(live) > 0 && m.hasPos && live[0].start < m.pos-mdlToleranceUs {
			live = live[1:] // dropped as late when reached
		}
		if !m.playing || len(live) == 0 {
			return time.Time{}, false
		}
		if !m.jumped && !(m.hasPos && live[0].start-m.pos > mdlResyncUs) {
			return time.Time{}, false
		}
		return live[0].arrival.Add(delay), true
	}
	// jumpStep returns, with a jump pending at jd, the underrun loss due
	// at the cadence before it (0: the jump itself is due there).
	jumpStep := func(jd time.Time) int64 {
		rest := jd.Sub(dueAt(m.rpos))
		if rest <= mdlToleranceUs*time.Microsecond {
			return 0
		}
		if l := step(); rest > time.Duration(l+mdlToleranceUs)*time.Microsecond {
			return l
		}
		return int64((rest + time.Microsecond - 1) / time.Microsecond)
	}
	closed := false
	// modelDue is when the model's next event is due.
	modelDue := func() (time.Time, bool) {
		if !m.anchored {
			return time.Time{}, false
		}
		if _, ok := jump(); ok {
			return dueAt(m.rpos), true // the cadence, or the jump on it
		}
		switch {
		case closed && len(m.held) == 0:
			return clk.Now(), true // io.EOF at once
		case m.hasPos:
			return dueAt(m.pos), true
		case len(m.held) > 0:
			return dueAt(m.held[0].start), true
		}
		return dueAt(m.rpos), m.playing
	}

	var lastWrite time.Time
	play := func() bool {
		due, ok := rtb.NextDue()
		mdue, mok := modelDue()
		if ok != mok || (ok && !due.Equal(mdue)) {
			t.Fatalf("%s: NextDue = %v, %v; model %v, %v", where(), due.Sub(t0), ok, mdue.Sub(t0), mok)
		}
		if closed && len(m.held) == 0 {
			// Drained: io.EOF at once, without waiting for the due time.
			if _, _, err := callFrame(); !errors.Is(err, io.EOF) {
				t.Fatalf("%s: Frame after CloseWrite with nothing held: %v, want io.EOF", where(), err)
			}
			return false
		}
		clk.Set(due)
		now := clk.Now()
		f, loss, err := callFrame()
		var ev mdlEvent
		jd, ok := jump()
		if l := jumpStep(jd); ok && l > 0 {
			// Underrun on the old timeline until the new one is due.
			m.loss(l, l)
			m.rpos += l
			if m.hasPos && !m.jumped {
				m.pos = m.rpos
			}
			ev = mdlEvent{loss: l}
		} else {
			if ok {
				// The jump: the schedule moves onto the new timeline.
				start := m.pos
				if m.jumped && !m.hasPos || !m.jumped {
					for len(m.held) > 0 && m.hasPos && !m.jumped && m.held[0].start < m.pos-mdlToleranceUs {
						m.held = m.held[1:]
						m.st.PacketsLate++
					}
					start = m.held[0].start
				}
				if !m.jumped {
					m.st.Resyncs++
				}
				m.jumped = false
				m.hasPos, m.pos = true, start
				m.anchorTime, m.anchorPos, m.rpos, m.playing = now, start, start, false
				tl.restart()
			}
			ev = m.frame(now)
			if ev.eof {
				if closed {
					// Held frames were all overlapping: dropped as late.
					if !errors.Is(err, io.EOF) {
						t.Fatalf("%s: Frame = %x %v %v, want io.EOF", where(), f, loss, err)
					}
					return false
				}
				// Underrun: one frame's worth of loss.
				l := step()
				m.loss(l, l)
				m.hasPos, m.pos = true, m.rpos+l
				ev = mdlEvent{loss: l}
			}
			if ev.passed {
				tl.restart()
			}
			m.playing = true
			m.rpos = m.pos
		}
		log = append(log, fmt.Sprintf("%v Frame -> %x %v %v (model %x %dµs)", now.Sub(t0), f, loss, err, ev.frame, ev.loss))
		if err != nil || !bytes.Equal(f, ev.frame) || loss != time.Duration(ev.loss)*time.Microsecond {
			t.Fatalf("%s: Frame = %x, %v, %v; model %x, %dµs", where(), f, loss, err, ev.frame, ev.loss)
		}
		if ev.frame != nil {
			// No drift: a frame plays at anchor + (stamp − first stamp),
			// within the tolerance of whole-ms stamps, unless it arrived
			// after that (overtaking the first frame) and plays at once.
			want := dueAt(ev.start)
			if d := now.Sub(want); d < -mdlToleranceUs*time.Microsecond || (d > mdlToleranceUs*time.Microsecond && !now.Equal(lastWrite)) {
				t.Fatalf("%s: frame at stamp %dµs played at %v, due at %v", where(), ev.start, now.Sub(t0), want.Sub(t0))
			}
		}
		tl.add(ev)
		if len(tl.violations) > 0 {
			t.Fatalf("%s: timeline: %v", where(), tl.violations)
		}
		return true
	}

	for _, a := range arrivals {
		for {
			due, ok := rtb.NextDue()
			if !ok || !due.Before(t0.Add(a.at)) {
				break
			}
			play()
		}
		clk.Set(t0.Add(a.at))
		now := clk.Now()
		if a.reset {
			log = append(log, fmt.Sprintf("%v Reset", now.Sub(t0)))
			rtb.Reset()
			m.reset()
			tl.restart()
			continue
		}
		data := mdlStamp(r, a.p.frame, a.stamp)
		n, err := rtb.Write(data)
		lastWrite = now
		werr := m.write(a.p, a.stamp, now)
		log = append(log, fmt.Sprintf("%v Write(%d, %x) -> %d %v", now.Sub(t0), a.stamp, a.p.frame, n, err))
		if !sameErr(err, werr) {
			t.Fatalf("%s: Write error %v, model %v", where(), err, werr)
		}
		if werr == nil && !m.anchored {
			// A new schedule: the first frame, or the first after a
			// Reset or a resync before anything was played.
			m.anchored, m.anchorTime, m.anchorPos = true, now.Add(delay), a.stamp*1000
			m.playing, m.rpos = false, a.stamp*1000
		}
		if r.IntN(20) == 0 {
			checkStats(t, where(), rtb.Stats(), m.stats(), time.Hour)
		}
	}
	rtb.CloseWrite()
	closed = true
	if _, err := rtb.Write(mdlStamp(r, opusrt.Frame{tocSilk20}, 0)); !errors.Is(err, opusrt.ErrDone) {
		t.Fatalf("%s: Write after CloseWrite: %v, want ErrDone", where(), err)
	}
	for play() {
	}
	s := rtb.Stats()
	checkStats(t, where(), s, m.stats(), time.Hour)
	if s.BufferedPackets != 0 && len(m.held) != 0 {
		t.Fatalf("%s: %d frames held after the drain", where(), s.BufferedPackets)
	}
	rtb.Close()
	return s
}

// TestRealtimeNextDueAfterForwardJump: NextDue must say when Frame returns
// also when a forward stamp jump is about to be taken: the jumped-to frame
// is due one playout delay after its arrival (SPEC.md), not at the end of
// the old timeline, and the loss cadence goes on until then.
func TestRealtimeNextDueAfterForwardJump(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		write := func(at time.Duration, f opusrt.Frame, stamp opusrt.EpochMillis) {
			clk.Set(t0.Add(at))
			if _, err := rtb.Write(opusrt.ToStamped(f, stamp)); err != nil {
				t.Fatalf("Write(%d): %v", stamp, err)
			}
		}
		write(0, voice(1), 0)
		write(ms(20), voice(2), 20)
		for _, at := range []time.Duration{ms(60), ms(80)} {
			clk.Set(t0.Add(at))
			if f, _, err := rtb.Frame(); err != nil || f == nil {
				t.Fatalf("Frame at %v = %x, %v", at, f, err)
			}
		}
		// The sender's clock jumps 10 minutes; the frame arrives at 95 ms,
		// so it is due at 155 ms; the old timeline ended at 100 ms.
		write(ms(95), voice(3), 600000)
		var got []string
		for len(got) < 10 {
			due, ok := rtb.NextDue()
			if !ok {
				t.Fatal("NextDue: no schedule")
			}
			clk.Set(due)
			done := make(chan string, 1)
			go func() {
				f, loss, err := rtb.Frame()
				switch {
				case err != nil:
					t.Errorf("Frame: %v", err)
				case f != nil:
					done <- fmt.Sprintf("%v:#%d", clk.Now().Sub(t0), f[1])
					return
				}
				done <- fmt.Sprintf("%v:loss %v", clk.Now().Sub(t0), loss)
			}()
			synctest.Wait()
			select {
			case s := <-done:
				got = append(got, s)
			default:
				clk.AdvanceToNext()
				t.Fatalf("NextDue = %v, but Frame returned %s", due.Sub(t0), <-done)
			}
			if strings.HasSuffix(got[len(got)-1], "#3") {
				break
			}
		}
		if g, want := strings.Join(got, " "), "100ms:loss 20ms 120ms:loss 20ms 140ms:loss 15ms 155ms:#3"; g != want {
			t.Errorf("played %s, want %s", g, want)
		}
	})
}

// TestBufferHugeForwardGap: SPEC.md makes a forward gap beyond the resync
// threshold a discontinuity, not loss: no one conceals 139 years. Append
// accepts stamps up to ±2⁴² ms (about 139 years around 1970), so that the
// longest jump still fits a time.Duration; beyond that a stamp is
// ErrInvalidFrame. The counters stay sane after two jumps across the range.
func TestBufferHugeForwardGap(t *testing.T) {
	for _, start := range []opusrt.EpochMillis{0, -(1 << 42)} {
		clk := fakeclock.New(t0)
		b := opusrt.NewBuffer(0, opusrt.WithClock(clk))
		mustAppend(t, b, voice(1), start)
		if f, _, err := b.Frame(); err != nil || f == nil {
			t.Fatalf("Frame = %x, %v", f, err)
		}
		clk.Advance(ms(20))
		mustAppend(t, b, voice(2), 1<<42)
		ev, err := b.Event()
		if err != nil || ev.Kind != opusrt.EventDiscontinuity || ev.Start != (1<<42)*time.Millisecond || ev.Jump != time.Duration(1<<42-start-20)*time.Millisecond || ev.Duration != 0 {
			t.Errorf("Event after a jump from %d ms = %+v, %v; want a discontinuity to 2^42 ms", start, ev, err)
		}
		if f, loss, err := b.Frame(); err != nil || f == nil || f[1] != 2 || loss != 0 {
			t.Errorf("Frame after the jump = %x, %v, %v; want frame 2", f, loss, err)
		}
		if err := b.Append(voice(3), 1<<42+1); !errors.Is(err, opusrt.ErrInvalidFrame) {
			t.Errorf("Append beyond 2^42 ms: %v, want ErrInvalidFrame", err)
		}
		// And back: a resync, and forward again.
		clk.Advance(ms(20))
		mustAppend(t, b, voice(4), -(1 << 42))
		clk.Advance(ms(20))
		mustAppend(t, b, voice(5), 1<<42-1000)
		for _, _, err := b.Frame(); err == nil; _, _, err = b.Frame() {
		}
		s := b.Stats()
		if s.LostDuration != 0 || s.PacketsLost != 0 || s.ConcealmentEvents != 0 {
			t.Errorf("loss counted for jumps: %+v", s)
		}
		if s.Jitter > ms(20) {
			t.Errorf("Jitter %v after jumps of 2^42 ms", s.Jitter)
		}
		if s.Resyncs != 3 || s.PacketsPlayed != 4 {
			t.Errorf("Resyncs %d, PacketsPlayed %d; want 3, 4", s.Resyncs, s.PacketsPlayed)
		}
	}
}
