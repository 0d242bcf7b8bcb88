package opusrt_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// The red team's amplification cases of issue 10, through the library: a
// copy (WriteFrom of an OggReader) is never much longer than its source,
// in bytes or in time, whatever the granule positions claim.

// TestOggWriteFromBogusGranule copies a short file one of whose pages
// (no page missing around it) claims a granule position far ahead: once
// made `simulate` write 2.3 GB from 182 bytes. The copy has the source's
// frames, no loss, and about its bytes.
func TestOggWriteFromBogusGranule(t *testing.T) {
	var src bytes.Buffer
	ow, err := opusrt.NewOggWriter(&src, 48000, opusrt.WithSerial(3), opusrt.WithMaxPageDuration(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	frame := opusrt.Frame{byte(opus.MakeTOC(31, false, 0)), 0xAA}
	for range 6 {
		if err := ow.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	var pages [][]byte
	for b := src.Bytes(); len(b) > 0; {
		_, n, err := ogg.ParsePage(b)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b[:n])
		b = b[n:]
	}
	for _, page := range []int{2, 4, len(pages) - 1} { // the first audio page, one in the middle, the last
		for _, g := range []int64{1 << 40, 1 << 62, math.MaxInt64} {
			hostile := rewritePage(t, pages[page], func(p *ogg.Page) { p.Granule = g })
			in := cat(cat(pages[:page]...), hostile, cat(pages[page+1:]...))
			or, err := opusrt.NewOggReader(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ow, err := opusrt.NewOggWriter(&out, 48000)
			if err != nil {
				t.Fatal(err)
			}
			n, loss, err := ow.WriteFrom(or)
			if err != nil {
				t.Fatalf("page %d granule %d: %v", page, g, err)
			}
			if err := ow.Close(); err != nil {
				t.Fatal(err)
			}
			if n != 6 || loss != 0 || out.Len() > 2*len(in) || ow.Duration() != 120*time.Millisecond {
				t.Errorf("page %d granule %d: %d frames, %v of loss, %d bytes from %d, Duration %v; want 6, 0, about as many, 120ms",
					page, g, n, loss, out.Len(), len(in), ow.Duration())
			}
		}
	}
}

// TestOggWriteFromLongFile copies 54 hours of 2-byte 120 ms packets, past
// the 53.4 h where samples × time.Second overflows: the copy that once
// grew to 45 GB has as many bytes as its source, and both durations are
// exact.
func TestOggWriteFromLongFile(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 1.6 million packets")
	}
	const packets = 54 * 3600 * 1000 / 120
	frame := opusrt.Frame{byte(opus.MakeTOC(31, false, 3)), 6} // six 20 ms frames of 0 bytes
	var src bytes.Buffer
	ow, err := opusrt.NewOggWriter(&src, 48000, opusrt.WithSerial(4))
	if err != nil {
		t.Fatal(err)
	}
	for range packets {
		if err := ow.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	if ow.Duration() != 54*time.Hour {
		t.Fatalf("source Duration %v, want 54h", ow.Duration())
	}
	or, err := opusrt.NewOggReader(bytes.NewReader(src.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := or.PlaybackSamples(); err != nil || got != packets*5760-312 {
		t.Errorf("PlaybackSamples() = %d, %v; want %d", got, err, packets*5760-312)
	}
	var out countWriter
	cw, err := opusrt.NewOggWriter(&out, 48000, opusrt.WithSerial(4))
	if err != nil {
		t.Fatal(err)
	}
	n, loss, err := cw.WriteFrom(or)
	if err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	if n != packets || loss != 0 || out.n != int64(src.Len()) || cw.Duration() != 54*time.Hour {
		t.Errorf("copy: %d frames, %v of loss, %d bytes from %d, Duration %v; want %d, 0, the same bytes, 54h",
			n, loss, out.n, src.Len(), cw.Duration(), packets)
	}
}

// countWriter counts the bytes written to it and keeps none.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
