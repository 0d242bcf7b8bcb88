package opusrt_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// countingReader counts the reads and bytes read through it.
type countingReader struct {
	r            io.ReadSeeker
	reads, bytes int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.reads++
	c.bytes += n
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) { return c.r.Seek(off, whence) }

// longFile writes ten minutes of the speech sample's frames over and
// over: about 1.2 MB, 30,000 packets.
func longFile(t testing.TB) ([]byte, []opusrt.Frame) {
	frames := sampleFrames(t, samples.Speech)
	var all []opusrt.Frame
	for len(all) < 30_000 {
		all = append(all, frames...)
	}
	all = all[:30_000]
	return writeAll(t, all, opusrt.WithSerial(9)), all
}

// Seeking bisects on granule positions in a few reads, and lands on the
// frame that holds the point 80 ms before the target, with the samples to
// discard to reach the target.
func TestOggReaderSeek(t *testing.T) {
	file, frames := longFile(t)
	const preSkip = opusrt.DefaultPreSkip
	for _, pos := range []int64{0, 100, 3840, 48000, 5_929_123, 14_400_000, 28_799_000 - preSkip, 28_800_000 - preSkip, 40_000_000} {
		cr := &countingReader{r: bytes.NewReader(file)}
		or, err := opusrt.NewOggReader(cr)
		if err != nil {
			t.Fatal(err)
		}
		cr.reads, cr.bytes = 0, 0
		discard, err := or.SeekSamples(pos)
		if err != nil {
			t.Fatal(err)
		}
		f, _, err := or.Frame()
		reads, read := cr.reads, cr.bytes
		t.Logf("seek to %d: %d reads, %d bytes of %d", pos, reads, read, len(file))
		// The packets are 960 samples each from granule 0: packet i
		// holds samples [960i, 960(i+1)); the pre-skip is in the first.
		target := pos + preSkip
		from := max(target-opusrt.OggPreRoll, 0)
		i := from / 960
		if pos >= int64(len(frames))*960-preSkip { // at or past the end
			if err != io.EOF {
				t.Errorf("seek to %d past the end: %v", pos, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seek to %d: %v", pos, err)
		}
		if !bytes.Equal(f, frames[i]) || or.Granule() != 960*(i+1) || discard != target-960*i {
			t.Errorf("seek to %d: frame at granule %d (want %d), discard %d (want %d)", pos, or.Granule(), 960*(i+1), discard, target-960*i)
		}
		if reads > 40 || read > 256<<10 {
			t.Errorf("seek to %d: %d reads, %d bytes of %d", pos, reads, read, len(file))
		}
		// It reads on from there.
		if g, _, err := or.Frame(); err == nil && !bytes.Equal(g, frames[i+1]) {
			t.Errorf("seek to %d: the next frame is not the next packet", pos)
		}
	}
}

// The playback length from the last page, in a few reads; a pipe cannot
// seek.
func TestOggReaderPlaybackSamples(t *testing.T) {
	file, frames := longFile(t)
	cr := &countingReader{r: bytes.NewReader(file)}
	or, err := opusrt.NewOggReader(cr)
	if err != nil {
		t.Fatal(err)
	}
	cr.reads, cr.bytes = 0, 0
	n, err := or.PlaybackSamples()
	if err != nil || n != int64(len(frames)*960-opusrt.DefaultPreSkip) {
		t.Fatalf("playback %d, %v; want %d", n, err, len(frames)*960-opusrt.DefaultPreSkip)
	}
	if cr.bytes > 200<<10 {
		t.Errorf("read %d bytes of %d", cr.bytes, len(file))
	}
	// It reads on where it was.
	if f, _, err := or.Frame(); err != nil || !bytes.Equal(f, frames[0]) {
		t.Errorf("after: %v", err)
	}
	pipe, _ := opusrt.NewOggReader(io.MultiReader(bytes.NewReader(file)))
	if _, err := pipe.PlaybackSamples(); !errors.Is(err, opusrt.ErrNotSeekable) {
		t.Errorf("pipe: %v", err)
	}
	if _, err := pipe.SeekSamples(48000); !errors.Is(err, opusrt.ErrNotSeekable) {
		t.Errorf("pipe: %v", err)
	}
	// Each sample file's length, as opusinfo gives it.
	for _, name := range []string{samples.Speech, samples.Stereo, samples.FFmpeg, samples.FFmpeg120ms} {
		data, _ := samples.ReadFile(name)
		ref, _ := samples.Reference(name)
		or, _ := opusrt.NewOggReader(bytes.NewReader(data))
		if n, err := or.PlaybackSamples(); err != nil || n != ref.PlaybackSamples {
			t.Errorf("%s: %d, %v; want %d", name, n, err, ref.PlaybackSamples)
		}
	}
}

// On every sample file (the first link of a chain), a seek lands where a
// reader going through the frames finds the target: the first frame that
// ends after the point 80 ms before it.
func TestOggReaderSeekSamples(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			data, _ := samples.ReadFile(name)
			or, _ := opusrt.NewOggReader(bytes.NewReader(data))
			or.Multistream(false)
			var ends []int64
			var fs []opusrt.Frame
			for {
				f, _, err := or.Frame()
				if err != nil {
					break
				}
				ends, fs = append(ends, or.Granule()), append(fs, f)
			}
			l := or.Link()
			for _, pos := range []int64{0, 1000, 48000, l.PlaybackSamples() / 2, l.PlaybackSamples() - 1} {
				target := max(l.StartGranule, 0) + int64(l.Header.PreSkip) + pos
				from := target - opusrt.OggPreRoll
				i := 0
				for i < len(ends) && ends[i] <= from {
					i++
				}
				or, _ := opusrt.NewOggReader(bytes.NewReader(data))
				discard, err := or.SeekSamples(pos)
				f, _, ferr := or.Frame()
				if err != nil || ferr != nil {
					t.Fatalf("seek to %d: %v, %v", pos, err, ferr)
				}
				start := ends[i] - int64(fs[i].Duration()*48000/time.Second)
				if !bytes.Equal(f, fs[i]) || or.Granule() != ends[i] || discard != target-start {
					t.Errorf("seek to %d: granule %d, discard %d; want frame %d at granule %d, discard %d",
						pos, or.Granule(), discard, i, ends[i], target-start)
				}
			}
		})
	}
}

// In a chain, a position past the first link's end lies in the next: the
// seek goes on there, as op_pcm_seek counts a chain's samples end to end.
func TestOggReaderSeekChain(t *testing.T) {
	for _, name := range []string{samples.Chained, samples.ChainedMixed} {
		t.Run(name, func(t *testing.T) {
			data, _ := samples.ReadFile(name)
			ref, _ := samples.Reference(name)
			// The second link's frames and their ends, read in order.
			or, _ := opusrt.NewOggReader(bytes.NewReader(data))
			or.Multistream(false)
			if err := or.NextLink(); err != nil {
				t.Fatal(err)
			}
			var ends []int64
			var fs []opusrt.Frame
			for {
				f, _, err := or.Frame()
				if err != nil {
					break
				}
				ends, fs = append(ends, or.Granule()), append(fs, f)
			}
			first := ref.Links[0].PlaybackSamples
			for _, in2 := range []int64{0, 30000, ref.Links[1].PlaybackSamples - 1} {
				or, _ := opusrt.NewOggReader(bytes.NewReader(data))
				discard, err := or.SeekSamples(first + in2)
				f, _, ferr := or.Frame()
				if err != nil || ferr != nil {
					t.Fatalf("seek to %d: %v, %v", first+in2, err, ferr)
				}
				target := int64(or.Header.PreSkip) + in2
				i := 0
				for i < len(ends) && ends[i] <= target-opusrt.OggPreRoll {
					i++
				}
				start := ends[i] - int64(fs[i].Duration()*48000/time.Second)
				if l := or.Link(); l.Number != 2 || !bytes.Equal(f, fs[i]) || discard != target-start {
					t.Errorf("seek to %d: link %d, granule %d, discard %d; want link 2, granule %d, discard %d",
						first+in2, l.Number, or.Granule(), discard, ends[i], target-start)
				}
			}
			// Past the end of the chain.
			or, _ = opusrt.NewOggReader(bytes.NewReader(data))
			if _, err := or.SeekSamples(ref.PlaybackSamples + 1); err != nil {
				t.Fatal(err)
			}
			if _, _, err := or.Frame(); err != io.EOF {
				t.Errorf("past the end: %v", err)
			}
		})
	}
}
