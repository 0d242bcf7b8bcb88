package opus_test

import (
	"encoding/hex"
	"fmt"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// Three hybrid packets libopus made with in-band FEC on (testdata/fec20):
// the last of the silence before a word, the word's first packet, and the
// next one, which carries the first one's audio again as LBRR.
var fecPackets = []string{
	"6808ae9a0a54d40c792701fe7a8715f8575aa98ac0a2a0",
	"688004046743faf7768cea0cdf9ff23ae637c73baced02be94284f6679984d426e96bc2773e99cf2",
	"68c007046743faf77682c3de23a0a7e53bbb65bbde836515498935381ef1b216222a2ef8d9e9ceec2be77f81722ab9e2add6c51019894a8704f00498cf40d560",
}

func ExampleIsInactive() {
	for _, h := range fecPackets {
		p, _ := hex.DecodeString(h)
		fmt.Printf("%v %d bytes: inactive %v, FEC for the packet before %v\n",
			opus.TOC(p[0]).Mode(), len(p), opus.IsInactive(p), opus.HasLBRR(p))
	}
	// A CELT-only packet has no VAD flags: its activity is unknown.
	fmt.Println("CELT:", opus.IsInactive([]byte{0xf8, 0xff, 0xfe}))
	// Output:
	// Hybrid 23 bytes: inactive true, FEC for the packet before false
	// Hybrid 40 bytes: inactive false, FEC for the packet before false
	// Hybrid 64 bytes: inactive false, FEC for the packet before true
	// CELT: false
}

func ExampleParseSILKHeader() {
	// A SILK-only 60 ms mono packet: three 20 ms SILK frames, the first
	// silent, then the LBRR flag.
	h, err := opus.ParseSILKHeader([]byte{0x58, 0b0110_0000, 0x12, 0x34})
	if err != nil {
		fmt.Println(err)
		return
	}
	for k := range h.SILKFrames() {
		fmt.Printf("SILK frame %d: active %v\n", k, h.VAD(0, 0, k))
	}
	fmt.Println("LBRR:", h.LBRR(0, 0))
	// Output:
	// SILK frame 0: active false
	// SILK frame 1: active true
	// SILK frame 2: active true
	// LBRR: false
}

func ExampleStreams() {
	// Two elementary streams of 20 ms CELT: a stereo pair and a mono one.
	data, err := opus.AppendMultistream(nil, []byte{0xfc, 1, 2, 3}, []byte{0xf8, 4, 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("multistream packet % x\n", data)
	s := opus.NewStreams(data, 2)
	for s.Next() {
		p := s.Packet()
		fmt.Printf("stream %d: % x, %d channel(s), %v\n", s.Index(), p.AppendStandard(nil), p.TOC.Channels(), p.Duration())
	}
	if err := s.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// multistream packet fc 03 01 02 03 f8 04 05
	// stream 0: fc 01 02 03, 2 channel(s), 20ms
	// stream 1: f8 04 05, 1 channel(s), 20ms
}
