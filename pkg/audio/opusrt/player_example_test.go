package opusrt_test

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// A Player serves many streams from a few goroutines: here three streams,
// one of which loses a frame, played from two Run goroutines.
func ExamplePlayer() {
	player := opusrt.NewPlayer()
	for range 2 {
		go player.Run()
	}
	defer player.Close()

	var wg sync.WaitGroup
	heard := make([][]string, 3)
	for i := range heard {
		rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithPlayoutDelay(100*time.Millisecond))
		wg.Add(1)
		player.Add(rtb, func(f opusrt.Frame, loss time.Duration, err error) {
			switch {
			case err == io.EOF:
				wg.Done()
			case f != nil:
				heard[i] = append(heard[i], fmt.Sprintf("#%d", f[1]))
			default:
				heard[i] = append(heard[i], fmt.Sprintf("(lost %v)", loss))
			}
		})
		for n := range 4 {
			if i == 1 && n == 2 {
				continue // lost in the network
			}
			rtb.Write(opusrt.ToStamped(voice(byte(n+1)), opusrt.EpochMillis(20*n)))
		}
		rtb.CloseWrite()
	}
	wg.Wait()
	for i, h := range heard {
		fmt.Printf("stream %d: %s\n", i, strings.Join(h, " "))
	}
	// Output:
	// stream 0: #1 #2 #3 #4
	// stream 1: #1 #2 (lost 20ms) #4
	// stream 2: #1 #2 #3 #4
}
