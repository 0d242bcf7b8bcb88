package opusrt_test

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// fecDecoder stands for an Opus decoder with in-band FEC (libopus through
// cgo: opus_decode with decode_fec=1 for FEC, a nil packet for PLC).
type fecDecoder struct{}

func (fecDecoder) Decode(f opusrt.Frame) { fmt.Printf("  decode %v\n", f.Duration()) }

func (fecDecoder) DecodeFEC(next opusrt.Frame, d time.Duration) {
	fmt.Printf("  recover %v from the next frame's FEC\n", d)
}

func (fecDecoder) Conceal(d time.Duration) { fmt.Printf("  conceal %v\n", d) }

func (fecDecoder) Reset() { fmt.Println("  reset the decoder") }

// Events carry what Frame drops: where each frame or loss lies on the
// stream's timeline, the frame to recover a loss from (FEC), and the
// discontinuities of a sender whose clock jumped. Here a libopus stream
// with in-band FEC on loses its second packet, whose audio the third
// carries again; later a packet without FEC for the one before it is lost,
// and then the sender's clock jumps an hour ahead.
func ExampleBuffer_Event() {
	// Three hybrid 20 ms packets from libopus with in-band FEC on
	// (opusenc --expect-loss 20): the end of a silence, a word's first
	// packet, and the next, which carries the first one again as LBRR.
	silence, _ := hex.DecodeString("6808ae9a0a54d40c792701fe7a8715f8575aa98ac0a2a0")
	word1, _ := hex.DecodeString("688004046743faf7768cea0cdf9ff23ae637c73baced02be94284f6679984d426e96bc2773e99cf2")
	word2, _ := hex.DecodeString("68c007046743faf77682c3de23a0a7e53bbb65bbde836515498935381ef1b216222a2ef8d9e9ceec2be77f81722ab9e2add6c51019894a8704f00498cf40d560")

	decoder := fecDecoder{}
	buf := opusrt.NewBuffer(0)
	arrived := []struct {
		frame []byte
		stamp opusrt.EpochMillis
	}{
		{silence, 1000}, {word2, 1040}, // word1 at 1020 lost
		{word1, 1080}, // the packet at 1060 lost, and word1 has no FEC for it
		{silence, 3601000}, {silence, 3601020},
	}
	for _, a := range arrived {
		buf.Append(a.frame, a.stamp)
	}
	for {
		ev, err := buf.Event()
		if err != nil {
			break // io.EOF: nothing held; more may come
		}
		fmt.Printf("%v at %d ms:\n", ev.Kind, ev.Stamp())
		switch ev.Kind {
		case opusrt.EventFrame:
			decoder.Decode(ev.Frame)
		case opusrt.EventLoss, opusrt.EventInserted:
			if ev.FEC != nil {
				// The next frame carries this one at lower quality.
				decoder.DecodeFEC(ev.FEC, ev.Duration)
			} else {
				decoder.Conceal(ev.Duration)
			}
		case opusrt.EventDiscontinuity:
			// Nothing to conceal: the stream goes on elsewhere.
			decoder.Reset()
		}
	}
	// Output:
	// frame at 1000 ms:
	//   decode 20ms
	// loss at 1020 ms:
	//   recover 20ms from the next frame's FEC
	// frame at 1040 ms:
	//   decode 20ms
	// loss at 1060 ms:
	//   conceal 20ms
	// frame at 1080 ms:
	//   decode 20ms
	// discontinuity at 3601000 ms:
	//   reset the decoder
	// frame at 3601000 ms:
	//   decode 20ms
	// frame at 3601020 ms:
	//   decode 20ms
}

// A RealtimeBuffer hands out the same events at their due times. Here on a
// manual clock: frame 2 is lost, then the sender's clock jumps ten minutes
// ahead; the jump is a discontinuity, due when the jumped-to frame is
// (one playout delay after it arrived, 60 ms by default), with the frame
// right after it.
func ExampleRealtimeBuffer_Event() {
	clk := fakeclockAt(0) // a real player leaves the clock out: SystemClock
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	rtb.Write(opusrt.ToStamped(voice(1), 0))
	rtb.Write(opusrt.ToStamped(voice(3), 40))
	rtb.Write(opusrt.ToStamped(voice(4), 600000))
	rtb.CloseWrite()
	for {
		if due, ok := rtb.NextDue(); ok {
			clk.Set(due) // a real clock would just wait in Event
		}
		ev, err := rtb.Event()
		if err != nil {
			break // io.EOF: closed, and everything played
		}
		fmt.Printf("at %v: %v of %v at %d ms\n", clk.Now().Sub(t0), ev.Kind, ev.Duration, ev.Stamp())
	}
	// Output:
	// at 60ms: frame of 20ms at 0 ms
	// at 80ms: loss of 20ms at 20 ms
	// at 100ms: frame of 20ms at 40 ms
	// at 120ms: discontinuity of 0s at 600000 ms
	// at 120ms: frame of 20ms at 600000 ms
}
