package opusrt_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// NextLink chains a second logical stream with its own header and tags, as
// concatenated Ogg Opus files: a player plays both, each with its own
// channels, pre-skip and gain.
func ExampleOggWriter_NextLink() {
	var file bytes.Buffer
	writer, _ := opusrt.NewOggWriter(&file, 16000, opusrt.WithSerial(7))
	for range 50 {
		writer.Write(opusrt.Frame{9 << 3, 1, 2}) // 20 ms mono
	}
	writer.TrimEnd(480) // the first link's encoder padding
	stereo := opusrt.OggHeader{Channels: 2, PreSkip: 312, InputSampleRate: 48000, OutputGain: -1536}
	tags := opusrt.OggTags{Vendor: "me", Comments: []string{"TITLE=part 2"}}
	if err := writer.NextLink(stereo, tags); err != nil {
		panic(err)
	}
	for range 25 {
		writer.Write(opusrt.Frame{9<<3 | 4, 3, 4}) // 20 ms stereo
	}
	writer.Close()
	fmt.Println("serial:", writer.Serial(), "granule:", writer.Granule(), "written:", writer.Duration())
	// Output:
	// serial: 8 granule: 24000 written: 1.5s
}

// WithHeader sets the whole OpusHead, here 5.1 in channel mapping family 1
// as opusenc lays it out: every packet is then a multistream packet of 4
// Opus streams, 2 of them stereo.
func ExampleWithHeader() {
	head, _ := oggopus.SurroundHeader(6)
	head.OutputGain = -256 // −1 dB
	var file bytes.Buffer
	writer, err := opusrt.NewOggWriter(&file, 48000, opusrt.WithHeader(head))
	if err != nil {
		panic(err)
	}
	writer.WriteLoss(100 * time.Millisecond) // concealed in every stream
	writer.Close()
	h := writer.Header()
	fmt.Println("channels:", h.Channels, "family:", h.MappingFamily, "streams:", h.StreamCount, "coupled:", h.CoupledCount,
		"table:", h.ChannelMapping)
	// Output:
	// channels: 6 family: 1 streams: 4 coupled: 2 table: [0 4 1 2 3 5]
}
