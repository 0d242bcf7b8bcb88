package opusrt_test

import (
	"io"
	"testing"
	"testing/synctest"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

// A Write that comes while Player.Add is installing the stream must be
// noticed: on the first version Add put the stream on the ready list
// before installing its notify hook, so a Run that looked at the stream in
// between left it idle, and a Write in that window woke no one: the stream
// stalled with its frames held. The hook forces the Write into the window.
func TestPlayerAddDoesNotMissAWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := fakeclock.New(t0)
		p := opusrt.NewPlayer(opusrt.WithClock(clk))
		go p.Run()
		defer p.Close()
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
		got := make(chan opusrt.Event, 4)
		opusrt.SetPlayerAddHook(func() {
			synctest.Wait() // let Run look at whatever it can now
			rtb.Write(opusrt.ToStamped(voice(1), 0))
			rtb.CloseWrite()
			synctest.Wait()
		})
		defer opusrt.SetPlayerAddHook(nil)
		p.AddEvents(rtb, func(ev opusrt.Event, err error) {
			if err == io.EOF {
				close(got)
				return
			}
			got <- ev
		})
		opusrt.SetPlayerAddHook(nil)
		for {
			synctest.Wait()
			select {
			case ev, ok := <-got:
				if !ok {
					t.Fatal("io.EOF before the frame")
				}
				if ev.Kind != opusrt.EventFrame || ev.Frame[1] != 1 || clk.Now() != t0.Add(opusrt.DefaultPlayoutDelay) {
					t.Fatalf("delivered %+v at %v; want frame 1 at the playout delay", ev, clk.Now().Sub(t0))
				}
				return
			default:
			}
			if !clk.AdvanceToNext() {
				t.Fatal("the stream stalled with its frame held")
			}
		}
	})
}
