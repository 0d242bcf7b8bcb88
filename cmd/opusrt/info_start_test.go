package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// A file our OggWriter makes starts at granule pre-skip (SPEC.md); info
// reports its playback as players and opusinfo do: the packets less the
// pre-skip.
func TestInfoPlaybackOfAStreamNotStartingAtZero(t *testing.T) {
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 16000)
	for range 100 {
		if err := ow.Write(opusrt.Frame{9 << 3, 1, 2}); err != nil {
			t.Fatal(err)
		}
	}
	ow.Close()
	path := filepath.Join(t.TempDir(), "ours.opus")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runOpusrt(t, nil, "info", "--json", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var reps []fileReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil {
		t.Fatal(err)
	}
	want := int64(100*960 - opusrt.DefaultPreSkip)
	if len(reps) != 1 || reps[0].PlaybackSamples != want || len(reps[0].Problems) != 0 {
		t.Fatalf("report %+v; want playback %d and no problem", reps, want)
	}
	if !tooltest.InCI() {
		if _, err := os.Stat("/usr/bin/opusinfo"); err != nil {
			return
		}
	}
	rep := tooltest.OpusInfo(t, path)
	if len(rep.Streams) != 1 || rep.Streams[0].Playback.Milliseconds() != want*1000/48000 {
		t.Errorf("opusinfo streams %+v; want playback %d ms", rep.Streams, want*1000/48000)
	}
}
