package opusrt_test

import (
	"bytes"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// TestOggWriterTrimEnd copies a sample's packets with the sample's end
// trimming: what opusdec decodes of the copy matches the original's
// playback length.
func TestOggWriterTrimEnd(t *testing.T) {
	ref, err := samples.Reference(samples.Speech)
	if err != nil {
		t.Fatal(err)
	}
	trim := int(ref.PacketSamples) - ref.PreSkip - int(ref.PlaybackSamples)
	if trim <= 0 {
		t.Fatalf("sample has no end trimming (%d)", trim)
	}
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 16000, opusrt.WithPreSkip(ref.PreSkip))
	for _, f := range sampleFrames(t, samples.Speech) {
		if err := ow.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.TrimEnd(-1); err == nil {
		t.Error("TrimEnd(-1) accepted")
	}
	if err := ow.TrimEnd(trim); err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	// Granules count from 0, the pre-skip inside (SPEC.md): the final one
	// less the pre-skip is the packets' samples less pre-skip and trim.
	if got, want := finalGranule(t, buf.Bytes()), ref.PlaybackSamples; got != want {
		t.Errorf("final granule less pre-skip %d, want %d", got, want)
	}
	checkLayoutPages(t, buf.Bytes())
	if !hasTool("opusdec") && !tooltest.InCI() {
		t.Skip("opusdec not installed; apt-get install opus-tools")
	}
	path := tooltest.WriteTemp(t, "trimmed.opus", buf.Bytes())
	if rep := tooltest.OpusInfo(t, path); !rep.Clean() {
		t.Errorf("opusinfo: %s", rep.Problems())
	}
	if got := tooltest.OpusDecSamples(t, path); int64(got) != ref.PlaybackSamples {
		t.Errorf("opusdec decoded %d samples, want %d", got, ref.PlaybackSamples)
	}
}

// checkLayoutPages checks granules never go back and only the last page is EOS.
func checkLayoutPages(t *testing.T, b []byte) {
	t.Helper()
	pages := pagesOf(t, b)
	last := int64(0)
	for i, pg := range pages {
		if pg.Granule >= 0 {
			if pg.Granule < last {
				t.Errorf("page %d: granule %d goes back from %d", i, pg.Granule, last)
			}
			last = pg.Granule
		}
		if pg.EOS() != (i == len(pages)-1) {
			t.Errorf("page %d: EOS %v", i, pg.EOS())
		}
	}
}
