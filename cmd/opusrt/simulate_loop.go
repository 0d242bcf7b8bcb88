package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
	"github.com/schollz/progressbar/v3"
)

// checkEvery is how many steps of the loop go by between two looks at the
// context: often enough to stop at once (microseconds), rarely enough to
// cost nothing.
const checkEvery = 1024

// errInterrupted is returned when the context is done (Ctrl-C).
var errInterrupted = errors.New("interrupted")

// runSimulation sends the packets of src through the network and plays
// the arrivals out through a RealtimeBuffer on a manual clock, in one
// goroutine: whichever comes first, the next sending, the next arrival or
// the buffer's next due time, happens next. Each packet is read when it is
// sent; each event the buffer hands out is written to out at once; each
// packet is handed on to the accounts and the plot as soon as what became
// of it is known (see tracker).
func runSimulation(ctx context.Context, e *env, src *packetSource, res *simResult, out *simOutput) error {
	link, err := res.net.newLink()
	if err != nil {
		return err
	}
	tr := &tracker{plot: res.plot}
	var (
		fl       inFlight
		arrivals []time.Duration
		next     sentPacket
		haveNext bool
		closed   bool
	)
	fetch := func() error {
		p, err := src.Next()
		switch {
		case err == io.EOF:
			haveNext = false
			return nil
		case err != nil:
			return err
		}
		next, haveNext = p, true
		return nil
	}
	if err := fetch(); err != nil {
		return err
	}
	if !haveNext {
		return fmt.Errorf("%s: no audio packets to send", src.name)
	}
	res.firstFrame = next.frame.TOC().FrameDuration()

	var bar *progressbar.ProgressBar
	if isTerminal(e.stderr) {
		bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("simulating (s of audio)"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(), progressbar.OptionShowCount())
		defer bar.Finish()
	}

	clk := fakeclock.New(simStart)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0, opusrt.WithClock(clk)), res.playout.options()...)
	stamped := make([]byte, 0, 8+1500)
	var (
		acc     eventAccounts
		started bool          // a frame was played
		lastEnd time.Duration // the end of the last frame played, in the stream sent
		base    baseDelay     // for the plot's target line
		target  time.Duration // the buffer's target delay, sampled for the plot
		// reach is the furthest the stream got, stamped or played
		// (µs since the stamps' epoch), to tell a packet that can
		// resync the buffer.
		reach time.Duration
	)
	// The buffer's next due time, asked again only after a call that may
	// change it (a sending changes nothing in the buffer).
	var (
		due      time.Time
		dueAt    time.Duration
		ok, know bool
	)
	for step := 0; ; step++ {
		if step%checkEvery == 0 {
			if ctx.Err() != nil {
				return errInterrupted
			}
			if bar != nil && step%(64*checkEvery) == 0 {
				bar.Set(int(src.Duration() / time.Second))
			}
		}
		if !know {
			due, ok = rtb.NextDue()
			dueAt, know = due.Sub(simStart), true
		}
		a, inFlight := fl.next()
		// Send first what is sent before (or when) anything else happens.
		if haveNext && (!ok || next.send <= dueAt) && (!inFlight || next.send <= a.at) {
			p := next
			idx := tr.sent(p)
			rec := tr.at(idx)
			arrivals = link.AppendSendAt(arrivals[:0], p.send)
			switch len(arrivals) {
			case 0:
				res.netLost++
			case 2:
				res.netDups++
			}
			for _, at := range arrivals {
				if int(rec.arrived) < len(rec.arrive) {
					rec.arrive[rec.arrived] = at
					rec.arrived++
				}
				rec.open++
				res.delays.add(at - p.send)
				if res.plot != nil {
					base.add(at - p.send)
				}
				fl.add(at, idx)
			}
			res.sent++
			if err := fetch(); err != nil {
				return err
			}
			tr.flush(false)
			continue
		}
		if inFlight && (!ok || a.at <= dueAt) {
			fl.take()
			clk.Set(simStart.Add(a.at))
			p := tr.at(a.idx)
			stamped = opusrt.AppendStamped(stamped[:0], p.frame, p.stamp)
			// A packet far behind the read position is a restarted
			// sender: the buffer drops what it held and keeps only
			// this one. The events do not tell it (they go on on the
			// old timeline until the discontinuity): the count of
			// resyncs does, asked only of a packet that can resync,
			// so far behind the furthest the stream reached.
			var resyncs uint64
			mayResync := p.stamp.Duration()+opusrt.DefaultResyncThreshold-time.Second < reach
			if mayResync {
				resyncs = rtb.Stats().Resyncs
			}
			_, err := rtb.Write(stamped)
			know = false
			reach = max(reach, p.stamp.Duration()+p.frame.Duration())
			switch {
			case errors.Is(err, opusrt.ErrDisorderedPacket):
				if p.late || p.playout >= 0 {
					// The buffer counts every copy past its slot
					// late; a copy of a packet played or found
					// late already is a duplicate.
					res.lateCopies++
				}
				p.late = true
				p.open--
			case err != nil:
				return fmt.Errorf("packet %d: %v", a.idx, err)
			case !tr.hold(a.idx):
				p.open-- // a duplicate of a packet held
			}
			if err == nil && mayResync && rtb.Stats().Resyncs > resyncs {
				tr.resynced(a.idx)
			}
			tr.flush(false)
			continue
		}
		if !haveNext && !inFlight && !closed {
			rtb.CloseWrite()
			know = false
			closed = true
			continue
		}
		if ok {
			clk.Set(due)
		}
		got, err := rtb.Event()
		know = false
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		reach = max(reach, got.End())
		now := dueAt
		if !ok {
			now = clk.Now().Sub(simStart)
		}
		switch got.Kind {
		case opusrt.EventFrame:
			p := tr.played(got.Stamp())
			var head time.Duration
			if p != nil {
				if p.playout < 0 {
					p.playout = now
					if res.plot != nil {
						if acc.frames%16 == 0 {
							target = rtb.Stats().TargetDelay
						}
						p.target = base.min() + target
					}
				}
				res.latencies.add(now - p.send)
				head = p.pos
				// The furthest played: after a resync back, the
				// frames played last are not the input's last.
				lastEnd = max(lastEnd, p.pos+p.frame.Duration())
			}
			if !started {
				started = true
				res.headFill = head
			}
			acc.frame(got)
			if out != nil {
				var link *linkMeta
				if p != nil {
					link = p.link
				}
				if err := out.Frame(got.Frame, head, link); err != nil {
					return err
				}
			}
		case opusrt.EventLoss, opusrt.EventInserted:
			if got.Kind == opusrt.EventLoss {
				tr.passed(got.Start)
			}
			acc.conceal(got)
			if out != nil {
				out.Conceal(got.Duration)
			}
		case opusrt.EventDiscontinuity:
			if got.Jump < 0 {
				tr.resyncDone()
			} else {
				tr.passed(got.Start)
			}
			// The wait before a new timeline is no loss of the old
			// one past the resync threshold (a packet an hour late
			// makes no hour of concealment).
			acc.discontinuity(opusrt.DefaultResyncThreshold)
			if out != nil {
				out.Discontinuity(opusrt.DefaultResyncThreshold)
			}
		}
		tr.flush(false)
	}
	tr.flush(true)
	res.duration = src.Duration()
	res.notPlayed = tr.finish()
	res.tailFill = res.duration
	if started {
		res.tailFill = max(0, res.duration-lastEnd)
	}
	res.maxOpen = tr.maxOpen
	res.stats = rtb.Stats()
	res.events = acc
	return nil
}

// eventAccounts sums the events the buffer handed out. The loss and
// inserted slots after the last frame are kept apart: they are the
// underrun while waiting for arrivals that bring nothing more to play,
// past the input's end, not concealment.
type eventAccounts struct {
	frames          uint64
	played          time.Duration
	lossEvents      uint64
	lossPackets     uint64
	lost            time.Duration
	inserted        time.Duration
	discontinuities uint64
	lastFrame       time.Duration // the last frame's duration, to count lost packets
	// Since the last frame: committed to the sums when a frame comes.
	trailEvents, trailPackets uint64
	trailLost, trailInserted  time.Duration
}

func (a *eventAccounts) frame(e opusrt.Event) {
	a.frames++
	a.played += e.Duration
	a.lastFrame = e.Duration
	a.lossEvents += a.trailEvents
	a.lossPackets += a.trailPackets
	a.lost += a.trailLost
	a.inserted += a.trailInserted
	a.trailEvents, a.trailPackets, a.trailLost, a.trailInserted = 0, 0, 0, 0
}

func (a *eventAccounts) conceal(e opusrt.Event) {
	if a.frames == 0 {
		return // nothing before the first frame is heard
	}
	if e.Kind == opusrt.EventInserted {
		a.trailInserted += e.Duration
		return
	}
	a.trailEvents++
	a.trailLost += e.Duration
	// As the buffer counts PacketsLost: in frames of the last one played,
	// rounded, at least one.
	n := uint64(1)
	if a.lastFrame > 0 {
		n = max(1, uint64((e.Duration+a.lastFrame/2)/a.lastFrame))
	}
	a.trailPackets += n
}

// discontinuity records a discontinuity: the loss since the last frame
// is counted up to limit, the resync threshold; what is beyond is the
// wait for the new timeline, no loss of the old one.
func (a *eventAccounts) discontinuity(limit time.Duration) {
	a.discontinuities++
	if a.trailLost <= limit {
		return
	}
	a.trailLost = limit
	n := uint64(1)
	if a.lastFrame > 0 {
		n = max(1, uint64((limit+a.lastFrame/2)/a.lastFrame))
	}
	a.trailPackets = min(a.trailPackets, n)
	a.trailEvents = min(a.trailEvents, n)
}

// baseDelay is the least network delay of the last copies sent: the
// network's base delay, above which the target delay is plotted.
type baseDelay struct {
	ring [64]time.Duration
	n    int
}

func (b *baseDelay) add(d time.Duration) {
	b.ring[b.n%len(b.ring)] = d
	b.n++
}

func (b *baseDelay) min() time.Duration {
	n := min(b.n, len(b.ring))
	if n == 0 {
		return 0
	}
	m := b.ring[0]
	for _, d := range b.ring[1:n] {
		m = min(m, d)
	}
	return m
}
