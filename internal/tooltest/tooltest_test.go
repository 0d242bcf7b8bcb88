package tooltest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
)

// fakeTB records what Require does with a missing tool. Its Skip and Fatalf
// return instead of ending the goroutine, as Require's contract allows.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }

func TestRequire(t *testing.T) {
	bin := t.TempDir()
	tool := filepath.Join(bin, "some-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	if path := tooltest.Require(t, "some-tool"); path != tool {
		t.Errorf("Require(some-tool) = %q, want %q", path, tool)
	}
	const missing = "opusinfo-that-does-not-exist"
	for _, tc := range []struct {
		ci          string
		skip, fatal bool
	}{
		{ci: "", skip: true},
		{ci: "false", skip: true},
		{ci: "true", fatal: true},
		{ci: "1", fatal: true},
	} {
		t.Setenv("CI", tc.ci)
		f := &fakeTB{}
		if path := tooltest.Require(f, missing); path != "" {
			t.Errorf("CI=%q: path %q for a missing tool", tc.ci, path)
		}
		if got := f.skipped != ""; got != tc.skip {
			t.Errorf("CI=%q: skipped %q, want skip %v", tc.ci, f.skipped, tc.skip)
		}
		if got := f.failed != ""; got != tc.fatal {
			t.Errorf("CI=%q: failed %q, want fatal %v", tc.ci, f.failed, tc.fatal)
		}
		if msg := f.skipped + f.failed; !strings.HasPrefix(msg, missing+" not installed; ") {
			t.Errorf("CI=%q: message %q", tc.ci, msg)
		}
	}
	// With no tool on $PATH, the message says which package to install.
	t.Setenv("CI", "")
	t.Setenv("PATH", t.TempDir())
	f := &fakeTB{}
	tooltest.Require(f, "opusdec")
	if want := "opusdec not installed; apt-get install opus-tools"; f.skipped != want {
		t.Errorf("skip message %q, want %q", f.skipped, want)
	}
}

// sample writes the named sample to a temporary file and returns its path
// and reference figures.
func sample(t *testing.T, name string) (string, samples.Figures) {
	t.Helper()
	data, err := samples.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := samples.Reference(name)
	if err != nil {
		t.Fatal(err)
	}
	return tooltest.WriteTemp(t, name, data), ref
}

func TestOpusInfoOnSamples(t *testing.T) {
	tooltest.Require(t, "opusinfo")
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			path, ref := sample(t, name)
			r := tooltest.OpusInfo(t, path)
			if !r.Clean() {
				t.Errorf("opusinfo complains:\n%s", r.Problems())
			}
			if len(r.Streams) != len(ref.Links) {
				t.Fatalf("%d streams, reference has %d links\n%s", len(r.Streams), len(ref.Links), r.Output)
			}
			for i, s := range r.Streams {
				l := ref.Links[i]
				want := tooltest.Stream{
					PreSkip:   l.PreSkip,
					Channels:  l.Channels,
					InputRate: l.InputRate,
					Playback:  time.Duration(l.PlaybackSamples/48) * time.Millisecond,
				}
				if s != want {
					t.Errorf("stream %d: %+v, want %+v", i+1, s, want)
				}
			}
		})
	}
}

func TestOpusDecOnSamples(t *testing.T) {
	tooltest.Require(t, "opusdec")
	names := samples.Names()
	if testing.Short() {
		names = []string{samples.Speech, samples.ChainedMixed}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			path, ref := sample(t, name)
			d := tooltest.OpusDec(t, path)
			if int64(d.Samples) != ref.DecodedSamples || d.Channels != ref.DecodedChannels {
				t.Errorf("decoded %d samples × %d channels, want %d × %d",
					d.Samples, d.Channels, ref.DecodedSamples, ref.DecodedChannels)
			}
			if got := tooltest.OpusDecSamples(t, path); int64(got) != ref.PlaybackSamples {
				t.Errorf("OpusDecSamples = %d, want %d", got, ref.PlaybackSamples)
			}
			var want []string
			if name == samples.ChainedMixed {
				want = []string{"Warning: Chained stream with multiple channel counts: forcing decode to stereo."}
			}
			if !slices.Equal(d.Warnings, want) {
				t.Errorf("warnings %q, want %q", d.Warnings, want)
			}
		})
	}
}

// TestBrokenFiles checks that the helpers see the damage opusinfo and
// opusdec report, in the format the package documents.
func TestBrokenFiles(t *testing.T) {
	tooltest.Require(t, "opusinfo")
	tooltest.Require(t, "opusdec")
	data, err := samples.ReadFile(samples.Speech)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := samples.Reference(samples.Speech)
	pages := pageOffsets(data)
	if len(pages) < 6 {
		t.Fatalf("only %d pages", len(pages))
	}
	flipped := slices.Clone(data)
	flipped[pages[3]+100] ^= 0xff // inside the second audio page: bad CRC
	removed := slices.Concat(data[:pages[3]], data[pages[4]:])

	for _, tc := range []struct {
		name         string
		data         []byte
		infoWarning  string // a prefix of one of opusinfo's warnings
		infoError    string
		decWarning   string // one of opusdec's warnings, whole
		shorterAudio bool
	}{
		{name: "cut-at-page.opus", data: data[:pages[5]],
			infoWarning: "WARNING: EOS not set on stream 1", shorterAudio: true},
		{name: "cut-in-page.opus", data: data[:pages[5]+50],
			infoWarning: "WARNING: EOS not set on stream 1", shorterAudio: true},
		{name: "flipped.opus", data: flipped,
			infoWarning: "WARNING: Hole in data", decWarning: "Warning: Hole in data.", shorterAudio: true},
		{name: "removed-page.opus", data: removed,
			infoWarning: "WARNING: sequence number gap in stream 1", decWarning: "Warning: Hole in data.", shorterAudio: true},
		{name: "garbage.opus", data: slices.Concat(data[:pages[3]], []byte("garbage between pages"), data[pages[3]:]),
			infoWarning: "WARNING: Hole in data"},
		{name: "not-ogg.opus", data: []byte(strings.Repeat("not an Ogg file\n", 100)),
			infoError: `ERROR: No Ogg data found in file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tooltest.WriteTemp(t, tc.name, tc.data)
			r := tooltest.OpusInfo(t, path)
			if r.Clean() {
				t.Errorf("opusinfo finds nothing wrong:\n%s", r.Output)
			}
			if tc.infoWarning != "" && !slices.ContainsFunc(r.Warnings, func(w string) bool {
				return strings.HasPrefix(w, tc.infoWarning)
			}) {
				t.Errorf("no warning %q in %q", tc.infoWarning, r.Warnings)
			}
			if tc.infoError != "" && !slices.ContainsFunc(r.Errors, func(e string) bool {
				return strings.HasPrefix(e, tc.infoError)
			}) {
				t.Errorf("no error %q in %q", tc.infoError, r.Errors)
			}
			if tc.infoError != "" {
				return // opusdec cannot open it and fails the test
			}
			d := tooltest.OpusDec(t, path)
			if tc.decWarning != "" && !slices.Contains(d.Warnings, tc.decWarning) {
				t.Errorf("opusdec warnings %q, want %q", d.Warnings, tc.decWarning)
			}
			if shorter := int64(d.Samples) < ref.DecodedSamples; shorter != tc.shorterAudio {
				t.Errorf("decoded %d samples of %d", d.Samples, ref.DecodedSamples)
			}
		})
	}
}

// pageOffsets returns where each page of a well-formed Ogg file starts.
func pageOffsets(data []byte) []int {
	var offs []int
	for off := 0; off+27 <= len(data); {
		offs = append(offs, off)
		n := int(data[off+26])
		size := 27 + n
		for _, l := range data[off+27 : off+27+n] {
			size += int(l)
		}
		off += size
	}
	return offs
}
