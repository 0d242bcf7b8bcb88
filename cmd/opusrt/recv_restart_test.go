package main

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// recvSim drives a receiver and its RealtimeBuffer on a fake clock, as
// recv's reader and playout loop do on the real one: each datagram at its
// time, and before it every event of the playout that is due.
type recvSim struct {
	t   *testing.T
	clk *fakeclock.Clock
	rtb *opusrt.RealtimeBuffer
	rc  *receiver
	// played counts the frames played; fills are the losses played
	// between frames, each the sum of those before a frame.
	played  int
	fills   []time.Duration
	pending time.Duration
}

func newRecvSim(t *testing.T, start time.Time) *recvSim {
	clk := fakeclock.New(start)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithPlayoutDelay(defaultRecvPlayout), opusrt.WithClock(clk))
	return &recvSim{t: t, clk: clk, rtb: rtb, rc: newReceiver(rtb, -1, clk)}
}

// playUntil plays every event due up to at, each at its due time, and
// leaves the clock at at.
func (s *recvSim) playUntil(at time.Time) {
	for {
		due, ok := s.rtb.NextDue()
		if !ok || due.After(at) {
			break
		}
		if due.After(s.clk.Now()) {
			s.clk.Set(due)
		}
		f, loss, err := s.rtb.TryFrame()
		switch {
		case err != nil && !errors.Is(err, opusrt.ErrNotDue):
			s.t.Fatalf("TryFrame: %v", err)
		case err != nil:
		case f == nil:
			s.pending += loss
		default:
			if s.played > 0 && s.pending > 0 {
				s.fills = append(s.fills, s.pending)
			}
			s.played++
			s.pending = 0
		}
	}
	if at.After(s.clk.Now()) {
		s.clk.Set(at)
	}
}

// send hands data from from to the receiver at at.
func (s *recvSim) send(from netip.AddrPort, at time.Time, data []byte) {
	s.playUntil(at)
	s.rc.handle(data, from, at)
}

// TestRecvRestartKeepsHeldFrames: a sender stops and starts again gap
// later from a new port (over RTP with a new SSRC), sending in real time.
// Its frames wait in the receiver until the old stream has been quiet for
// takeoverAfter; once it takes over, they must play, none late: they came
// in time. Before, the stamped ones kept their sender's stamps on the old
// stream's timeline, whose slots had passed while they waited: 19 of 100
// were late after a restart of 100 ms, while RTP, stamped from the
// takeover, lost none. The new stream's last frame, sent 3.5 s after its
// time, really is late, and is counted late. The recording holds up to
// takeoverAfter of fill where the restart was.
func TestRecvRestartKeepsHeldFrames(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	b := netip.MustParseAddrPort("127.0.0.1:2000")
	type tc struct {
		name           string
		oldRTP, newRTP bool
		gap            time.Duration // from the old stream's last frame to the new one's first
		ahead          bool          // the old stream sent its 3 s at once, ahead of real time
		stamps         time.Duration // the new sender's stamps against its clock running on
	}
	var cases []tc
	for _, gap := range []time.Duration{0, 20 * time.Millisecond, 100 * time.Millisecond, 480 * time.Millisecond, 900 * time.Millisecond, 2 * time.Second} {
		for _, f := range []struct {
			name     string
			old, new bool
		}{{"stamped", false, false}, {"rtp", true, true}, {"stamped-then-rtp", false, true}, {"rtp-then-stamped", true, false}} {
			cases = append(cases, tc{name: fmt.Sprintf("%s/gap=%v", f.name, gap), oldRTP: f.old, newRTP: f.new, gap: gap})
		}
	}
	cases = append(cases,
		tc{name: "stamped/ahead", ahead: true, gap: 100 * time.Millisecond},
		tc{name: "rtp/ahead", oldRTP: true, newRTP: true, ahead: true, gap: 100 * time.Millisecond},
		tc{name: "rtp-then-stamped/ahead", oldRTP: true, ahead: true, gap: 100 * time.Millisecond},
		tc{name: "stamped-then-rtp/ahead", newRTP: true, ahead: true, gap: 100 * time.Millisecond},
		tc{name: "stamped/2s-behind", gap: 100 * time.Millisecond, stamps: -2 * time.Second},
		tc{name: "stamped/4s-ahead", gap: 100 * time.Millisecond, stamps: 4 * time.Second},
		tc{name: "stamped/from-0", gap: 100 * time.Millisecond, stamps: -time.Duration(time.Unix(1_700_000_000, 0).UnixNano())},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Unix(1_700_000_000, 0)
			s := newRecvSim(t, t0)
			s0 := opusrt.FromTime(t0)
			old := &rtpStream{pt: 111, ssrc: 1, seq: 100, ts: 5000}
			restarted := &rtpStream{pt: 111, ssrc: 2, seq: 9000, ts: 77}
			frames := 50
			if tc.ahead {
				frames = 150
			}
			at := t0
			for i := range frames {
				data := opusrt.ToStamped(voice20, s0+opusrt.EpochMillis(20*i))
				if tc.oldRTP {
					data = old.next(voice20, false)
				}
				s.send(a, at, data)
				if !tc.ahead || i == frames-1 {
					at = at.Add(20 * time.Millisecond)
				}
			}
			at = at.Add(tc.gap - 20*time.Millisecond)
			s1 := opusrt.FromTime(at) + opusrt.FromDuration(tc.stamps)
			var lastFrame []byte
			for i := range 100 {
				data := opusrt.ToStamped(voice20, s1+opusrt.EpochMillis(20*i))
				if tc.newRTP {
					data = restarted.next(voice20, false)
				}
				if i == 99 {
					lastFrame = data // comes last, really late
				} else {
					s.send(b, at, data)
				}
				at = at.Add(20 * time.Millisecond)
			}
			s.send(b, at.Add(3500*time.Millisecond), lastFrame)
			s.playUntil(at.Add(10 * time.Second))
			st := s.rtb.Stats()
			c, followed, _, _, _ := s.rc.counts()
			if followed.addr != b || c.Takeovers != 1 {
				t.Errorf("following %v after %d takeovers, want %v after 1", followed, c.Takeovers, b)
			}
			want := uint64(frames + 99)
			// One fill between the streams, up to takeoverAfter (or the
			// gap itself when longer); none when the new stream plays on
			// from the old one's audio, still held.
			switch {
			case tc.ahead && len(s.fills) != 0:
				t.Errorf("filled %v between streams that follow on", s.fills)
			case !tc.ahead && (len(s.fills) != 1 || s.fills[0] > max(tc.gap, takeoverAfter)):
				t.Errorf("filled %v, want one fill of at most %v", s.fills, max(tc.gap, takeoverAfter))
			}
			if st.PacketsReceived != want+1 || st.PacketsPlayed != want || st.PacketsLate != 1 || st.PacketsDiscarded != 1 {
				t.Errorf("received %d, played %d of %d, late %d (want 1), discarded %d", st.PacketsReceived, st.PacketsPlayed, want, st.PacketsLate, st.PacketsDiscarded)
			}
		})
	}
}

// TestRecvAbsurdStamps: a followed stamped sender whose stamps are far
// beyond what the Buffer takes (2^42 ms), and jump by centuries both ways:
// its stamps are moved onto recv's timeline, a jump the Buffer would
// refuse once moved is a new mapping from the frame that jumped, and no
// frame is refused or lost.
func TestRecvAbsurdStamps(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	t0 := time.Unix(1_700_000_000, 0)
	s := newRecvSim(t, t0)
	at := t0
	for _, first := range []opusrt.EpochMillis{1 << 50, 1<<56 - 1000, 5, 1 << 43} {
		for i := range 10 {
			s.send(a, at, opusrt.ToStamped(voice20, first+opusrt.EpochMillis(20*i)))
			at = at.Add(20 * time.Millisecond)
		}
	}
	s.playUntil(at.Add(10 * time.Second))
	st := s.rtb.Stats()
	if st.PacketsInvalid != 0 || st.PacketsReceived != 40 || st.PacketsPlayed != 40 {
		t.Errorf("invalid %d, received %d, played %d of 40: %+v", st.PacketsInvalid, st.PacketsReceived, st.PacketsPlayed, st)
	}
}

// TestRecvRestartDuplicate: the network duplicates a datagram of a
// restarted sender while it waits to take over. The copy is not a second
// datagram: it neither confirms nor replaces what the sender sent, and
// everything plays (before, an RTP copy, whose sequence number equals the
// last one's, did not agree and replaced the frames held with itself).
func TestRecvRestartDuplicate(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	b := netip.MustParseAddrPort("127.0.0.1:2000")
	for _, tc := range []struct {
		name   string
		isRTP  bool
		copied int // which of the new stream's datagrams comes twice
	}{
		{"stamped/first", false, 0}, {"stamped/held", false, 10},
		{"rtp/first", true, 0}, {"rtp/held", true, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t0 := time.Unix(1_700_000_000, 0)
			s := newRecvSim(t, t0)
			s0 := opusrt.FromTime(t0)
			old := &rtpStream{pt: 111, ssrc: 1, seq: 100, ts: 5000}
			restarted := &rtpStream{pt: 111, ssrc: 2, seq: 9000, ts: 77}
			at := t0
			for i := range 50 {
				data := opusrt.ToStamped(voice20, s0+opusrt.EpochMillis(20*i))
				if tc.isRTP {
					data = old.next(voice20, false)
				}
				s.send(a, at, data)
				at = at.Add(20 * time.Millisecond)
			}
			at = at.Add(100 * time.Millisecond)
			s1 := opusrt.FromTime(at)
			for i := range 100 {
				data := opusrt.ToStamped(voice20, s1+opusrt.EpochMillis(20*i))
				if tc.isRTP {
					data = restarted.next(voice20, false)
				}
				s.send(b, at, data)
				if i == tc.copied {
					s.send(b, at, data)
				}
				at = at.Add(20 * time.Millisecond)
			}
			s.playUntil(at.Add(10 * time.Second))
			st := s.rtb.Stats()
			c, followed, _, _, _ := s.rc.counts()
			if followed.addr != b || c.Takeovers != 1 {
				t.Errorf("following %v after %d takeovers, want %v after 1", followed, c.Takeovers, b)
			}
			if st.PacketsPlayed != 150 || st.PacketsLate != 0 {
				t.Errorf("played %d of 150, late %d: %+v", st.PacketsPlayed, st.PacketsLate, st)
			}
		})
	}
}
