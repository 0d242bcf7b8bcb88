package opus

import "testing"

// benchPackets returns the packets of a testdata file.
func benchPackets(b *testing.B, name string) [][]byte {
	rps := readPackets(b, name)
	out := make([][]byte, len(rps))
	for i, p := range rps {
		out[i] = p.data
	}
	return out
}

// BenchmarkIsInactive reads the VAD flags of real 20 ms hybrid packets
// with FEC, the check a jitter buffer makes on every packet.
func BenchmarkIsInactive(b *testing.B) {
	packets := benchPackets(b, "fec20")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		IsInactive(packets[i%len(packets)])
	}
}

// BenchmarkHasLBRR is the same for the LBRR flags.
func BenchmarkHasLBRR(b *testing.B) {
	packets := benchPackets(b, "fec20")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		HasLBRR(packets[i%len(packets)])
	}
}

// BenchmarkMultistreamSamples validates real 5.1 packets of 4 streams.
func BenchmarkMultistreamSamples(b *testing.B) {
	packets := benchPackets(b, "surround51")
	total := 0
	for _, p := range packets {
		total += len(p)
	}
	b.SetBytes(int64(total / len(packets)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := MultistreamSamples(packets[i%len(packets)], 4); err != nil {
			b.Fatal(err)
		}
	}
}
