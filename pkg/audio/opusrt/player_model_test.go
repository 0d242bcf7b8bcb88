package opusrt_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// action is something a stream's sender does at a time after t0.
type action struct {
	at    time.Duration
	kind  byte // 'w' write, 'r' reset, 'c' close write, 'x' close
	stamp opusrt.EpochMillis
	id    byte
}

// randomActions makes a stream with jitter, loss, duplicates, stamp jumps
// and a reset now and then, ending with CloseWrite (or, rarely, Close). Times carry an odd
// number of microseconds so that no action falls on a due time.
func randomActions(rng *rand.Rand) []action {
	var as []action
	n := 10 + rng.IntN(40)
	offset := opusrt.EpochMillis(1_000_000)
	for k := range n {
		at := time.Duration(20*k)*time.Millisecond + time.Duration(rng.IntN(40000)|1)*time.Microsecond
		if rng.IntN(50) == 0 {
			// The sender's clock jumps ten minutes, forward or back.
			offset += opusrt.EpochMillis(600_000 * (1 - 2*rng.IntN(2)))
		}
		switch r := rng.IntN(100); {
		case r < 8: // lost
		case r < 12:
			as = append(as, action{at: at, kind: 'w', stamp: offset + opusrt.EpochMillis(20*k), id: byte(k + 1)})
			as = append(as, action{at: at + 3*time.Microsecond, kind: 'w', stamp: offset + opusrt.EpochMillis(20*k), id: byte(k + 1)})
		case r < 14:
			as = append(as, action{at: at, kind: 'r'})
		default:
			as = append(as, action{at: at, kind: 'w', stamp: offset + opusrt.EpochMillis(20*k), id: byte(k + 1)})
		}
	}
	slices.SortStableFunc(as, func(a, b action) int { return int(a.at - b.at) })
	end := as[len(as)-1].at + time.Duration(rng.IntN(200000)|1)*time.Microsecond
	if rng.IntN(10) == 0 {
		as = append(as, action{at: end, kind: 'x'})
	} else {
		as = append(as, action{at: end, kind: 'c'})
	}
	return as
}

func (a action) do(rtb *opusrt.RealtimeBuffer) {
	switch a.kind {
	case 'w':
		rtb.Write(opusrt.ToStamped(voice(a.id), a.stamp))
	case 'r':
		rtb.Reset()
	case 'c':
		rtb.CloseWrite()
	case 'x':
		rtb.Close()
	}
}

func describe(at time.Duration, f opusrt.Frame, loss time.Duration) string {
	if f != nil {
		return fmt.Sprintf("%v:#%d", at, f[1])
	}
	return fmt.Sprintf("%v:loss %v", at, loss)
}

// playAlone plays one stream in one goroutine on its own manual clock,
// interleaving its actions with Frame calls at the due times NextDue gives.
func playAlone(as []action) []string {
	clk := fakeclock.New(t0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	var out []string
	for {
		due, ok := rtb.NextDue()
		if len(as) > 0 && (!ok || t0.Add(as[0].at).Before(due)) {
			clk.Set(t0.Add(as[0].at))
			as[0].do(rtb)
			as = as[1:]
			continue
		}
		if ok {
			clk.Set(due)
		}
		f, loss, err := rtb.Frame()
		if errors.Is(err, io.EOF) {
			return out
		}
		out = append(out, describe(clk.Now().Sub(t0), f, loss))
	}
}

// TestPlayerMatchesFrameLoops plays random streams through a Player with two
// Run goroutines and through one Frame loop each, on manual clocks: every
// stream gets the same events at the same times either way.
func TestPlayerMatchesFrameLoops(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 5
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 99))
		streams := make([][]action, 1+rng.IntN(30))
		for i := range streams {
			streams[i] = randomActions(rng)
		}
		want := make([][]string, len(streams))
		for i, as := range streams {
			want[i] = playAlone(slices.Clone(as))
		}
		got := make([][]string, len(streams))
		synctest.Test(t, func(t *testing.T) {
			clk := fakeclock.New(t0)
			p := opusrt.NewPlayer(opusrt.WithClock(clk))
			defer p.Close()
			for range 2 {
				go p.Run()
			}
			var mu sync.Mutex
			finished := 0
			for i, as := range streams {
				rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
				p.Add(rtb, func(f opusrt.Frame, loss time.Duration, err error) {
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						finished++
						return
					}
					got[i] = append(got[i], describe(clk.Now().Sub(t0), f, loss))
				})
				go func() {
					timer := clk.NewTimer(0)
					for _, a := range as {
						timer.Reset(t0.Add(a.at).Sub(clk.Now()))
						<-timer.C()
						a.do(rtb)
					}
				}()
			}
			for {
				synctest.Wait()
				mu.Lock()
				done := finished == len(streams)
				mu.Unlock()
				if done {
					break
				}
				if !clk.AdvanceToNext() {
					t.Fatalf("seed %d: stuck with %d of %d streams finished", seed, finished, len(streams))
				}
			}
		})
		for i := range streams {
			if !slices.Equal(got[i], want[i]) {
				t.Fatalf("seed %d stream %d:\nplayer: %v\n alone: %v\nactions %v", seed, i, got[i], want[i], streams[i])
			}
		}
	}
}
