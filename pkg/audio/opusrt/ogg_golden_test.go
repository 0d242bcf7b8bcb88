package opusrt_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the OggWriter's output")

// rawPackets returns the audio packets of a one-link Ogg Opus file, read
// with the codec packages only, so the golden files do not depend on the
// OggReader.
func rawPackets(t testing.TB, b []byte) [][]byte {
	t.Helper()
	pages := pagesOf(t, b)
	ra := ogg.NewReassembler(pages[0].Serial)
	ra.MaxPacketSize = oggopus.MaxTagsSize
	var out [][]byte
	n := 0
	for _, pg := range pages {
		ra.PageIn(&pg)
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			if n >= 2 {
				out = append(out, bytes.Clone(p.Data))
			}
			n++
		}
	}
	return out
}

// samplePackets returns the audio packets of a sample file.
func samplePackets(t testing.TB, name string) []opusrt.Frame {
	t.Helper()
	data, err := samples.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var fs []opusrt.Frame
	for _, p := range rawPackets(t, data) {
		fs = append(fs, p)
	}
	return fs
}

// goldenStreams are the kinds of stream the OggWriter writes, each from
// fixed packets and options, serial included, so the output is the same
// bytes on every run. want is the length a player must output, worked out
// by hand: the packets' 48 kHz samples less each link's pre-skip and trim.
var goldenStreams = []struct {
	name  string
	opts  []opusrt.OggOption
	want  int64
	write func(t testing.TB, ow *opusrt.OggWriter)
}{
	{"mono", nil, 120*960 - 312, func(t testing.TB, ow *opusrt.OggWriter) {
		writeFrames(t, ow, samplePackets(t, samples.Speech)[:120])
	}},
	{"stereo", nil, 80*960 - 312, func(t testing.TB, ow *opusrt.OggWriter) {
		writeFrames(t, ow, samplePackets(t, samples.Stereo)[:80])
	}},
	{"multiframe", nil, 30*2880 - 312, func(t testing.TB, ow *opusrt.OggWriter) {
		writeFrames(t, ow, samplePackets(t, samples.Frames60ms)[:30])
	}},
	// Loss: 70 ms is 4 frames (10 ms carried back), 250 ms 12, 15 ms 1.
	{"loss", nil, (4+20+12+20+1+20)*960 - 312, func(t testing.TB, ow *opusrt.OggWriter) {
		ow.WriteLoss(70 * time.Millisecond) // before any frame: 20 ms CELT
		fs := samplePackets(t, samples.Speech)[:60]
		writeFrames(t, ow, fs[:20])
		ow.WriteLoss(250 * time.Millisecond)
		writeFrames(t, ow, fs[20:40])
		ow.WriteLoss(15 * time.Millisecond)
		writeFrames(t, ow, fs[40:])
	}},
	{"trim", []opusrt.OggOption{opusrt.WithTags("", "TITLE=trim")}, 30*960 - 312 - 500, func(t testing.TB, ow *opusrt.OggWriter) {
		writeFrames(t, ow, samplePackets(t, samples.Speech)[:30]) // one audio page
		ow.TrimEnd(500)
	}},
	{"trim-pages", []opusrt.OggOption{opusrt.WithMaxPageDuration(200 * time.Millisecond)}, 55*960 - 312 - 700, func(t testing.TB, ow *opusrt.OggWriter) {
		writeFrames(t, ow, samplePackets(t, samples.Speech)[:55])
		ow.TrimEnd(700)
	}},
	{"empty", nil, 0, func(t testing.TB, ow *opusrt.OggWriter) {}},
	{"gain", []opusrt.OggOption{opusrt.WithHeader(oggopus.Header{Channels: 1, PreSkip: 3840, InputSampleRate: 48000, OutputGain: -1536})},
		40*960 - 3840, func(t testing.TB, ow *opusrt.OggWriter) {
			writeFrames(t, ow, samplePackets(t, samples.Speech)[:40])
		}},
	// surround51.opus holds 16 packets of 20 ms; the fill adds 2.
	{"surround51", nil, (16+2)*960 - 312 - 300, func(t testing.TB, ow *opusrt.OggWriter) {
		head, packets := surround51(t)
		if err := ow.NextLink(head, oggopus.Tags{Vendor: "surround"}); err != nil {
			t.Fatal(err)
		}
		writeFrames(t, ow, packets)
		ow.WriteLoss(40 * time.Millisecond)
		ow.TrimEnd(300)
	}},
	{"chained", nil, 40*960 - 312 - 200 + 40*960 - 312 - 100, func(t testing.TB, ow *opusrt.OggWriter) {
		writeFrames(t, ow, samplePackets(t, samples.Speech)[:40])
		ow.TrimEnd(200)
		if err := ow.NextLink(oggopus.Header{Channels: 2, PreSkip: 312, InputSampleRate: 48000},
			oggopus.Tags{Vendor: "second", Comments: []string{"TITLE=two"}}); err != nil {
			t.Fatal(err)
		}
		writeFrames(t, ow, samplePackets(t, samples.Stereo)[:40])
		ow.TrimEnd(100)
	}},
}

func writeFrames[F ~[]byte](t testing.TB, ow *opusrt.OggWriter, frames []F) {
	t.Helper()
	for _, f := range frames {
		if err := ow.Write(opusrt.Frame(f)); err != nil {
			t.Fatal(err)
		}
	}
}

// goldenOutput writes the stream of goldenStreams[i].
func goldenOutput(t testing.TB, i int) []byte {
	t.Helper()
	g := goldenStreams[i]
	var buf bytes.Buffer
	ow, err := opusrt.NewOggWriter(&buf, 16000, append([]opusrt.OggOption{opusrt.WithSerial(0x676f6c64)}, g.opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	g.write(t, ow)
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOggWriterGolden compares the OggWriter's output with the files in
// testdata/golden byte for byte. After a deliberate change of output,
// regenerate them with
//
//	go test ./pkg/audio/opusrt -run Golden -update
//
// and check the new files with the interop tests (TestOggWriterGoldenInterop).
func TestOggWriterGolden(t *testing.T) {
	for i, g := range goldenStreams {
		t.Run(g.name, func(t *testing.T) {
			got := goldenOutput(t, i)
			path := filepath.Join("testdata", "golden", g.name+".opus")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./pkg/audio/opusrt -run Golden -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				n := 0
				for n < min(len(got), len(want)) && got[n] == want[n] {
					n++
				}
				t.Errorf("output of %d bytes differs from %s (%d bytes) at byte %d", len(got), path, len(want), n)
			}
			// Its layout is right, and it plays what it should.
			var playback int64
			for _, l := range oggLinks(t, got) {
				playback += l.playback()
			}
			if playback != g.want {
				t.Errorf("plays %d samples, want %d", playback, g.want)
			}
		})
	}
}
