package opusrt_test

import (
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// standInDecoder stands for an Opus decoder (libopus through cgo, say): it
// reports what it was asked to do instead of decoding.
type standInDecoder struct{}

func (standInDecoder) Decode(f opusrt.Frame) []int16 {
	fmt.Printf("decode %v frame #%d\n", f.Duration(), f[1])
	return make([]int16, 320)
}

func (standInDecoder) DecodePLC(samples int) []int16 {
	fmt.Printf("conceal %d samples\n", samples)
	return make([]int16, samples)
}

func play([]int16) {}

// The seed's "Basic Jitter Buffer": stamped frames from the network, in any
// order, come out in order with the holes reported as loss.
func Example_basicJitterBuffer() {
	decoder := standInDecoder{}
	// Frames #1, #2, #3 and #5 of a stream, arriving out of order; #4 is lost.
	var network [][]byte
	for _, n := range []int{2, 1, 5, 3} {
		network = append(network, opusrt.ToStamped(voice(byte(n)), opusrt.EpochMillis(1000+20*(n-1))))
	}

	// Create buffer (2 minute capacity)
	buf := opusrt.NewBuffer(2 * time.Minute)

	// Write stamped frames (from network)
	for _, stampedData := range network {
		buf.Write(stampedData)
	}

	// Read in order
	for {
		frame, loss, err := buf.Frame()
		if err == io.EOF {
			break
		}
		if loss > 0 {
			// Handle packet loss with PLC: 16 samples a millisecond at
			// 16 kHz. (The seed writes int(loss / 20 * time.Millisecond * 320),
			// which compiles but is no sample count.)
			pcm := decoder.DecodePLC(int(loss / time.Millisecond * 16))
			play(pcm)
		} else {
			pcm := decoder.Decode(frame)
			play(pcm)
		}
	}
	// Output:
	// decode 20ms frame #1
	// decode 20ms frame #2
	// decode 20ms frame #3
	// conceal 320 samples
	// decode 20ms frame #5
}

// The seed's "Realtime Playback": a goroutine writes frames as they arrive;
// Frame hands them out at real-time pace, each due one playout delay after
// the first frame's arrival plus its stamp's offset.
func Example_realtimePlayback() {
	networkData := make(chan []byte, 8)
	for n := range 4 {
		networkData <- opusrt.ToStamped(voice(byte(n+1)), opusrt.EpochMillis(20*n))
	}
	close(networkData)

	// Create realtime buffer
	buf := opusrt.NewBuffer(2 * time.Minute)
	rtb := opusrt.RealtimeFrom(buf, opusrt.WithPlayoutDelay(200*time.Millisecond))

	// Write frames (from another goroutine)
	go func() {
		for data := range networkData {
			rtb.Write(data)
		}
		rtb.CloseWrite()
	}()

	// Read at real-time pace
	start := time.Now()
	for {
		frame, loss, err := rtb.Frame()
		if err == io.EOF {
			break
		}
		// Frames arrive at correct timing
		fmt.Printf("frame #%d, loss %v, on time: %v\n", frame[1], loss, time.Since(start) >= 200*time.Millisecond)
	}
	// Output:
	// frame #1, loss 0s, on time: true
	// frame #2, loss 0s, on time: true
	// frame #3, loss 0s, on time: true
	// frame #4, loss 0s, on time: true
}

// A RealtimeBuffer on a manual clock plays an underrun as a steady cadence of
// 20 ms losses, so a player keeps its speaker fed with concealment.
func ExampleRealtimeBuffer_Frame() {
	clk := fakeclockAt(0)
	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithClock(clk))
	rtb.Write(opusrt.ToStamped(voice(1), 0))
	for range 3 {
		due, _ := rtb.NextDue()
		clk.Set(due) // a real clock would just wait
		frame, loss, _ := rtb.Frame()
		fmt.Printf("at %v: frame %v, loss %v\n", clk.Now().Sub(t0), frame != nil, loss)
	}
	// Output:
	// at 60ms: frame true, loss 0s
	// at 80ms: frame false, loss 20ms
	// at 100ms: frame false, loss 20ms
}

func ExampleFromStamped() {
	data := opusrt.ToStamped(opusrt.Frame{0x48, 0xab}, 1700000000000)
	frame, stamp, ok := opusrt.FromStamped(data)
	fmt.Println(len(data), frame.Duration(), stamp.Time().UTC().Format(time.RFC3339), ok)
	_, _, ok = opusrt.FromStamped([]byte{0xff, 0, 0, 0, 0, 0, 0, 0, 0x48})
	fmt.Println(ok)
	// Output:
	// 10 20ms 2023-11-14T22:13:20Z true
	// false
}

func ExampleBuffer_Stats() {
	buf := opusrt.NewBuffer(0)
	buf.Append(voice(1), 0)
	buf.Append(voice(3), 40)
	buf.Append(voice(3), 40) // a duplicate
	for _, _, err := buf.Frame(); err != io.EOF; _, _, err = buf.Frame() {
	}
	s := buf.Stats()
	fmt.Println(s.PacketsReceived, s.PacketsPlayed, s.PacketsDuplicated, s.PacketsLost, s.LostDuration)
	// Output: 3 2 1 1 20ms
}
