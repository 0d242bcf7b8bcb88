package opusrt_test

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// BenchmarkOggWriter writes the 20 ms packets of the long speech sample
// (12 kbit/s) one at a time: an op is one packet, bytes are payload.
func BenchmarkOggWriter(b *testing.B) {
	frames := sampleFrames(b, samples.Long)
	payload := 0
	for _, f := range frames {
		payload += len(f)
	}
	b.SetBytes(int64(payload / len(frames)))
	b.ReportAllocs()
	ow, _ := opusrt.NewOggWriter(io.Discard, 16000)
	i := 0
	for b.Loop() {
		ow.Write(frames[i])
		if i++; i == len(frames) {
			i = 0
		}
	}
	ow.Close()
}

// BenchmarkOggReader reads the long speech sample (about 65 s, 3,300
// packets) from memory: an op is the whole file, bytes are the file's.
func BenchmarkOggReader(b *testing.B) {
	data, err := samples.ReadFile(samples.Long)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var packets int
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for b.Loop() {
		or, err := opusrt.NewOggReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, _, err := or.Frame()
			if err != nil {
				break
			}
			packets++
		}
	}
	runtime.ReadMemStats(&ms1)
	if packets > 0 {
		b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(packets), "allocs/packet")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
	}
}

// BenchmarkOggOverhead writes the packets of opusenc-made samples again
// and reports the container overhead — file bytes beyond the audio
// payload, as a percentage of the payload — of our file and of opusenc's.
// The headers count in both; opusenc pads its OpusTags.
func BenchmarkOggOverhead(b *testing.B) {
	for _, name := range []string{samples.Long, samples.Speech, samples.Frames10ms} {
		b.Run(name, func(b *testing.B) {
			data, _ := samples.ReadFile(name)
			frames := sampleFrames(b, name)
			payload := 0
			for _, f := range frames {
				payload += len(f)
			}
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				ow, _ := opusrt.NewOggWriter(&out, 16000)
				for _, f := range frames {
					ow.Write(f)
				}
				ow.Close()
			}
			b.SetBytes(int64(payload))
			pct := func(n int) float64 { return 100 * float64(n-payload) / float64(payload) }
			b.ReportMetric(pct(out.Len()), "overhead-%")
			b.ReportMetric(pct(len(data)), "opusenc-overhead-%")
			b.ReportMetric(float64(out.Len()-payload), "container-bytes")
			b.ReportMetric(float64(len(data)-payload), "opusenc-container-bytes")
		})
	}
}
