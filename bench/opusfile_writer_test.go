package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haivivi/giztoy/bench/opusfile"
	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// What OggWriter writes, decoded by libopusfile: each link's playback
// length as op_pcm_total gives it is what OggReader reads back, op_read
// decodes exactly that many samples, and a copy (WriteFrom) of every
// sample decodes sample-identical to its source.

// opusfileDecode returns opusfile's per-link lengths of data and all of
// its audio decoded to stereo.
func opusfileDecode(t *testing.T, data []byte) ([]int64, []int16) {
	t.Helper()
	of, err := opusfile.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	totals := linkTotals(t, of)
	var all int64
	for _, n := range totals {
		all += n
	}
	pcm, err := of.ReadStereo(int(all) + 5760)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(pcm)) != 2*all {
		t.Errorf("op_read_stereo decodes %d samples, op_pcm_total says %d", len(pcm)/2, all)
	}
	return totals, pcm
}

// ourLinks returns each link's PlaybackSamples as OggReader reads it.
func ourLinks(t *testing.T, data []byte) []int64 {
	t.Helper()
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	or.Multistream(false)
	var got []int64
	for {
		readOnToEOF(t, or)
		l := or.Link()
		got = append(got, l.PlaybackSamples())
		if err := or.NextLink(); err != nil {
			return got
		}
	}
}

func readOnToEOF(t *testing.T, or *opusrt.OggReader) {
	t.Helper()
	for range 1 << 24 {
		if _, _, err := or.Frame(); err != nil {
			return
		}
	}
	t.Fatal("Frame never ended")
}

// TestGoldenOpusfile decodes the writer's golden files with opusfile.
func TestGoldenOpusfile(t *testing.T) {
	names, err := filepath.Glob("../pkg/audio/opusrt/testdata/golden/*.opus")
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			totals, _ := opusfileDecode(t, data)
			if ours := ourLinks(t, data); !slices.Equal(ours, totals) {
				t.Errorf("OggReader's links play %v samples, op_pcm_total's %v", ours, totals)
			}
		})
	}
}

// TestWriterOpusfile writes what issue 10 found broken (a clip whose one
// audio page trims its end, an empty stream) and checks opusfile's lengths.
func TestWriterOpusfile(t *testing.T) {
	frame := opusrt.Frame{31 << 3, 0xAA, 0x55} // 20 ms CELT
	for _, tt := range []struct {
		name   string
		frames int
		trim   int
		want   int64
	}{
		{"one page, trimmed", 10, 312, 10*960 - 312 - 312},
		{"one page, trimmed by a frame", 10, 960, 10*960 - 312 - 960},
		{"one frame", 1, 0, 960 - 312},
		{"empty", 0, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ow, err := opusrt.NewOggWriter(&buf, 48000, opusrt.WithSerial(1))
			if err != nil {
				t.Fatal(err)
			}
			for range tt.frames {
				if err := ow.Write(frame); err != nil {
					t.Fatal(err)
				}
			}
			if err := ow.TrimEnd(tt.trim); err != nil {
				t.Fatal(err)
			}
			if err := ow.Close(); err != nil {
				t.Fatal(err)
			}
			totals, _ := opusfileDecode(t, buf.Bytes())
			if !slices.Equal(totals, []int64{tt.want}) {
				t.Errorf("op_pcm_total %v, want [%d]", totals, tt.want)
			}
		})
	}
}

// TestCopyOpusfile copies every sample (chains included) with WriteFrom
// and checks that opusfile decodes the copy sample-identical to its source.
func TestCopyOpusfile(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			src, err := samples.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			or, err := opusrt.NewOggReader(bytes.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			var dst bytes.Buffer
			ow, err := opusrt.NewOggWriter(&dst, or.Header.InputSampleRate)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ow.WriteFrom(or); err != nil {
				t.Fatal(err)
			}
			if err := ow.Close(); err != nil {
				t.Fatal(err)
			}
			wantTotals, want := opusfileDecode(t, src)
			gotTotals, got := opusfileDecode(t, dst.Bytes())
			if !slices.Equal(gotTotals, wantTotals) {
				t.Errorf("the copy's links play %v samples, the source's %v", gotTotals, wantTotals)
			}
			if !slices.Equal(got, want) {
				t.Errorf("the copy decodes differently: largest difference %d", maxDiff(got, want))
			}
		})
	}
}
