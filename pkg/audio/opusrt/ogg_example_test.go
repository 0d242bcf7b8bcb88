package opusrt_test

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// The seed's "OGG File Writing": frames in, an Ogg Opus file out. A file
// from os.Create works the same as the buffer here; Close finishes the
// stream but leaves the file open.
func ExampleNewOggWriter() {
	// 50 frames of 20 ms: SILK wideband TOC (config 9) and a stand-in payload.
	var opusFrames []opusrt.Frame
	for i := range 50 {
		opusFrames = append(opusFrames, opusrt.Frame{9 << 3, byte(i), 0x55})
	}

	var file bytes.Buffer
	writer, err := opusrt.NewOggWriter(&file, 16000, opusrt.WithSerial(1))
	if err != nil {
		panic(err)
	}
	for _, frame := range opusFrames {
		if err := writer.Write(frame); err != nil {
			panic(err)
		}
	}
	if err := writer.Close(); err != nil {
		panic(err)
	}

	reader, err := opusrt.NewOggReader(&file)
	if err != nil {
		panic(err)
	}
	fmt.Println("channels:", reader.Header.Channels, "input rate:", reader.Header.InputSampleRate)
	n := 0
	for {
		_, _, err := reader.Frame()
		if err == io.EOF {
			break
		}
		n++
	}
	fmt.Println("frames:", n)
	// Output:
	// channels: 1 input rate: 16000
	// frames: 50
}

// The seed's "OGG File Reading": an Ogg Opus file in, its frames out, and
// its headers on the side.
func ExampleNewOggReader() {
	file, err := samples.Open(samples.Speech) // or os.Open("input.ogg")
	if err != nil {
		panic(err)
	}
	defer file.Close()
	reader, err := opusrt.NewOggReader(file)
	if err != nil {
		panic(err)
	}
	fmt.Println("vendor:", reader.Tags.Vendor)
	fmt.Println("pre-skip:", reader.Header.PreSkipDuration())

	var frames int
	var audio time.Duration
	for {
		frame, loss, err := reader.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err) // io.ErrUnexpectedEOF: the file was cut short
		}
		if loss > 0 {
			continue // a page was missing: conceal loss worth of audio
		}
		frames++
		audio += frame.Duration()
	}
	fmt.Println("frames:", frames, "audio:", audio)
	// Output:
	// vendor: libopus 1.3.1, libopusenc 0.2.1
	// pre-skip: 6.5ms
	// frames: 409 audio: 8.18s
}

// WriteLoss keeps the file on the real timeline: lost audio becomes
// TOC-only packets that decoders conceal.
func ExampleOggWriter_WriteLoss() {
	var file bytes.Buffer
	writer, _ := opusrt.NewOggWriter(&file, 0)
	writer.Write(opusrt.Frame{9 << 3, 1, 2}) // 20 ms
	writer.WriteLoss(130 * time.Millisecond) // 6.5 frames: 7 written, 10 ms carried
	writer.WriteLoss(30 * time.Millisecond)  // 20 ms with the carry: 1 frame
	writer.Write(opusrt.Frame{9 << 3, 3, 4}) // 20 ms
	writer.Close()
	fmt.Println("duration:", writer.Duration(), "granule:", writer.Granule())
	// Output:
	// duration: 200ms granule: 9600
}

// WriteFrom records any frame source — a Buffer, a RealtimeBuffer or
// another OggReader — with its losses filled.
func ExampleOggWriter_WriteFrom() {
	src, _ := samples.Open(samples.Speech)
	defer src.Close()
	reader, _ := opusrt.NewOggReader(src)

	var file bytes.Buffer
	writer, _ := opusrt.NewOggWriter(&file, reader.Header.InputSampleRate)
	frames, loss, err := writer.WriteFrom(reader)
	if err != nil {
		panic(err)
	}
	writer.Close()
	fmt.Println("frames:", frames, "loss:", loss)
	// Output:
	// frames: 409 loss: 0s
}
