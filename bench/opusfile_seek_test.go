package bench

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/haivivi/giztoy/bench/opusfile"
	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// The seeking tests compare OggReader.SeekSamples and PlaybackSamples with
// libopusfile's op_pcm_seek and op_pcm_total on the same bytes: both must
// land on the same playback sample, and what a decoder outputs from there
// (opusfile decoding both, so that the decoder is not what is compared)
// must be the same audio.

// seekFiles are the files compared: samples made by opusenc (one link, two
// links, two links of different channels and frame sizes) and a long file
// of our own, samples.Long written six times over (about 6.5 minutes).
func seekFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range []string{samples.Speech, samples.Chained, samples.ChainedMixed, samples.Long} {
		b, err := samples.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	long, err := samples.ReadFile(samples.Long)
	if err != nil {
		t.Fatal(err)
	}
	var frames []opusrt.Frame
	or, err := opusrt.NewOggReader(bytes.NewReader(long))
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, _, err := or.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f.Clone())
	}
	var buf bytes.Buffer
	ow, err := opusrt.NewOggWriter(&buf, 48000, opusrt.WithHeader(or.Header), opusrt.WithSerial(7))
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		for _, f := range frames {
			if err := ow.Write(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ow.TrimEnd(123); err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	files["generated-6x-long"] = buf.Bytes()
	return files
}

// linkTotals returns opusfile's playback length of each link.
func linkTotals(t *testing.T, of *opusfile.File) []int64 {
	t.Helper()
	var totals []int64
	for li := range of.LinkCount() {
		n, err := of.PCMTotal(li)
		if err != nil {
			t.Fatal(err)
		}
		totals = append(totals, n)
	}
	return totals
}

// TestPlaybackSamplesOpusfile checks every link's playback length, read
// through by OggReader and its last link's from PlaybackSamples (the last
// page's granule), against op_pcm_total.
func TestPlaybackSamplesOpusfile(t *testing.T) {
	for name, data := range seekFiles(t) {
		t.Run(name, func(t *testing.T) {
			of, err := opusfile.Open(data)
			if err != nil {
				t.Fatal(err)
			}
			defer of.Close()
			want := linkTotals(t, of)

			or, err := opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			// PlaybackSamples knows the last link's length only (the last
			// page's granule); NextLink gets there without reading the
			// links before through.
			for range len(want) - 1 {
				if err := or.NextLink(); err != nil {
					t.Fatal(err)
				}
			}
			last, err := or.PlaybackSamples()
			if err != nil {
				t.Fatal(err)
			}
			if last != want[len(want)-1] {
				t.Errorf("PlaybackSamples() = %d, op_pcm_total(last link) = %d", last, want[len(want)-1])
			}
			or, err = opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			or.Multistream(false)
			var got []int64
			for {
				for {
					_, _, err := or.Frame()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				l := or.Link()
				got = append(got, l.PlaybackSamples())
				if err := or.NextLink(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("links' PlaybackSamples = %v, op_pcm_total = %v", got, want)
			}
		})
	}
}

// seekTargets returns the playback samples sought: the edges of each link
// (its first samples, the pre-roll, its last sample), a frame's edges, and
// a few from a fixed seed.
func seekTargets(totals []int64) []int64 {
	var all int64
	for _, n := range totals {
		all += n
	}
	ts := []int64{0, 1, 959, 960, 961, 3839, 3840, 3841, 4800, all / 3, all / 2, all - 4800, all - 1}
	var start int64
	for _, n := range totals {
		ts = append(ts, start, start+1, start+3840, start+n-1)
		start += n
	}
	rng := rand.New(rand.NewPCG(10, 10))
	for range 12 {
		ts = append(ts, rng.Int64N(all))
	}
	return ts
}

// ourCut writes, from a reader just moved by SeekSamples, an Ogg Opus
// file whose pre-skip is the discard SeekSamples gave and whose length is n
// samples: what a player of it outputs is the n samples from the target.
func ourCut(t *testing.T, or *opusrt.OggReader, discard, n int64) []byte {
	t.Helper()
	h := or.Header
	h.PreSkip = int(discard)
	var buf bytes.Buffer
	ow, err := opusrt.NewOggWriter(&buf, h.InputSampleRate, opusrt.WithHeader(h), opusrt.WithSerial(1))
	if err != nil {
		t.Fatal(err)
	}
	var written int64
	for written-discard < n {
		f, loss, err := or.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if loss != 0 {
			t.Fatalf("loss %v in an undamaged file", loss)
		}
		if err := ow.Write(f); err != nil {
			t.Fatal(err)
		}
		written += int64(f.Samples())
	}
	if err := ow.TrimEnd(int(max(written-discard-n, 0))); err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSeekSamplesOpusfile seeks with OggReader.SeekSamples and with
// op_pcm_seek to the same targets and checks that both land on the target
// in the same link, and that opusfile decodes the same samples (bit for
// bit, 200 ms or to the link's end) after its own seek and from a file cut
// where SeekSamples landed, with the discard it gave as pre-skip: a
// landing or a discard one sample off fails.
func TestSeekSamplesOpusfile(t *testing.T) {
	for name, data := range seekFiles(t) {
		t.Run(name, func(t *testing.T) {
			of, err := opusfile.Open(data)
			if err != nil {
				t.Fatal(err)
			}
			defer of.Close()
			totals := linkTotals(t, of)
			counter := &countingReadSeeker{r: bytes.NewReader(data)}
			or, err := opusrt.NewOggReader(counter)
			if err != nil {
				t.Fatal(err)
			}
			for _, target := range seekTargets(totals) {
				if err := of.SeekPCM(target); err != nil {
					t.Fatalf("target %d: %v", target, err)
				}
				if tell := of.Tell(); tell != target {
					t.Errorf("target %d: op_pcm_tell = %d", target, tell)
				}
				li := of.CurrentLink()
				linkStart := int64(0)
				for _, n := range totals[:li] {
					linkStart += n
				}

				// One reader for every target, as opusfile's
				// seeking_example seeks one file: from whatever link the
				// last seek left it in.
				reads := counter.reads
				discard, err := or.SeekSamples(target)
				if err != nil {
					t.Fatalf("target %d: SeekSamples: %v", target, err)
				}
				seekReads := counter.reads - reads
				if got := or.Link().Number - 1; got != li {
					t.Errorf("target %d: SeekSamples lands in link %d, op_pcm_seek in %d", target, got, li)
				}
				// Where the first packet after the seek starts, in the
				// whole stream's playback samples, plus the discard.
				f, _, err := or.Frame()
				if err != nil {
					t.Fatalf("target %d: Frame after SeekSamples: %v", target, err)
				}
				l := or.Link()
				startInLink := or.Granule() - int64(f.Samples()) - l.StartGranule - int64(l.Header.PreSkip)
				if got := linkStart + startInLink + discard; got != target {
					t.Errorf("target %d: first packet at %d + discard %d = %d (link %d, start granule %d)",
						target, linkStart+startInLink, discard, got, l.Number, l.StartGranule)
				}
				if seekReads > 64 {
					t.Errorf("target %d: SeekSamples made %d reads", target, seekReads)
				}

				// The same audio from both landings, up to 200 ms or the
				// end of the link.
				n := min(9600, linkStart+totals[li]-target)
				theirs, err := of.ReadStereo(int(n))
				if err != nil {
					t.Fatal(err)
				}
				cr, err := opusrt.NewOggReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := cr.SeekSamples(target); err != nil {
					t.Fatal(err)
				}
				cut := ourCut(t, cr, discard, n)
				cf, err := opusfile.Open(cut)
				if err != nil {
					t.Fatalf("target %d: our cut: %v", target, err)
				}
				ours, err := cf.ReadStereo(int(n) + 1)
				cf.Close()
				if err != nil {
					t.Fatal(err)
				}
				if len(ours) != len(theirs) || int64(len(theirs)) != 2*n {
					t.Errorf("target %d: our cut decodes %d samples, opusfile after op_pcm_seek %d, want %d",
						target, len(ours)/2, len(theirs)/2, n)
					continue
				}
				if d := maxDiff(ours, theirs); d != 0 {
					t.Errorf("target %d: our cut's audio differs by up to %d from opusfile's after op_pcm_seek", target, d)
				}
			}
		})
	}
}

// maxDiff returns the largest absolute difference of a and b sample by
// sample.
func maxDiff(a, b []int16) int {
	d := 0
	for i := range a {
		d = max(d, abs(int(a[i])-int(b[i])))
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// countingReadSeeker counts the reads made of r.
type countingReadSeeker struct {
	r     io.ReadSeeker
	reads int
}

func (c *countingReadSeeker) Read(p []byte) (int, error) { c.reads++; return c.r.Read(p) }

func (c *countingReadSeeker) Seek(off int64, whence int) (int64, error) {
	return c.r.Seek(off, whence)
}
