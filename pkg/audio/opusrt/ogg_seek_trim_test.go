package opusrt_test

import (
	"bytes"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// TestOggSeekIntoTrimmedPage seeks into the last page of a link, whose
// granule position trims the end of its packets (RFC 7845 §4.4): the
// packets there count on from the page before, so the first frame after
// the seek starts where the link's packets, counted from its start, put
// it, and its start plus the discard is the target. Counted back from the
// trimmed position instead, every packet of that page sat the trim (423
// samples in chained.opus's first link) too early, and a cut from there
// played that much short.
func TestOggSeekIntoTrimmedPage(t *testing.T) {
	for _, name := range []string{samples.Chained, samples.Speech, samples.ChainedMixed} {
		data, err := samples.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// Where each packet of the first link starts, counted from its
		// start, and the link's length.
		or, err := opusrt.NewOggReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		or.Multistream(false)
		frames, _, errs := readOn(t, or)
		if len(errs) != 0 {
			t.Fatal(errs)
		}
		l := or.Link()
		if l.EndTrim == 0 {
			t.Fatalf("%s: the first link trims nothing", name)
		}
		starts := map[int64]bool{}
		at := l.StartGranule
		for _, f := range frames {
			starts[at] = true
			at += int64(f.Samples())
		}
		if at-l.EndTrim != l.FinalGranule {
			t.Fatalf("%s: packets end at %d, less the trim %d is not the final position %d", name, at, l.EndTrim, l.FinalGranule)
		}
		length := l.PlaybackSamples()
		for _, target := range []int64{length - 1, length - 100, length - 960, length - 4000, length - 8000, length - 20000} {
			or, err := opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			discard, err := or.SeekSamples(target)
			if err != nil {
				t.Fatal(err)
			}
			f, _, err := or.Frame()
			if err != nil {
				t.Fatalf("%s, target %d: %v", name, target, err)
			}
			start := or.Granule() - int64(f.Samples())
			if !starts[start] {
				t.Errorf("%s, target %d: the first frame starts at %d, where no packet of the link starts", name, target, start)
			}
			if got := start + discard - l.StartGranule - int64(l.Header.PreSkip); got != target {
				t.Errorf("%s, target %d: lands at %d", name, target, got)
			}
		}
	}
}

// TestOggReaderSeekBack seeks one reader of a chain back and forth
// between its links, as opusfile's seeking example seeks one file: pos
// is always a position in the whole stream, as op_pcm_seek's is, also
// from the second link back into the first.
func TestOggReaderSeekBack(t *testing.T) {
	data, err := samples.ReadFile(samples.Chained)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := samples.Reference(samples.Chained)
	if err != nil {
		t.Fatal(err)
	}
	first := ref.Links[0].PlaybackSamples
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []int64{200000, 1000, 300000, first - 1, first, 0, first + 5000, first - 5000} {
		discard, err := or.SeekSamples(target)
		if err != nil {
			t.Fatal(err)
		}
		link, linkStart := 1, int64(0)
		if target >= first {
			link, linkStart = 2, first
		}
		f, _, err := or.Frame()
		if err != nil {
			t.Fatalf("target %d: %v", target, err)
		}
		l := or.Link()
		start := or.Granule() - int64(f.Samples()) - l.StartGranule - int64(l.Header.PreSkip)
		if l.Number != link || linkStart+start+discard != target {
			t.Errorf("target %d: link %d at %d + discard %d; want link %d", target, l.Number, linkStart+start, discard, link)
		}
	}
	if st := or.Stats(); st.Links != 2 {
		t.Errorf("Stats().Links = %d, want 2", st.Links)
	}
}
