package main

import (
	"bytes"
	encbin "encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// A cut plays exactly the samples asked for: its pre-skip and end trimming
// say so, for every sample file, whether --end or the end of the link
// where --start lies ends it (the link's last page trims its end: a cut
// from there once played that trim short).
func TestCutLength(t *testing.T) {
	for _, name := range samples.Names() {
		ref, _ := samples.Reference(name)
		first := ref.Links[0].PlaybackSamples
		last := (first - 2400) / 48 // the last 50 ms or so, from a whole millisecond
		for _, tt := range []struct {
			name       string
			start, end string
			want       int64
		}{
			// Within the first link (chained-mixed's is 2.17 s long).
			{"1.25s to 2.5s", "1.25s", "2.5s", min(60000, first-60000)},
			{"2s to the link's end", "2s", "", first - 96000},
			{"the link's last 50 ms", (time.Duration(last) * time.Millisecond).String(), "", first - 48*last},
		} {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				in := sample(t, name)
				out := filepath.Join(t.TempDir(), "cut.opus")
				args := []string{"cut", in, "--start", tt.start, "-o", out}
				if tt.end != "" {
					args = append(args, "--end", tt.end)
				}
				r := runOpusrt(t, nil, args...)
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				data, _ := os.ReadFile(out)
				or, err := opusrt.NewOggReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				for {
					if _, _, err := or.Frame(); err != nil {
						break
					}
				}
				if l := or.Link(); l.PlaybackSamples() != tt.want || !l.Ended {
					t.Errorf("the cut plays %d samples, want %d", l.PlaybackSamples(), tt.want)
				}
			})
		}
	}
}

func TestCutUsage(t *testing.T) {
	in := sample(t, samples.Speech)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cut", in}, "needs -o OUT"},
		{[]string{"cut", "-", "-o", "x.opus"}, "not stdin"},
		{[]string{"cut", in, "--start", "2s", "--end", "1s", "-o", "x.opus"}, "is not after"},
	} {
		checkOneLineError(t, runOpusrt(t, nil, tc.args...), 2, tc.want)
	}
}

// pcm returns the 16-bit samples of a WAV file.
func pcm(t *testing.T, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for r := b[12:]; len(r) >= 8; {
		id, n := string(r[:4]), int(encbin.LittleEndian.Uint32(r[4:]))
		r = r[8:]
		n = min(n, len(r))
		if id == "data" {
			s := make([]int16, n/2)
			encbin.Read(bytes.NewReader(r[:n&^1]), encbin.LittleEndian, s)
			return s
		}
		r = r[n+n&1:]
	}
	t.Fatalf("%s: no data chunk", path)
	return nil
}

// bestLag returns the lag (−30 to 30 samples) at which b best matches a,
// past the first 100 ms, and the relative error there.
func bestLag(a, b []int16) (int, float64) {
	best, bestErr := 0, -1.0
	for lag := -30; lag <= 30; lag++ {
		var e, p float64
		for i := 4800; i < min(len(a), len(b))-40; i++ {
			if j := i + lag; j >= 0 && j < len(b) {
				d := float64(a[i]) - float64(b[j])
				e += d * d
				p += float64(a[i]) * float64(a[i])
			}
		}
		if p > 0 && (bestErr < 0 || e/p < bestErr) {
			best, bestErr = lag, e/p
		}
	}
	return best, bestErr
}

// A cut decodes in opusdec to as many samples as ffmpeg -ss/-to gives,
// aligned with the whole file decoded: at lag 0 against opusdec's decode
// of the whole file, and at the same lag against ffmpeg's cut as opusdec's
// whole decode is against ffmpeg's (ffmpeg's own decoder is a few samples
// off libopus on SILK).
func TestCutMatchesFFmpeg(t *testing.T) {
	opusdec := tooltest.Require(t, "opusdec")
	ffmpeg := tooltest.Require(t, "ffmpeg")
	for _, name := range []string{samples.Speech, samples.Frames60ms, samples.Frames2500us, samples.FFmpeg120ms} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := sample(t, name)
			cutPath := filepath.Join(dir, "cut.opus")
			if r := runOpusrt(t, nil, "cut", in, "--start", "1.5s", "--end", "3.25s", "-o", cutPath); r.code != 0 {
				t.Fatalf("cut: %s", r.stderr)
			}
			run := func(bin string, args ...string) {
				t.Helper()
				if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
					t.Fatalf("%s: %v\n%s", bin, err, out)
				}
			}
			wav := func(n string) string { return filepath.Join(dir, n) }
			run(opusdec, "--quiet", "--rate", "48000", "--no-dither", cutPath, wav("cut.wav"))
			run(opusdec, "--quiet", "--rate", "48000", "--no-dither", in, wav("full.wav"))
			run(ffmpeg, "-v", "error", "-i", in, "-ss", "1.5", "-to", "3.25", "-ar", "48000", "-ac", "1", wav("ffcut.wav"))
			run(ffmpeg, "-v", "error", "-i", in, "-ar", "48000", "-ac", "1", wav("fffull.wav"))
			cut, full, ffcut, fffull := pcm(t, wav("cut.wav")), pcm(t, wav("full.wav")), pcm(t, wav("ffcut.wav")), pcm(t, wav("fffull.wav"))
			if len(cut) != 84000 || len(ffcut) != 84000 {
				t.Fatalf("opusdec decodes %d samples of the cut, ffmpeg -ss %d; want 84000", len(cut), len(ffcut))
			}
			if lag, e := bestLag(cut, full[72000:72000+84000]); lag != 0 || e > 1e-3 {
				t.Errorf("against opusdec's whole decode: lag %d, error %g", lag, e)
			}
			lagFull, _ := bestLag(full, fffull)
			if lag, _ := bestLag(cut, ffcut); lag != lagFull {
				t.Errorf("against ffmpeg -ss: lag %d, where the whole decodes are %d apart", lag, lagFull)
			}
		})
	}
}

// A cut keeps the serial number of the link it is cut from, so the same
// cut gives the same bytes; --serial sets another.
func TestCutSerial(t *testing.T) {
	in := sample(t, samples.Speech)
	src, _ := os.ReadFile(in)
	want := encbin.LittleEndian.Uint32(src[14:18]) // the first page's serial
	dir := t.TempDir()
	cutTo := func(name string, extra ...string) []byte {
		t.Helper()
		out := filepath.Join(dir, name)
		r := runOpusrt(t, nil, append([]string{"cut", in, "--start", "1s", "--end", "2s", "-o", out}, extra...)...)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		data, _ := os.ReadFile(out)
		return data
	}
	a, b := cutTo("a.opus"), cutTo("b.opus")
	if !bytes.Equal(a, b) {
		t.Error("two cuts of one file differ")
	}
	if got := encbin.LittleEndian.Uint32(a[14:18]); got != want {
		t.Errorf("the cut's serial is %#x, want the source's %#x", got, want)
	}
	c := cutTo("c.opus", "--serial", "0x1234")
	if got := encbin.LittleEndian.Uint32(c[14:18]); got != 0x1234 {
		t.Errorf("--serial 0x1234 gave serial %#x", got)
	}
}
