package opusrt_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// sourceLink is one link of a file another encoder made, read leniently
// (any granule layout) with the codec packages alone.
type sourceLink struct {
	head     oggopus.Header
	tags     oggopus.Tags
	packets  [][]byte
	playback int64 // what a player plays: last granule − start − pre-skip
}

// sourceLinks reads the links of a chained, non-multiplexed Ogg Opus file.
// A link's start is its first audio page's granule less the samples of the
// packets completed on it (RFC 7845 §4.5), 0 when that is negative.
func sourceLinks(t testing.TB, b []byte) []sourceLink {
	t.Helper()
	var links []sourceLink
	var ra *ogg.Reassembler
	var n int
	var samples, start, last int64
	startKnown := false
	end := func() {
		if len(links) > 0 {
			l := &links[len(links)-1]
			l.playback = last - start - int64(l.head.PreSkip)
		}
	}
	for _, pg := range pagesOf(t, b) {
		if pg.BOS() {
			end()
			links = append(links, sourceLink{})
			ra = ogg.NewReassembler(pg.Serial)
			ra.MaxPacketSize = oggopus.MaxTagsSize
			n, samples, start, startKnown = 0, 0, 0, false
		}
		l := &links[len(links)-1]
		ra.PageIn(&pg)
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			var err error
			switch n {
			case 0:
				l.head, err = oggopus.ParseHeader(p.Data)
			case 1:
				l.tags, err = oggopus.ParseTags(p.Data)
			default:
				s, perr := opus.MultistreamSamples(p.Data, l.head.Streams())
				err = perr
				samples += int64(s)
				l.packets = append(l.packets, bytes.Clone(p.Data))
			}
			if err != nil {
				t.Fatalf("packet %d: %v", n, err)
			}
			n++
		}
		if n > 2 && pg.Granule >= 0 {
			if !startKnown {
				start, startKnown = max(pg.Granule-samples, 0), true
			}
			last = pg.Granule
		}
	}
	end()
	return links
}

// copyLinks writes the links with an OggWriter, each with its header,
// tags and end trimming: what a faithful copy does.
func copyLinks(t testing.TB, links []sourceLink) []byte {
	t.Helper()
	var buf bytes.Buffer
	ow, err := opusrt.NewOggWriter(&buf, 0, opusrt.WithSerial(100))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		if err := ow.NextLink(l.head, l.tags); err != nil {
			t.Fatal(err)
		}
		var samples int64
		for _, p := range l.packets {
			if err := ow.Write(p); err != nil {
				t.Fatal(err)
			}
			n, _ := opus.MultistreamSamples(p, l.head.Streams())
			samples += int64(n)
		}
		if err := ow.TrimEnd(int(samples - int64(l.head.PreSkip) - l.playback)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOggWriterCopyIdentical copies files made by opusenc (mono at every
// frame size, stereo, chains of mono and of mono then stereo, 5.1), ffmpeg
// and GStreamer, link by link with NextLink and TrimEnd: opusdec decodes
// each copy to the same samples as its source, and the copy keeps every
// header and tag.
func TestOggWriterCopyIdentical(t *testing.T) {
	tooltest.Require(t, "opusdec")
	sources := map[string][]byte{}
	for _, name := range samples.Names() {
		b, err := samples.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sources[name] = b
	}
	b, err := os.ReadFile("testdata/surround51.opus")
	if err != nil {
		t.Fatal(err)
	}
	sources["surround51.opus"] = b
	sources["gstreamer.opus"] = gstreamerFile(t)
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			links := sourceLinks(t, src)
			out := copyLinks(t, links)
			got := sourceLinks(t, out)
			if len(got) != len(links) {
				t.Fatalf("%d links, want %d", len(got), len(links))
			}
			for i := range got {
				if !equalHeader(got[i].head, links[i].head) || got[i].tags.Vendor != links[i].tags.Vendor ||
					len(got[i].tags.Comments) != len(links[i].tags.Comments) || got[i].playback != links[i].playback {
					t.Errorf("link %d: %+v %+v plays %d; want %+v %+v plays %d", i, got[i].head, got[i].tags, got[i].playback,
						links[i].head, links[i].tags, links[i].playback)
				}
			}
			dir := t.TempDir()
			a := opusdecPCM(t, tooltest.WriteTemp(t, "src.opus", src))
			c := opusdecPCM(t, filepath.Join(dir, "copy.opus"), out)
			if !bytes.Equal(a, c) {
				t.Errorf("copy decodes to %d bytes, source to %d, not the same samples", len(c), len(a))
			}
		})
	}
}

// gstreamerFile returns a second of a sine as GStreamer's opusenc and
// oggmux write it.
func gstreamerFile(t testing.TB) []byte {
	t.Helper()
	bin := tooltest.Require(t, "gst-launch-1.0")
	path := filepath.Join(t.TempDir(), "gst.opus")
	runTool(t, bin, "-q", "audiotestsrc", "num-buffers=47", "samplesperbuffer=1024", "!",
		"audio/x-raw,rate=48000,channels=2", "!", "opusenc", "!", "oggmux", "!", "filesink", "location="+path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opusdecPCM decodes the file at path (writing data there first, if given)
// with opusdec to raw 16-bit 48 kHz PCM, without dither, so that two
// decodes of the same audio compare equal byte for byte.
func opusdecPCM(t testing.TB, path string, data ...[]byte) []byte {
	t.Helper()
	if len(data) > 0 {
		if err := os.WriteFile(path, data[0], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := tooltest.Require(t, "opusdec")
	raw := filepath.Join(filepath.Dir(path), filepath.Base(path)+".raw")
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--quiet", "--no-dither", "--rate", "48000", path, raw)
	cmd.Stderr = &stderr
	err := cmd.Run()
	// A chain of mono and stereo links is decoded to stereo, with a word.
	msg := strings.ReplaceAll(stderr.String(), "Warning: Chained stream with multiple channel counts: forcing decode to stereo.\n", "")
	if err != nil || msg != "" {
		t.Fatalf("opusdec %s: %v\n%s", path, err, stderr.String())
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
