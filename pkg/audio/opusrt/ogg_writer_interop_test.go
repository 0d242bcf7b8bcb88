package opusrt_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/haivivi/giztoy/internal/tooltest"
)

// checkPlayers checks the Ogg Opus file at path with every player: opusinfo
// reports nothing wrong, and opusdec, ffmpeg and GStreamer each decode
// exactly want samples (the packets less each link's pre-skip and trim);
// ffprobe starts a one-link file at 0 and gives its duration as the final
// granule over 48 kHz. gstWant is what GStreamer decodes where it differs
// (see ogg_players_test.go), or −1.
func checkPlayers(t *testing.T, path string, links []oggLink, want, gstWant int64) {
	t.Helper()
	if rep := tooltest.OpusInfo(t, path); !rep.Clean() {
		t.Errorf("opusinfo:\n%s", rep.Problems())
	}
	if got := tooltest.OpusDecSamples(t, path); int64(got) != want {
		t.Errorf("opusdec decoded %d samples, want %d", got, want)
	}
	if got := ffmpegSamples(t, path); int64(got) != want {
		t.Errorf("ffmpeg decoded %d samples, want %d", got, want)
	}
	partial := len(links) > 1 // GStreamer plays the first link, then fails
	if gstWant < 0 {
		gstWant = want
	}
	if got := gstSamples(t, path, partial); int64(got) != gstWant {
		t.Errorf("GStreamer decoded %d samples, want %d", got, gstWant)
	}
	start, duration := ffprobeTimes(t, path)
	if start != 0 {
		t.Errorf("ffprobe start_time %v, want 0", start)
	}
	last := links[len(links)-1].final
	if d := float64(last) / 48000; math.Abs(duration-d) > 1e-6 {
		t.Errorf("ffprobe duration %v, want %v (last granule %d)", duration, d, last)
	}
}

// TestOggWriterGoldenInterop plays every golden file with every player.
func TestOggWriterGoldenInterop(t *testing.T) {
	for _, tool := range []string{"opusinfo", "opusdec", "ffmpeg", "ffprobe", "gst-launch-1.0"} {
		tooltest.Require(t, tool)
	}
	for i, g := range goldenStreams {
		t.Run(g.name, func(t *testing.T) {
			out := goldenOutput(t, i)
			links := oggLinks(t, out)
			path := tooltest.WriteTemp(t, g.name+".opus", out)
			gst := int64(-1)
			switch g.name {
			case "chained":
				gst = links[0].playback() // GStreamer plays the first link only
			case "empty":
				gst = int64(gstSamples(t, opusencEmpty(t), false)) // one sample, as for opusenc's
			}
			checkPlayers(t, path, links, g.want, gst)
		})
	}
}

// opusencEmpty returns the path of the file opusenc writes for a WAV file
// of no samples.
func opusencEmpty(t *testing.T) string {
	t.Helper()
	bin := tooltest.Require(t, "opusenc")
	dir := t.TempDir()
	wav := filepath.Join(dir, "empty.wav")
	// RIFF, fmt (PCM, mono, 48 kHz, 16 bits), data of 0 bytes.
	header := []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\xbb\x00\x00\x00\x77\x01\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	if err := os.WriteFile(wav, header, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "empty.opus")
	runTool(t, bin, "--quiet", wav, out)
	return out
}
