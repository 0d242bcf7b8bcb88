package opusrt

import (
	"sync"
	"time"
)

// Player plays many RealtimeBuffers from a few goroutines. One goroutine
// blocked in Frame per stream, each woken by its own timer, costs a park
// and a wake of a goroutine per frame; a Player keeps the streams in one
// schedule and serves whatever is due from the goroutines that call Run,
// calling each stream's deliver function with its frames and losses at their
// due times. On two cores that is the difference between a few thousand and
// ten thousand live streams.
//
// Every stream's frames are delivered in order, one call at a time, from one
// of the Run goroutines; deliver must not block for long (write to a
// speaker's ring, a file, a socket) and must not call back into the Player.
// The Player and its streams must share one Clock.
type Player struct {
	clock Clock
	epoch time.Time // due times are kept as offsets from it

	mu      sync.Mutex
	due     playQueue     // scheduled streams, earliest due first
	ready   []*playStream // streams to look at now
	closed  bool
	wake    chan struct{} // a token wakes one waiting Run
	done    chan struct{} // closed by Close
	streams int
}

// playStream is one RealtimeBuffer a Player serves.
type playStream struct {
	rtb     *RealtimeBuffer
	deliver func(Event, error)
	state   playState
	again   bool   // notified while being served: look again
	gen     uint32 // bumped when a scheduled stream is moved to ready
}

type playState uint8

const (
	playIdle      playState = iota // waiting for input: the buffer notifies
	playReady                      // in Player.ready
	playScheduled                  // in Player.due
	playServing                    // a Run goroutine has it
	playDone                       // delivered io.EOF
)

// maxPlayBatch bounds how many streams one Run goroutine takes at a time,
// so that others share the work.
const maxPlayBatch = 64

// NewPlayer returns a Player on the clock of WithClock (SystemClock by
// default). Start serving with one or more goroutines calling Run.
func NewPlayer(opts ...PlayerOption) *Player {
	cfg := newPlayerConfig(opts)
	if cfg.clock == nil {
		cfg.clock = SystemClock()
	}
	return &Player{
		clock: cfg.clock,
		epoch: cfg.clock.Now(),
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
}

// Add starts playing rtb: from now on deliver is called with each result of
// rtb's Frame at its due time — a frame, a loss, and last an error (io.EOF
// after CloseWrite and the last frame, or after Close), after which the
// stream is forgotten. rtb must not be read otherwise while the Player
// plays it. Streams added after Close are never served.
func (p *Player) Add(rtb *RealtimeBuffer, deliver func(f Frame, loss time.Duration, err error)) {
	p.AddEvents(rtb, func(ev Event, err error) {
		if ev.Kind == EventDiscontinuity && err == nil {
			return // Frame passes over it
		}
		f, loss := ev.frameResult()
		deliver(f, loss, err)
	})
}

// AddEvents is Add for a consumer of events (see RealtimeBuffer.Event):
// deliver is called with each event of rtb at its due time, and last with
// an error (io.EOF) and the zero Event.
func (p *Player) AddEvents(rtb *RealtimeBuffer, deliver func(Event, error)) {
	s := &playStream{rtb: rtb, deliver: deliver, state: playIdle}
	p.mu.Lock()
	p.streams++
	p.mu.Unlock()
	// The hook first, then the ready list: a Write in between notifies a
	// stream that is idle, which puts it on the list; none is missed.
	rtb.setNotify(func() { p.notify(s) })
	if playerAddHook != nil {
		playerAddHook()
	}
	p.notify(s)
}

// playerAddHook, when set (by tests), runs inside AddEvents between
// installing the notify hook and making the stream ready.
var playerAddHook func()

// Streams returns the number of streams being played.
func (p *Player) Streams() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.streams
}

// Run serves the streams until Close. Call it from as many goroutines as
// the streams need cores; it returns nil after Close.
func (p *Player) Run() error {
	var timer Timer
	batch := make([]*playStream, 0, maxPlayBatch)
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil
		}
		now := p.clock.Now()
		batch = batch[:0]
		for len(p.ready) > 0 && len(batch) < maxPlayBatch {
			last := len(p.ready) - 1
			batch = append(batch, p.ready[last])
			p.ready = p.ready[:last]
		}
		nowAt := now.Sub(p.epoch)
		for len(p.due) > 0 && p.due[0].at <= nowAt && len(batch) < maxPlayBatch {
			e := p.due.pop()
			if e.gen == e.s.gen && e.s.state == playScheduled {
				batch = append(batch, e.s)
			} // else stale: the stream was notified and moved to ready
		}
		for _, s := range batch {
			s.state = playServing
		}
		wait := time.Duration(-1)
		if len(p.due) > 0 {
			wait = max(p.due[0].at-nowAt, 0)
		}
		more := len(p.ready) > 0 || wait == 0
		p.mu.Unlock()
		if more {
			p.poke() // work left for another Run
		}
		if len(batch) > 0 {
			for _, s := range batch {
				p.serve(s)
			}
			continue
		}
		var expired <-chan time.Time
		if wait >= 0 {
			if timer == nil {
				timer = p.clock.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			expired = timer.C()
		}
		select {
		case <-expired:
		case <-p.wake:
		case <-p.done:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// serve delivers what s has due, then schedules it for its next event or
// leaves it to be notified.
func (p *Player) serve(s *playStream) {
	now := p.clock.Now()
	var next time.Time
	var scheduled bool
	for {
		ev, err, due, ok := s.rtb.poll(now)
		next, scheduled = due, ok
		if err == ErrNotDue {
			break
		}
		s.deliver(ev, err)
		if err != nil {
			p.finish(s)
			return
		}
		if !ok || due.After(now) {
			break
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case s.again:
		s.again = false
		s.state = playReady
		p.ready = append(p.ready, s)
	case scheduled:
		s.state = playScheduled
		p.due.push(playEntry{at: next.Sub(p.epoch), gen: s.gen, s: s})
	default:
		s.state = playIdle
	}
}

func (p *Player) finish(s *playStream) {
	s.rtb.setNotify(nil)
	p.mu.Lock()
	s.state = playDone
	p.streams--
	p.mu.Unlock()
}

// notify is called, under the buffer's lock, when a stream's schedule may
// have changed: a first frame, a resync, CloseWrite, Reset or Close.
func (p *Player) notify(s *playStream) {
	p.mu.Lock()
	switch s.state {
	case playServing:
		s.again = true
	case playScheduled:
		s.gen++ // its entry in p.due is stale now
		fallthrough
	case playIdle:
		s.state = playReady
		p.ready = append(p.ready, s)
	}
	p.mu.Unlock()
	p.poke()
}

// poke wakes one waiting Run, if any.
func (p *Player) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Close stops every Run; streams not finished get no more calls. It is
// idempotent.
func (p *Player) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.done)
	}
	return nil
}

// playEntry is a scheduled stream in a playQueue. The due time is kept in
// the entry so that ordering the heap touches no stream's memory.
type playEntry struct {
	at  time.Duration // due, as an offset from Player.epoch
	gen uint32        // the stream's gen when scheduled
	s   *playStream
}

// playQueue is a binary min-heap of scheduled streams by due time, written
// out rather than through container/heap so that pushing an entry does not
// box it.
type playQueue []playEntry

func (q *playQueue) push(e playEntry) {
	h := append(*q, e)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if h[parent].at <= h[i].at {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
	*q = h
}

// pop removes and returns the earliest entry; q must not be empty.
func (q *playQueue) pop() playEntry {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = playEntry{}
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].at < h[least].at {
			least = l
		}
		if r < len(h) && h[r].at < h[least].at {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	*q = h
	return top
}
