package oggopus_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// A Demuxer reads a chained file link by link, as archive/tar.Reader
// reads entries: NextLink, then Packet until io.EOF.
func ExampleDemuxer() {
	data, _ := samples.ReadFile(samples.ChainedMixed)
	d := oggopus.NewDemuxer(bytes.NewReader(data))
	for {
		l, err := d.NextLink()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		packets := 0
		for {
			if _, err := d.Packet(); err != nil {
				break
			}
			packets++
		}
		fmt.Printf("link %d: %d channels, %d packets, plays %d samples (%d trimmed at the end)\n",
			l.Number, l.Header.Channels, packets, l.PlaybackSamples(), l.EndTrim)
	}
	// Output:
	// link 1: 1 channels, 110 packets, plays 104391 samples (897 trimmed at the end)
	// link 2: 2 channels, 87 packets, plays 166224 samples (504 trimmed at the end)
}
