package opusrt_test

import (
	"bytes"
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/tooltest"
)

// What the players besides opus-tools make of a file, as seen with ffmpeg
// 5.1 and GStreamer 1.22 (Debian 12):
//
//   - ffmpeg decodes final granule − pre-skip samples per link, end
//     trimming included, also when the first audio page is the last. (It
//     ignores the trim when the pre-skip reaches into the last packet of a
//     link that plays nothing but a fraction of it; no stream here does.)
//   - ffprobe reports the stream's start_time (0 when granules count from
//     0, as libopusenc writes them; 0.0065 when they started at the
//     pre-skip) and a duration of the file's last granule / 48 kHz, pre-skip
//     included, as for opusenc's files.
//   - GStreamer's `oggdemux ! opusdec` drops the pre-skip and the end trim
//     but plays only the first link of a chain and then fails (not
//     negotiated; opusenc's chains too), fails
//     to link when OpusHead records an input rate Opus does not decode at
//     (44.1 kHz: opusenc's files too), and outputs one sample too many when
//     the end trim falls in the packet that also holds the end of the
//     pre-skip (opusenc's empty file too).

// ffmpegSamples returns how many 48 kHz samples ffmpeg decodes from the file
// at path, mixed down to one channel.
func ffmpegSamples(t testing.TB, path string) int {
	t.Helper()
	bin := tooltest.Require(t, "ffmpeg")
	out := runTool(t, bin, "-nostdin", "-v", "error", "-i", path, "-f", "s16le", "-ac", "1", "-ar", "48000", "-")
	return len(out) / 2
}

// gstSamples returns how many 48 kHz samples GStreamer's
// `filesrc ! oggdemux ! opusdec` decodes from the file at path, mixed down
// to one channel. Unless partial is set, the pipeline must end without
// error.
func gstSamples(t testing.TB, path string, partial bool) int {
	t.Helper()
	bin := tooltest.Require(t, "gst-launch-1.0")
	args := []string{"-q", "filesrc", "location=" + path, "!", "oggdemux", "!", "opusdec", "!",
		"audioconvert", "!", "audio/x-raw,format=S16LE,rate=48000,channels=1", "!", "fdsink", "fd=1"}
	if partial {
		out, _ := exec.Command(bin, args...).Output()
		return len(out) / 2
	}
	return len(runTool(t, bin, args...)) / 2
}

// ffprobeTimes returns ffprobe's start_time and duration, in seconds, of
// the first audio stream of the file at path.
func ffprobeTimes(t testing.TB, path string) (start, duration float64) {
	t.Helper()
	bin := tooltest.Require(t, "ffprobe")
	out := runTool(t, bin, "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=start_time,duration",
		"-of", "csv=p=0", path)
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(f) != 2 {
		t.Fatalf("ffprobe %s: %q", path, out)
	}
	var err error
	if start, err = strconv.ParseFloat(f[0], 64); err != nil {
		t.Fatalf("ffprobe %s: start_time %q", path, f[0])
	}
	if duration, err = strconv.ParseFloat(f[1], 64); err != nil {
		t.Fatalf("ffprobe %s: duration %q", path, f[1])
	}
	return start, duration
}

// runTool runs a tool and returns its standard output; the test fails if
// it fails, prints an error or runs for more than a minute (a GStreamer
// pipeline can hang on a file it cannot play).
func runTool(t testing.TB, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}
