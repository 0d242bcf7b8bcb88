package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
)

// hostileGranule returns the speech sample with its 6th page removed and
// the 7th's granule set to granule: a loss of years, to the reader.
func hostileGranule(t *testing.T, granule int64) string {
	t.Helper()
	data, err := samples.ReadFile(samples.Speech)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for n := 0; len(data) > 0; n++ {
		pg, size, err := ogg.ParsePage(data)
		if err != nil {
			t.Fatal(err)
		}
		data = data[size:]
		switch n {
		case 5:
			continue
		case 6:
			pg.Granule = granule
		}
		if out, err = pg.Append(out); err != nil {
			t.Fatal(err)
		}
	}
	name := filepath.Join(t.TempDir(), "hostile.opus")
	if err := os.WriteFile(name, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// A hostile granule (the reader reports years of loss) is a jump of the
// sender's stamps, not years to wait out or to fill: the run ends at once
// and its output stays the size of what was heard.
func TestSimulateHostileGranule(t *testing.T) {
	for _, g := range []int64{1 << 40, 1 << 62} {
		in := hostileGranule(t, g)
		out := filepath.Join(t.TempDir(), "heard.opus")
		s := simJSON(t, nil, in, "-o", out, "--playout", "fixed")
		if s.InputMs > 9000 || s.OutputMs > 9000 {
			t.Errorf("granule %d: input %v ms, output %v ms: the gap was sent or filled", g, s.InputMs, s.OutputMs)
		}
		if s.Played < 300 {
			t.Errorf("granule %d: played %d of %d", g, s.Played, s.Sent)
		}
		if st, err := os.Stat(out); err != nil || st.Size() > 200<<10 {
			t.Errorf("granule %d: output %v, %v", g, st.Size(), err)
		}
		data, _ := os.ReadFile(out)
		if !bytes.HasPrefix(data, []byte("OggS")) {
			t.Errorf("granule %d: output is not Ogg", g)
		}
	}
}

// A damaged OpusHead in a chain's second link is said by the reader once;
// simulate sends that link's audio on, as the reader reads it.
func TestSimulateDamagedLinkHeader(t *testing.T) {
	data, err := samples.ReadFile(samples.Chained)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	bos := 0
	for len(data) > 0 {
		pg, size, err := ogg.ParsePage(data)
		if err != nil {
			t.Fatal(err)
		}
		data = data[size:]
		if pg.BOS() {
			bos++
			if bos == 2 {
				pg.Body = append([]byte(nil), pg.Body...)
				pg.Body[9] = 0 // channels 0: a malformed OpusHead
			}
		}
		if out, err = pg.Append(out); err != nil {
			t.Fatal(err)
		}
	}
	if bos != 2 {
		t.Fatalf("%d links in %s, want 2", bos, samples.Chained)
	}
	name := filepath.Join(t.TempDir(), "damaged.opus")
	if err := os.WriteFile(name, out, 0o644); err != nil {
		t.Fatal(err)
	}
	whole := simJSON(t, nil, sample(t, samples.Chained), "--playout", "fixed")
	for _, args := range [][]string{nil, {"-o", filepath.Join(t.TempDir(), "heard.opus")}} {
		s := simJSON(t, nil, append([]string{name, "--playout", "fixed"}, args...)...)
		if s.Sent != whole.Sent {
			t.Errorf("%v: sent %d packets of the damaged chain, %d of the whole one", args, s.Sent, whole.Sent)
		}
	}
}
