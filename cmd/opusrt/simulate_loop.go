package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
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
// sent and handed on (to the accounts, out and the plot) as soon as what
// became of it is known.
//
// It follows what the buffer holds from its Stats after each Write, so it
// knows which packet each played frame is whatever the buffer did: a late
// packet refused, a duplicate dropped, the oldest frames dropped on
// overflow, or a resync (a packet more than the resync threshold behind the
// playout position is a restarted sender: what was held is dropped and the
// new packet starts a new timeline).
func runSimulation(ctx context.Context, e *env, src *packetSource, res *simResult, out *simOutput) error {
	link, err := res.net.newLink()
	if err != nil {
		return err
	}
	tr := &tracker{out: out, plot: res.plot}
	var (
		fl       inFlight
		arrivals []time.Time
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
	// last is the buffer's Stats after the last call that changed them:
	// the "before" of the next one.
	var last opusrt.Stats
	// The losses reported since the last frame played: after the last one
	// they are the underrun while waiting for arrivals that bring nothing
	// more to play, past the input's end, and not concealment.
	var trail struct {
		events, packets uint64
		dur             time.Duration
	}
	for step := 0; ; step++ {
		if step%checkEvery == 0 {
			if ctx.Err() != nil {
				return errInterrupted
			}
			if bar != nil && step%(64*checkEvery) == 0 {
				bar.Set(int(src.Duration() / time.Second))
			}
		}
		due, ok := rtb.NextDue()
		dueAt := due.Sub(simStart)
		a, inFlight := fl.next()
		// Send first what is sent before (or when) anything else happens.
		if haveNext && (!ok || next.send <= dueAt) && (!inFlight || next.send <= a.at) {
			p := next
			idx := tr.sent(p)
			rec := tr.at(idx)
			arrivals = link.AppendSend(arrivals[:0], simStart.Add(p.send))
			switch len(arrivals) {
			case 0:
				res.netLost++
			case 2:
				res.netDups++
			}
			for _, t := range arrivals {
				at := t.Sub(simStart)
				if int(rec.arrived) < len(rec.arrive) {
					rec.arrive[rec.arrived] = at
					rec.arrived++
				}
				rec.open++
				res.delays.add(at - p.send)
				fl.add(at, idx)
			}
			res.sent++
			if err := fetch(); err != nil {
				return err
			}
			if err := tr.flush(false); err != nil {
				return err
			}
			continue
		}
		if inFlight && (!ok || a.at <= dueAt) {
			fl.take()
			clk.Set(simStart.Add(a.at))
			p := tr.at(a.idx)
			stamped = opusrt.AppendStamped(stamped[:0], p.frame, p.stamp)
			before := last
			_, err := rtb.Write(stamped)
			after := rtb.Stats()
			last = after
			switch {
			case errors.Is(err, opusrt.ErrDisorderedPacket):
				p.late = true
				p.open--
				res.late++
			case err != nil:
				return fmt.Errorf("packet %d: %v", a.idx, err)
			default:
				if after.Resyncs != before.Resyncs {
					// A resync on Write is a jump back: what was held
					// is dropped. (A jump forward is taken in Frame and
					// drops nothing.)
					tr.resync()
				}
				if after.PacketsDuplicated == before.PacketsDuplicated {
					tr.hold(a.idx)
				} else {
					p.open--
				}
				for range after.PacketsDropped - before.PacketsDropped {
					tr.takeHeld().dropped = true
				}
			}
			if err := tr.flush(false); err != nil {
				return err
			}
			continue
		}
		if !haveNext && !inFlight && !closed {
			rtb.CloseWrite()
			closed = true
			continue
		}
		if ok {
			clk.Set(due)
		}
		before := last
		f, loss, err := rtb.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		after := rtb.Stats()
		last = after
		now := clk.Now().Sub(simStart)
		// Frame drops held packets found overlapping what was played,
		// as late, before it returns anything.
		for range after.PacketsLate - before.PacketsLate {
			tr.takeHeld().late = true
		}
		if f == nil {
			trail.events += after.ConcealmentEvents - before.ConcealmentEvents
			trail.packets += after.PacketsLost - before.PacketsLost
			trail.dur += loss
			if err := tr.flush(false); err != nil {
				return err
			}
			continue
		}
		trail.events, trail.packets, trail.dur = 0, 0, 0
		// The frame played is the held packet with the earliest stamp.
		if len(tr.held) == 0 || !slices.Equal(tr.at(tr.held[0]).frame, f) {
			return fmt.Errorf("internal error: played a frame that was not sent")
		}
		p := tr.takeHeld()
		if p.playout < 0 {
			p.playout = now
		}
		res.played++
		res.latencies.add(now - p.send)
		if err := tr.flush(false); err != nil {
			return err
		}
	}
	if err := tr.flush(true); err != nil {
		return err
	}
	res.duration = src.Duration()
	res.notPlayed, res.headTail = tr.finish(res.duration)
	res.maxOpen = tr.maxOpen
	res.stats = rtb.Stats()
	res.trailEvents, res.trailPackets, res.trailLoss = trail.events, trail.packets, trail.dur
	return nil
}
