package main

import (
	"encoding/json"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
)

// On a file info reads the last page's granule position first, by
// seeking (opusfile's way to a length); on stdin, which cannot seek, it
// does not.
func TestInfoLastPageGranule(t *testing.T) {
	data, _ := samples.ReadFile(samples.Chained)
	ref, _ := samples.Reference(samples.Chained)
	for _, tc := range []struct {
		name  string
		stdin []byte
		arg   string
		want  bool
	}{
		{"file", nil, sample(t, samples.Chained), true},
		{"stdin", data, "-", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runOpusrt(t, tc.stdin, "info", "--json", tc.arg)
			var reps []fileReport
			if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 {
				t.Fatalf("%v: %s", err, r.stdout)
			}
			g := reps[0]
			if (g.LastPageGranule != nil) != tc.want || tc.want && *g.LastPageGranule != ref.Links[1].FinalGranule {
				t.Errorf("last page granule %v, want %v", g.LastPageGranule, ref.Links[1].FinalGranule)
			}
			if g.Bytes != int64(ref.Bytes) || g.PlaybackSamples != ref.PlaybackSamples || len(g.Problems) != 0 {
				t.Errorf("bytes %d, playback %d, problems %v", g.Bytes, g.PlaybackSamples, g.Problems)
			}
		})
	}
}

// A 5.1 file (family 1, four streams) is read as multistream packets: no
// bogus problems, its length as opusinfo gives it.
func TestInfoSurround(t *testing.T) {
	r := runOpusrt(t, nil, "info", "--json", "../../pkg/audio/opusrt/testdata/interop/surround51.opus")
	var reps []fileReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 {
		t.Fatalf("%v: %s %s", err, r.stdout, r.stderr)
	}
	g := reps[0]
	if r.code != 0 || len(g.Problems) != 0 || g.PlaybackSamples != 48000 || g.Packets != 51 ||
		len(g.Links) != 1 || g.Links[0].Channels != 6 || g.Links[0].MappingFamily != 1 {
		t.Errorf("exit %d, report %s", r.code, r.stdout)
	}
}
