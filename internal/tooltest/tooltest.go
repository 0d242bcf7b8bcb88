// Package tooltest runs the external tools that interop tests check Ogg Opus
// files with: opusinfo and opusdec from opus-tools (and any other tool by
// name through [Require]).
//
// A test that needs a tool the machine lacks is skipped with a message that
// says how to install it, so `go test ./...` passes on a bare checkout; under
// CI (the environment variable CI set to true, as CI services and .ci/run
// set it) the same test fails instead, so a broken CI image never hides as a
// row of skips.
//
// What the tools print, as seen with opus-tools 0.2 (libopus 1.3.1):
//
//   - opusinfo writes everything, warnings and errors included, to stdout,
//     and exits 1 when it printed any warning or error, 0 otherwise.
//     Warnings are lines that begin "WARNING: " (for example "WARNING: EOS
//     not set on stream 1 (normal for live streams)", "WARNING: sequence
//     number gap in stream 1. Got page 4 when expecting page 3. Indicates
//     missing data.", "WARNING: Hole in data (273 bytes) found at
//     approximate offset 9000 bytes. Corrupted Ogg."; the offset is where
//     opusinfo's reading had got to, not where the hole is, and one hole may
//     be reported several times). Errors begin "ERROR: " and may continue on
//     an unprefixed line ("ERROR: No Ogg data found in file "x".", then
//     "Input probably not Ogg."). A file it cannot open gives "Error opening
//     input file ..." without a newline.
//   - opusinfo does not warn about a file cut inside a page (only "EOS not
//     set") nor print packet or page counts.
//   - opusdec writes a WAV file when the output name ends in .wav (raw
//     16-bit little-endian PCM for any other name), at the stream's channel
//     count, except for a chained stream whose links differ in channels,
//     which it decodes to stereo with "Warning: Chained stream with multiple
//     channel counts: forcing decode to stereo." on stderr. It drops the
//     pre-skip and the end trimming, so it writes (final granule − pre-skip)
//     samples per channel at 48 kHz, summed over links. A missing page or a
//     page with a bad CRC gives "Warning: Hole in data." on stderr even with
//     --quiet, and the missing audio is left out, not concealed; it still
//     exits 0. Input it cannot open as Opus ("Failed to open 'x'.") exits 1.
package tooltest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// installHints says which package provides a tool, for the skip message.
var installHints = map[string]string{
	"opusinfo":  "apt-get install opus-tools",
	"opusdec":   "apt-get install opus-tools",
	"opusenc":   "apt-get install opus-tools",
	"ffmpeg":    "apt-get install ffmpeg",
	"ffprobe":   "apt-get install ffmpeg",
	"sox":       "apt-get install sox",
	"espeak-ng": "apt-get install espeak-ng",
}

// InCI reports whether the tests run under CI: the environment variable CI
// is a true value ("true", "1", ...) as strconv.ParseBool reads it.
func InCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Require returns the path of the named tool, found in $PATH. When the tool
// is missing it skips the test ("opusinfo not installed; apt-get install
// opus-tools"), or fails it when [InCI] is true; either way the test ends
// there.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	hint := installHints[name]
	if hint == "" {
		hint = "install it"
	}
	msg := fmt.Sprintf("%s not installed; %s", name, hint)
	if InCI() {
		t.Fatalf("%s (CI=%s: tools must be present in CI)", msg, os.Getenv("CI"))
	} else {
		t.Skip(msg)
	}
	return "" // reached only with a testing.TB whose Skip and Fatal return
}

// WriteTemp writes data to a file called name in a directory of its own that
// is removed when the test ends, and returns the file's path: the way to hand
// bytes made in a test to a tool. The test fails if the file cannot be
// written.
func WriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Report is what opusinfo said about a file.
type Report struct {
	// Output is opusinfo's whole output (stdout, then any stderr).
	Output string
	// Warnings are the lines that begin "WARNING: ", as printed, in order.
	Warnings []string
	// Errors are the lines that begin "ERROR: " or "Error ", as printed,
	// in order (an error's unprefixed continuation line is not included).
	Errors []string
	// Streams are the "Opus stream N:" sections, in order: one per logical
	// stream, so one per link of a chained file.
	Streams []Stream
}

// Clean reports whether opusinfo printed no warning and no error.
func (r Report) Clean() bool { return len(r.Warnings) == 0 && len(r.Errors) == 0 }

// Problems returns the warnings and errors together, for a test message.
func (r Report) Problems() string {
	return strings.Join(append(append([]string(nil), r.Errors...), r.Warnings...), "\n")
}

// Stream is opusinfo's summary of one Opus logical stream.
type Stream struct {
	// PreSkip is the pre-skip in 48 kHz samples.
	PreSkip int
	// Channels is the OpusHead channel count.
	Channels int
	// InputRate is the "Original sample rate" in Hz.
	InputRate int
	// Playback is the "Playback length", to the millisecond opusinfo
	// prints (truncated from (final granule − pre-skip) / 48 kHz).
	Playback time.Duration
}

var (
	reStream   = regexp.MustCompile(`^Opus stream (\d+):$`)
	reField    = regexp.MustCompile(`^\t([^:]+): (.*)$`)
	rePlayback = regexp.MustCompile(`^(\d+)m:(\d+)\.(\d{3})s$`)
)

// OpusInfo runs opusinfo on the file at path and returns its report. A file
// with warnings or errors is not a test failure (the caller checks
// [Report.Clean]); the test fails only if opusinfo cannot be run. The tool
// is found with [Require].
func OpusInfo(t testing.TB, path string) Report {
	t.Helper()
	bin := Require(t, "opusinfo")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, path)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("opusinfo %s: %v", path, err)
		}
		// Exit status 1 means warnings or errors were printed.
	}
	return parseOpusInfo(stdout.String() + stderr.String())
}

func parseOpusInfo(out string) Report {
	r := Report{Output: out}
	var cur *Stream
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, len(out)+1) // a comment line may be longer than 64 KiB
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "WARNING: "):
			r.Warnings = append(r.Warnings, line)
			continue
		case strings.HasPrefix(line, "ERROR: "), strings.HasPrefix(line, "Error "):
			r.Errors = append(r.Errors, line)
			continue
		}
		if reStream.MatchString(line) {
			r.Streams = append(r.Streams, Stream{})
			cur = &r.Streams[len(r.Streams)-1]
			continue
		}
		m := reField.FindStringSubmatch(line)
		if m == nil || cur == nil {
			continue
		}
		switch key, val := m[1], m[2]; key {
		case "Pre-skip":
			cur.PreSkip, _ = strconv.Atoi(val)
		case "Channels":
			cur.Channels, _ = strconv.Atoi(val)
		case "Original sample rate":
			cur.InputRate, _ = strconv.Atoi(strings.TrimSuffix(val, " Hz"))
		case "Playback length":
			if p := rePlayback.FindStringSubmatch(val); p != nil {
				mins, _ := strconv.Atoi(p[1])
				secs, _ := strconv.Atoi(p[2])
				ms, _ := strconv.Atoi(p[3])
				cur.Playback = time.Duration(mins)*time.Minute + time.Duration(secs)*time.Second +
					time.Duration(ms)*time.Millisecond
			}
		}
	}
	return r
}

// Decoded is what opusdec made of a file.
type Decoded struct {
	// Samples is the number of samples per channel, at 48 kHz.
	Samples int
	// Channels is the channel count opusdec decoded to.
	Channels int
	// Warnings are opusdec's stderr lines that begin "Warning: ", in order.
	Warnings []string
}

// OpusDec decodes the file at path with `opusdec --quiet --rate 48000` to a
// WAV file in a temporary directory and returns what it wrote. The test
// fails if opusdec fails (input it cannot open as Opus) or its output is not
// a WAV file. The tool is found with [Require].
func OpusDec(t testing.TB, path string) Decoded {
	t.Helper()
	bin := Require(t, "opusdec")
	wav := filepath.Join(t.TempDir(), "out.wav")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--quiet", "--rate", "48000", path, wav)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("opusdec %s: %v\n%s", path, err, stderr.String())
	}
	data, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseWAV(data)
	if err != nil {
		t.Fatalf("opusdec %s: %v", path, err)
	}
	for line := range strings.SplitSeq(stderr.String(), "\n") {
		if strings.HasPrefix(line, "Warning: ") {
			d.Warnings = append(d.Warnings, line)
		}
	}
	return d
}

// OpusDecSamples returns the number of 48 kHz samples per channel that
// opusdec decodes from the file at path: for a well-formed file, the sum
// over its links of final granule position minus pre-skip. See [OpusDec].
func OpusDecSamples(t testing.TB, path string) int {
	t.Helper()
	return OpusDec(t, path).Samples
}

// parseWAV reads the channel count and the per-channel sample count of a
// PCM WAV file. A data chunk whose size field overstates what follows (a
// header written before the length was known) counts what is there.
func parseWAV(b []byte) (Decoded, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return Decoded{}, errors.New("output is not a WAV file")
	}
	var channels, bits int
	for r := b[12:]; len(r) >= 8; {
		id, n := string(r[:4]), int(binary.LittleEndian.Uint32(r[4:]))
		r = r[8:]
		n = min(n, len(r))
		switch id {
		case "fmt ":
			if n < 16 {
				return Decoded{}, errors.New("WAV fmt chunk too short")
			}
			channels = int(binary.LittleEndian.Uint16(r[2:]))
			bits = int(binary.LittleEndian.Uint16(r[14:]))
		case "data":
			if channels == 0 || bits == 0 || bits%8 != 0 {
				return Decoded{}, fmt.Errorf("WAV data with %d channels of %d bits", channels, bits)
			}
			return Decoded{Samples: n / (channels * bits / 8), Channels: channels}, nil
		}
		r = r[min(n+n&1, len(r)):]
	}
	return Decoded{}, errors.New("WAV file without a data chunk")
}
