package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// -o keeps what the input's first link says of itself: channels, mapping
// family and table, output gain, input rate, pre-skip, and its comments
// (ENCODER is simulate's).
func TestSimulateOutputKeepsHeaderAndTags(t *testing.T) {
	// The speech sample, with a -6 dB output gain and an artist.
	in, err := samples.ReadFile(samples.Speech)
	if err != nil {
		t.Fatal(err)
	}
	r, err := opusrt.NewOggReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	h.OutputGain, h.InputSampleRate = -6*256, 44100
	var b bytes.Buffer
	ow, err := opusrt.NewOggWriter(&b, 0, opusrt.WithHeader(h), opusrt.WithTags("me", "ARTIST=Someone", "ENCODER=theirs", "TITLE=Hi"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, _, err := r.Frame()
		if err != nil {
			break
		}
		if f != nil {
			if err := ow.Write(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	ow.Close()
	dir := t.TempDir()
	src := filepath.Join(dir, "gain.opus")
	os.WriteFile(src, b.Bytes(), 0o644)

	for _, tc := range []struct {
		name, in string
		want     opusrt.OggHeader
		comments []string
	}{
		{"gain-and-tags", src, h, []string{"ARTIST=Someone", "TITLE=Hi", "ENCODER=opusrt simulate"}},
		{"5.1", "../../pkg/audio/opusrt/testdata/surround51.opus", opusrt.OggHeader{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "heard.opus")
			simJSON(t, nil, tc.in, "-o", out)
			want := tc.want
			if tc.name == "5.1" {
				data, _ := os.ReadFile(tc.in)
				r, err := opusrt.NewOggReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				want = r.Header
			}
			data, _ := os.ReadFile(out)
			got, err := opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			g := got.Header
			if g.Channels != want.Channels || g.MappingFamily != want.MappingFamily || g.OutputGain != want.OutputGain ||
				g.InputSampleRate != want.InputSampleRate || g.PreSkip != want.PreSkip || !slices.Equal(g.ChannelMapping, want.ChannelMapping) {
				t.Errorf("header %+v, want %+v", g, want)
			}
			for _, c := range tc.comments {
				if !slices.Contains(got.Tags.Comments, c) {
					t.Errorf("comments %q lack %q", got.Tags.Comments, c)
				}
			}
			if slices.Contains(got.Tags.Comments, "ENCODER=theirs") {
				t.Errorf("comments %q keep the input's ENCODER", got.Tags.Comments)
			}
			if dec := tooltest.OpusDec(t, out); dec.Channels != want.Channels || len(dec.Warnings) > 0 {
				t.Errorf("opusdec: %d channels, warnings %v; want %d", dec.Channels, dec.Warnings, want.Channels)
			}
		})
	}
}
