package oggopus_test

import (
	"fmt"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// An OpusHead packet as opusenc writes it for mono 48 kHz input, parsed
// and written back.
func ExampleParseHeader() {
	packet := []byte("OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")
	h, err := oggopus.ParseHeader(packet)
	if err != nil {
		panic(err)
	}
	fmt.Println("channels:", h.Channels, "pre-skip:", h.PreSkipDuration(), "input rate:", h.InputSampleRate,
		"streams:", h.Streams(), "largest packet:", h.MaxPacketSize())
	h.OutputGain = -6 * 256 // −6 dB in Q7.8
	out, _ := h.MarshalBinary()
	fmt.Printf("% x\n", out)
	// Output:
	// channels: 1 pre-skip: 6.5ms input rate: 48000 streams: 1 largest packet: 65536
	// 4f 70 75 73 48 65 61 64 01 01 38 01 80 bb 00 00 00 fa 00
}

// Tags carry the vendor and the user comments; ParseTags reads them back.
func ExampleTags() {
	t := oggopus.Tags{Vendor: "my recorder", Comments: []string{"TITLE=Standup", "ARTIST=Team"}}
	packet, _ := t.MarshalBinary()
	back, err := oggopus.ParseTags(packet)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(packet), "bytes:", back.Vendor, back.Comments)
	// Output:
	// 59 bytes: my recorder [TITLE=Standup ARTIST=Team]
}
