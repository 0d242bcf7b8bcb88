package opusrt_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// readCounter counts the reads and seeks made of an io.ReadSeeker.
type readCounter struct {
	r            io.ReadSeeker
	reads, seeks int
}

func (c *readCounter) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }

func (c *readCounter) Seek(off int64, whence int) (int64, error) {
	c.seeks++
	return c.r.Seek(off, whence)
}

// FuzzOggReaderSeek seeks a reader of fuzzed input (the bisection reads
// granule positions and serial numbers an attacker chose) and reads on:
// no panic, a discard and a playback length that are never negative, a
// bounded number of reads and seeks, and Frame ending with io.EOF.
func FuzzOggReaderSeek(f *testing.F) {
	// Small seeds, so that the fuzzer's minimising stays quick: a file of
	// ten pages, a chain of two, and the start of speech.opus.
	small := func(serial uint32, trim int) []byte {
		var buf bytes.Buffer
		ow, _ := opusrt.NewOggWriter(&buf, 48000, opusrt.WithSerial(serial), opusrt.WithMaxPageDuration(100*time.Millisecond))
		for range 50 {
			ow.Write(opusrt.Frame{byte(opus.MakeTOC(31, false, 0)), 0xAA})
		}
		ow.TrimEnd(trim)
		ow.Close()
		return buf.Bytes()
	}
	speech, _ := samples.ReadFile(samples.Speech)
	f.Add(small(1, 0), int64(20000), int64(0))
	f.Add(cat(small(1, 423), small(2, 100)), int64(50000), int64(30000))
	f.Add(speech[:4000], int64(5000), int64(1<<40))
	f.Add(small(3, 960), int64(1<<62), int64(-5))
	f.Fuzz(func(t *testing.T, in []byte, first, second int64) {
		c := &readCounter{r: bytes.NewReader(in)}
		or, err := opusrt.NewOggReader(c)
		if err != nil {
			return
		}
		for _, pos := range []int64{first, second} {
			c.reads, c.seeks = 0, 0
			discard, err := or.SeekSamples(pos)
			if err != nil {
				continue
			}
			if discard < 0 {
				t.Fatalf("SeekSamples(%d): discard %d", pos, discard)
			}
			// A bisection reads a few chunks per link; a link needs
			// bytes, so the input's length bounds them.
			if limit := 64 + len(in)/16; c.reads > limit || c.seeks > limit {
				t.Fatalf("SeekSamples(%d): %d reads and %d seeks of %d bytes", pos, c.reads, c.seeks, len(in))
			}
		}
		if n, err := or.PlaybackSamples(); err == nil && n < 0 {
			t.Fatalf("PlaybackSamples() = %d", n)
		}
		for i := 0; ; i++ {
			if i > len(in)+10 {
				t.Fatalf("more results than input bytes")
			}
			f, loss, err := or.Frame()
			if err == io.EOF {
				break
			}
			if err != nil {
				continue
			}
			if f == nil && loss <= 0 {
				t.Fatalf("nil frame with loss %v", loss)
			}
		}
	})
}
