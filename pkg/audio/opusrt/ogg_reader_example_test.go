package opusrt_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// With Multistream(false), Frame stops at the end of each link of a chain,
// where Link tells its header and positions, and NextLink moves on.
func ExampleOggReader_NextLink() {
	data, _ := samples.ReadFile(samples.ChainedMixed)
	or, _ := opusrt.NewOggReader(bytes.NewReader(data))
	or.Multistream(false)
	for {
		frames := 0
		for {
			if _, _, err := or.Frame(); err == io.EOF {
				break
			}
			frames++
		}
		l := or.Link()
		fmt.Printf("link %d (serial %d): %d channels, %d frames, final granule %d, trim %d\n",
			l.Number, l.Serial, l.Header.Channels, frames, l.FinalGranule, l.EndTrim)
		if err := or.NextLink(); err == io.EOF {
			break
		}
	}
	// Output:
	// link 1 (serial 9): 1 channels, 110 frames, final granule 104703, trim 897
	// link 2 (serial 10): 2 channels, 87 frames, final granule 166536, trim 504
}

// SeekSamples bisects on granule positions to a point of the audio; the
// first frame after it starts 80 ms or more before that point, and discard
// says how many decoded samples to drop to reach it.
func ExampleOggReader_SeekSamples() {
	data, _ := samples.ReadFile(samples.Speech)
	or, _ := opusrt.NewOggReader(bytes.NewReader(data))
	discard, err := or.SeekSamples(5 * 48000) // 5 s
	if err != nil {
		fmt.Println(err)
		return
	}
	f, _, _ := or.Frame()
	fmt.Printf("first frame ends at granule %d, lasts %v; discard %d samples\n", or.Granule(), f.Duration(), discard)
	n, _ := or.PlaybackSamples()
	fmt.Printf("the file plays %d samples\n", n)
	// Output:
	// first frame ends at granule 237120, lasts 20ms; discard 4152 samples
	// the file plays 391494 samples
}
