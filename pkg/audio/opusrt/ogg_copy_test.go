package opusrt_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// linkSummary is what a copy must keep of a link.
func linkSummaries(t testing.TB, data []byte) ([]string, [][]opusrt.Frame) {
	t.Helper()
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	or.Multistream(false)
	var out []string
	var frames [][]opusrt.Frame
	for {
		var fs []opusrt.Frame
		for {
			f, loss, err := or.Frame()
			if err == io.EOF {
				break
			}
			if err != nil || loss != 0 {
				t.Fatalf("error %v, loss %v", err, loss)
			}
			fs = append(fs, f)
		}
		l := or.Link()
		h := l.Header
		out = append(out, fmt.Sprintf("ch %d family %d streams %d/%d map %v gain %d rate %d pre-skip %d vendor %q tags %q playback %d trim %d ended %v",
			h.Channels, h.MappingFamily, h.StreamCount, h.CoupledCount, h.ChannelMapping, h.OutputGain, h.InputSampleRate, h.PreSkip,
			l.Tags.Vendor, l.Tags.Comments, l.PlaybackSamples(), l.EndTrim, l.Ended))
		frames = append(frames, fs)
		if err := or.NextLink(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	return out, frames
}

// A copy (WriteFrom of an OggReader) keeps each link's header, tags, end
// trimming and packets, and the links themselves.
func TestOggCopyKeepsLinks(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			data, _ := samples.ReadFile(name)
			ref, _ := samples.Reference(name)
			or, err := opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&out, 0)
			n, loss, err := ow.WriteFrom(or)
			if err != nil || ow.Close() != nil || loss != 0 || n != int64(ref.Packets) {
				t.Fatalf("WriteFrom: %d frames, loss %v, %v", n, loss, err)
			}
			want, wf := linkSummaries(t, data)
			got, gf := linkSummaries(t, out.Bytes())
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("copy\n%s\nsource\n%s", got, want)
			}
			for i := range min(len(gf), len(wf)) {
				if fmt.Sprint(gf[i]) != fmt.Sprint(wf[i]) {
					t.Errorf("link %d: the copy's packets differ", i+1)
				}
			}
			for i, rl := range ref.Links {
				if i < len(got) && !bytes.Contains([]byte(got[i]), []byte(fmt.Sprintf("playback %d ", rl.PlaybackSamples))) {
					t.Errorf("link %d: %s, want playback %d", i+1, got[i], rl.PlaybackSamples)
				}
			}
		})
	}
}

// Granule returns the position at the end of each frame; Link numbers the
// links as Frame reads through a chain.
func TestOggReaderGranules(t *testing.T) {
	data, _ := samples.ReadFile(samples.ChainedMixed)
	ref, _ := samples.Reference(samples.ChainedMixed)
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var last [3]int64
	var sum [3]int64
	for {
		f, _, err := or.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		l := or.Link()
		sum[l.Number] += int64(f.Duration() * 48000 / 1e9)
		if g := or.Granule(); g >= 0 {
			if g < last[l.Number] {
				t.Fatalf("granule goes back: %d after %d", g, last[l.Number])
			}
			last[l.Number] = g
		}
	}
	for i, rl := range ref.Links {
		if last[i+1] != rl.FinalGranule || sum[i+1] != rl.PacketSamples {
			t.Errorf("link %d: last granule %d (want %d), samples %d (want %d)", i+1, last[i+1], rl.FinalGranule, sum[i+1], rl.PacketSamples)
		}
	}
}
