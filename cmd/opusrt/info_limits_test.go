package main

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
)

// heapAfter returns the heap in use once f has run and what it returned
// is still held (kept alive through keep).
func heapAfter(t *testing.T, f func() any) (uint64, any) {
	t.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0, v
	}
	return after.HeapAlloc - before.HeapAlloc, v
}

// A file of a short stream followed by 100,000 empty pages of random
// serial numbers (2.7 MB): info keeps a bounded list of the streams and
// problems it saw, not a reassembler per serial.
func TestInfoRandomSerialsBounded(t *testing.T) {
	data, _ := samples.ReadFile(samples.Speech)
	var b bytes.Buffer
	b.Write(data[:len(data)/2])
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		pg := ogg.Page{Serial: r.Uint32(), Sequence: r.Uint32(), Granule: -1}
		raw, _ := pg.Marshal()
		b.Write(raw)
	}
	in := b.Bytes()
	heap, v := heapAfter(t, func() any {
		rep, err := scan("serials", bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	})
	rep := v.(*fileReport)
	if len(rep.Problems) > maxListedProblems || len(rep.OtherStreams) > 64 || len(rep.Links) != 1 {
		t.Errorf("%d problems, %d other streams, %d links", len(rep.Problems), len(rep.OtherStreams), len(rep.Links))
	}
	t.Logf("%d bytes of input, %d KiB of heap held", len(in), heap>>10)
	if heap > 8<<20 {
		t.Errorf("info holds %d MB after a %d MB file", heap>>20, len(in)>>20)
	}
}

// 100,000 tiny links chained: the first maxListedLinks are described in
// file order, the rest counted, and memory stays bounded.
func TestInfoManyLinksBounded(t *testing.T) {
	var b bytes.Buffer
	const links = 100_000
	for i := range links {
		pw := ogg.NewPageWriter(&b, uint32(i))
		pw.WritePacket([]byte("OpusHead\x01\x01\x38\x01\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		pw.WritePacket([]byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		pw.WritePacket([]byte{9 << 3}, 960) // one 20 ms TOC-only packet
		pw.Close()
	}
	in := b.Bytes()
	heap, v := heapAfter(t, func() any {
		rep, err := scan("links", bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	})
	rep := v.(*fileReport)
	if len(rep.Links) != maxListedLinks || rep.LinksNotListed != links-maxListedLinks || rep.Packets != links {
		t.Fatalf("%d links listed, %d not, %d packets", len(rep.Links), rep.LinksNotListed, rep.Packets)
	}
	for i, l := range rep.Links {
		if l.Serial != serialNumber(i) {
			t.Fatalf("link %d has serial %v: not in file order", i+1, l.Serial)
		}
	}
	if rep.PlaybackSamples != links*(960-312) || len(rep.Problems) != 0 {
		t.Errorf("playback %d, problems %v", rep.PlaybackSamples, rep.Problems)
	}
	t.Logf("%d bytes of input, %d KiB of heap held", len(in), heap>>10)
	if heap > 8<<20 {
		t.Errorf("info holds %d MB after a %d MB file", heap>>20, len(in)>>20)
	}
}

// Two links whose last granule is the largest there is: the file's
// playback saturates, never wraps negative.
func TestInfoHugeGranulesSaturate(t *testing.T) {
	var b bytes.Buffer
	for i := range 2 {
		pw := ogg.NewPageWriter(&b, uint32(i))
		pw.WritePacket([]byte("OpusHead\x01\x01\x38\x01\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		pw.WritePacket([]byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		pw.WritePacket([]byte{9 << 3}, 960)
		pw.EndPage()
		pw.WritePacket([]byte{9 << 3}, 1<<63-1)
		pw.Close()
	}
	rep, err := scan("huge", bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.PlaybackSamples != 1<<63-1 || rep.DurationSeconds <= 0 {
		t.Errorf("playback %d samples, %g s", rep.PlaybackSamples, rep.DurationSeconds)
	}
	if s := durationString(rep.DurationSeconds); s != "2562047:47:16.854" {
		t.Errorf("duration %q", s)
	}
}
