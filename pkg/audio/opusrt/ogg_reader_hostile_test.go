package opusrt_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// readOn reads or to its end, going on after errors that are not io.EOF
// (the reader reads on after a damaged link header), and returns the
// frames, losses and those errors.
func readOn(t testing.TB, or *opusrt.OggReader) (frames []opusrt.Frame, losses []time.Duration, errs []error) {
	t.Helper()
	for range 1 << 20 {
		f, loss, err := or.Frame()
		switch {
		case err == io.EOF:
			return
		case err != nil:
			errs = append(errs, err)
		case f == nil:
			losses = append(losses, loss)
		default:
			frames = append(frames, f)
		}
	}
	t.Fatal("Frame never returned io.EOF")
	return
}

// rewritePage returns page b with its granule position (and CRC) changed.
func rewritePage(t testing.TB, b []byte, edit func(*ogg.Page)) []byte {
	t.Helper()
	pg, _, err := ogg.ParsePage(b)
	if err != nil {
		t.Fatal(err)
	}
	edit(&pg)
	out, err := pg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A granule position after a removed page claims the loss; past the resync
// threshold it is a discontinuity (no loss, counted), and a copy of the
// reader ends at once, as long as the source.
func TestOggReaderHostileGranule(t *testing.T) {
	file, spans, frames := speechPages(t)
	page := func(i int) []byte { return file[spans[i][0]:spans[i][1]] }
	from := func(i, j int) []byte { return file[spans[i][0]:spans[j-1][1]] }
	pg6, _, _ := ogg.ParsePage(page(6))
	last := len(spans)
	for _, tt := range []struct {
		name      string
		granule   int64
		losses    []time.Duration
		discont   int64
		maxOutput int
	}{
		{"4 s more", pg6.Granule + 4*48000, []time.Duration{4200 * time.Millisecond}, 0, 0},
		{"just past 5 s", pg6.Granule + 5*48000, nil, 1, 0},
		{"2^62", 1 << 62, nil, 1, 0},
		{"max", 1<<63 - 1, nil, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hostile := rewritePage(t, page(6), func(p *ogg.Page) { p.Granule = tt.granule })
			in := cat(from(0, 5), hostile, from(7, last))
			or, err := opusrt.NewOggReader(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			got, losses, errs := readOn(t, or)
			if len(got) != len(frames)-10 || len(errs) != 0 {
				t.Errorf("%d frames (want %d), errors %v", len(got), len(frames)-10, errs)
			}
			if len(losses) != len(tt.losses) || len(losses) > 0 && losses[0] != tt.losses[0] {
				t.Errorf("losses %v, want %v", losses, tt.losses)
			}
			if st := or.Stats(); st.Discontinuities != tt.discont {
				t.Errorf("%d discontinuities, want %d", st.Discontinuities, tt.discont)
			}

			or, _ = opusrt.NewOggReader(bytes.NewReader(in))
			var out bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&out, 16000)
			n, loss, err := ow.WriteFrom(or)
			if err != nil || ow.Close() != nil {
				t.Fatal(err)
			}
			if n != int64(len(frames)-10) || loss > 5*time.Second || out.Len() > 2*len(in) {
				t.Errorf("WriteFrom: %d frames, %v of loss, %d bytes from %d", n, loss, out.Len(), len(in))
			}
		})
	}
}

// A damaged OpusHead page of the second link of a chain does not stop the
// reader at the first link: it says so once (an error wrapping ErrHeader)
// and reads the second link's audio.
func TestOggReaderDamagedLinkHeader(t *testing.T) {
	data, _ := samples.ReadFile(samples.Chained)
	ref, _ := samples.Reference(samples.Chained)
	spans := pageSpans(t, data)
	second := -1 // the second link's BOS page
	for i, s := range spans[1:] {
		if pg, _, _ := ogg.ParsePage(data[s[0]:]); pg.BOS() {
			second = i + 1
			break
		}
	}
	if second < 0 {
		t.Fatal("no second link")
	}
	flipped := bytes.Clone(data)
	flipped[spans[second][0]+30] ^= 0x01
	zeroChannels := cat(data[:spans[second][0]],
		rewritePage(t, data[spans[second][0]:spans[second][1]], func(p *ogg.Page) {
			body := bytes.Clone(p.Body)
			body[9] = 0
			p.Body = body
		}),
		data[spans[second][1]:])
	for _, tt := range []struct {
		name string
		in   []byte
		bad  int64
	}{
		{"flipped bit", flipped, 1},
		{"zero channels", zeroChannels, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			or, err := opusrt.NewOggReader(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, losses, errs := readOn(t, or)
			if len(got) != ref.Packets || len(losses) != 0 {
				t.Errorf("%d frames (want %d), losses %v", len(got), ref.Packets, losses)
			}
			if len(errs) != 1 || !errors.Is(errs[0], opusrt.ErrHeader) {
				t.Errorf("errors %v, want one wrapping ErrHeader", errs)
			}
			st := or.Stats()
			if st.Links != 2 || st.BadHeaders != 1 || st.BadPages != tt.bad {
				t.Errorf("stats %+v", st)
			}
			// A copy keeps all the audio.
			or, _ = opusrt.NewOggReader(bytes.NewReader(tt.in))
			var out bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&out, 16000)
			if n, _, err := ow.WriteFrom(or); err != nil || n != int64(ref.Packets) {
				t.Errorf("WriteFrom: %d frames, %v", n, err)
			}
		})
	}
}

// Dropping the page before the last: the loss is the dropped page's audio,
// though the last page's granule position is lowered by the end trimming.
func TestOggReaderLossBeforeTrimmedEnd(t *testing.T) {
	for _, name := range []string{samples.Speech, samples.Stereo, samples.Frames60ms} {
		t.Run(name, func(t *testing.T) {
			data, _ := samples.ReadFile(name)
			spans := pageSpans(t, data)
			n := len(spans)
			dropped, _, _ := ogg.ParsePage(data[spans[n-2][0]:])
			if dropped.Continued() || dropped.Lacing[len(dropped.Lacing)-1] == 255 {
				t.Skip("the page before the last shares a packet with another")
			}
			want := 0
			body := dropped.Body
			off, start := 0, 0
			for _, v := range dropped.Lacing {
				off += int(v)
				if v < 255 {
					want += opus.PacketSamples(body[start:off])
					start = off
				}
			}
			in := cat(data[:spans[n-2][0]], data[spans[n-1][0]:])
			or, err := opusrt.NewOggReader(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			_, losses, errs := readOn(t, or)
			if len(errs) != 0 || len(losses) != 1 || losses[0] != opus.SamplesDuration(want) {
				t.Errorf("losses %v errors %v, want one loss of %v", losses, errs, opus.SamplesDuration(want))
			}
		})
	}
}

// A stream whose second packet is audio, not OpusTags, has its audio read
// as audio, not taken for tags.
func TestOggReaderAudioWhereTagsShouldBe(t *testing.T) {
	var buf bytes.Buffer
	pw := ogg.NewPageWriter(&buf, 1)
	pw.WritePacket([]byte("OpusHead\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
	pw.EndPage()
	toc := byte(opus.MakeTOC(1, false, 0))
	pw.WritePacket([]byte{toc, 1, 2}, 960)
	pw.WritePacket([]byte{toc, 3, 4}, 1920)
	pw.Close()
	or, err := opusrt.NewOggReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, losses, errs := readOn(t, or)
	if len(got) != 2 || len(losses) != 0 || len(errs) != 0 || or.Tags.Vendor != "" {
		t.Fatalf("frames %x, losses %v, errors %v", got, losses, errs)
	}

	// OpusTags and an audio packet on one page: the tags are read, and
	// the packet after them is audio.
	buf.Reset()
	pw = ogg.NewPageWriter(&buf, 2)
	pw.WritePacket([]byte("OpusHead\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
	pw.EndPage()
	pw.WritePacket([]byte("OpusTags\x02\x00\x00\x00me\x00\x00\x00\x00"), 0)
	pw.WritePacket([]byte{toc, 5, 6}, 960)
	pw.EndPage()
	pw.WritePacket([]byte{toc, 7, 8}, 1920)
	pw.Close()
	or, err = opusrt.NewOggReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, losses, errs = readOn(t, or)
	if len(got) != 2 || !bytes.Equal(got[0], []byte{toc, 5, 6}) || len(losses) != 0 || len(errs) != 0 || or.Tags.Vendor != "me" {
		t.Fatalf("frames %x, losses %v, errors %v, tags %+v", got, losses, errs, or.Tags)
	}
}

// FuzzOggWriteFrom copies a fuzzed stream (WriteFrom of an OggReader):
// the copy ends, and its size is bounded by the input's (each loss filled
// is at most the resync threshold, in 2-byte packets of 120 ms).
func FuzzOggWriteFrom(f *testing.F) {
	speech, _ := samples.ReadFile(samples.Speech)
	chained, _ := samples.ReadFile(samples.ChainedMixed)
	f.Add(speech[:4000])
	f.Add(cat(chained[:3000], chained[9000:]))
	f.Fuzz(func(t *testing.T, in []byte) {
		or, err := opusrt.NewOggReader(bytes.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		ow, err := opusrt.NewOggWriter(&out, 0)
		if err != nil {
			t.Fatal(err)
		}
		ow.WriteFrom(or)
		ow.Close()
		if out.Len() > 64*len(in)+64<<10 {
			t.Fatalf("a copy of %d bytes is %d bytes", len(in), out.Len())
		}
	})
}
