package opusrt_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// withGain returns the file with the output gain of its OpusHead set (the
// BOS page rewritten, its CRC with it): opusenc and ffmpeg write none.
func withGain(t testing.TB, file []byte, gain int16) []byte {
	t.Helper()
	pg, n, err := ogg.ParsePage(file)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Clone(pg.Body)
	body[16], body[17] = byte(gain), byte(uint16(gain)>>8)
	pg.Body = body
	head, err := pg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(head, file[n:]...)
}

// decodePCM decodes the file at path with opusdec (48 kHz, no dither, so
// that equal input decodes to equal bytes) and returns the WAV file.
func decodePCM(t testing.TB, opusdec, path string) []byte {
	t.Helper()
	wav := path + ".wav"
	if out, err := exec.Command(opusdec, "--quiet", "--rate", "48000", "--no-dither", path, wav).CombinedOutput(); err != nil {
		t.Fatalf("opusdec %s: %v\n%s", path, err, out)
	}
	b, err := os.ReadFile(wav)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A copy (WriteFrom of an OggReader) of each file opusenc, ffmpeg and
// GStreamer make — chains of mono and stereo links, 5.1, an output gain,
// 2.5 ms, 60 ms and 120 ms packets — decodes in opusdec, and in ffmpeg's
// own decoder, to exactly the samples of its source. The 5.1 and GStreamer files come from
// testdata/interop/gen.sh.
func TestOggCopyDecodesIdentically(t *testing.T) {
	opusdec := tooltest.Require(t, "opusdec")
	ffmpeg := tooltest.Require(t, "ffmpeg")
	type source struct {
		name string
		data []byte
	}
	var sources []source
	for _, name := range samples.Names() {
		data, _ := samples.ReadFile(name)
		sources = append(sources, source{name, data})
	}
	speech, _ := samples.ReadFile(samples.Speech)
	sources = append(sources, source{"gain-6dB.opus", withGain(t, speech, -1536)})
	for _, name := range []string{"surround51.opus", "gstreamer.opus"} {
		data, err := os.ReadFile(filepath.Join("testdata", "interop", name))
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, source{name, data})
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.opus")
			if err := os.WriteFile(in, src.data, 0o644); err != nil {
				t.Fatal(err)
			}
			or, err := opusrt.NewOggReader(bytes.NewReader(src.data))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&out, 0)
			if _, _, err := ow.WriteFrom(or); err != nil {
				t.Fatal(err)
			}
			if err := ow.Close(); err != nil {
				t.Fatal(err)
			}
			cp := filepath.Join(dir, "copy.opus")
			if err := os.WriteFile(cp, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			want, got := decodePCM(t, opusdec, in), decodePCM(t, opusdec, cp)
			if !bytes.Equal(got, want) {
				t.Errorf("opusdec: the copy decodes to %d bytes of WAV, the source to %d, not the same samples", len(got), len(want))
			}
			ff := func(path string) []byte {
				out, err := exec.Command(ffmpeg, "-v", "error", "-i", path, "-f", "s16le", "-ar", "48000", "-").Output()
				if err != nil {
					t.Fatalf("ffmpeg %s: %v", path, err)
				}
				return out
			}
			if want, got := ff(in), ff(cp); !bytes.Equal(got, want) {
				t.Errorf("ffmpeg: the copy decodes to %d bytes, the source to %d, not the same samples", len(got), len(want))
			}
			if st := or.Stats(); st.InvalidFrames != 0 || st.Links < 1 {
				t.Errorf("reader stats %+v", st)
			}
		})
	}
}
