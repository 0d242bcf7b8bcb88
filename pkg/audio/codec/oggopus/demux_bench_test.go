package oggopus_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// BenchmarkDemuxer reads every link and packet of a minute of speech
// (internal/samples long-12k.opus, 3,263 packets of 20 ms).
func BenchmarkDemuxer(b *testing.B) {
	data, _ := samples.ReadFile(samples.Long)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	packets := 0
	for b.Loop() {
		d := oggopus.NewDemuxer(bytes.NewReader(data))
		for {
			if _, err := d.NextLink(); err == io.EOF {
				break
			}
			for {
				if _, err := d.Packet(); err != nil {
					break
				}
				packets++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
}
