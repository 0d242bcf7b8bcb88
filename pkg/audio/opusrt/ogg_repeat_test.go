package opusrt_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// A page that appears twice (a copy glitch, a replayed page) is read once:
// no packet is returned twice and no loss is reported.
func TestOggReaderSkipsRepeatedPage(t *testing.T) {
	data, err := samples.ReadFile(samples.Speech)
	if err != nil {
		t.Fatal(err)
	}
	pages := pagesOf(t, data)
	var dup []byte
	off := 0
	for i, pg := range pages {
		n := pg.Len()
		dup = append(dup, data[off:off+n]...)
		if i == 4 {
			dup = append(dup, data[off:off+n]...)
		}
		off += n
	}
	want, _ := readAll(t, data)
	got, stats := readAll(t, dup)
	if stats.RepeatedPages != 1 || stats.Holes != 0 {
		t.Errorf("stats %+v: want one repeated page, no hole", stats)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d packets from the file with a repeated page, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("packet %d differs", i)
		}
	}
}

func readAll(t *testing.T, data []byte) ([]opusrt.Frame, opusrt.OggReaderStats) {
	t.Helper()
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []opusrt.Frame
	for {
		f, loss, err := or.Frame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || loss != 0 {
			t.Fatalf("Frame: %v, loss %v", err, loss)
		}
		out = append(out, f)
	}
	return out, or.Stats()
}
