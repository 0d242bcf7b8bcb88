package opusrt_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// pageSpans returns the byte offsets of the pages of b: start and end.
func pageSpans(t testing.TB, b []byte) [][2]int {
	var spans [][2]int
	off := 0
	for off < len(b) {
		_, n, err := ogg.ParsePage(b[off:])
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, [2]int{off, off + n})
		off += n
	}
	return spans
}

// speechPages writes the speech sample with pages of 200 ms, so a lost page
// is a known duration.
func speechPages(t testing.TB) ([]byte, [][2]int, []opusrt.Frame) {
	frames := sampleFrames(t, samples.Speech)
	out := writeAll(t, frames, opusrt.WithMaxPageDuration(200*time.Millisecond), opusrt.WithSerial(5))
	return out, pageSpans(t, out), frames
}

func TestOggReaderDamage(t *testing.T) {
	file, spans, frames := speechPages(t)
	page := func(i int) []byte { return file[spans[i][0]:spans[i][1]] }
	pagesFrom := func(i, j int) []byte { return file[spans[i][0]:spans[j-1][1]] }
	last := len(spans)
	flipped := bytes.Clone(file)
	flipped[spans[5][0]+40] ^= 0x01
	// 10 packets of 20 ms on each 200 ms audio page.
	const perPage = 10
	tests := []struct {
		name    string
		in      []byte
		frames  int
		losses  []time.Duration
		errs    []error
		bad     int64
		skipped int64
	}{
		{"intact", file, len(frames), nil, []error{io.EOF}, 0, 0},
		{"page removed", cat(pagesFrom(0, 5), pagesFrom(6, last)), len(frames) - perPage,
			[]time.Duration{200 * time.Millisecond}, []error{io.EOF}, 0, 0},
		{"two pages removed", cat(pagesFrom(0, 5), pagesFrom(7, last)), len(frames) - 2*perPage,
			[]time.Duration{400 * time.Millisecond}, []error{io.EOF}, 0, 0},
		{"flipped byte", flipped, len(frames) - perPage,
			[]time.Duration{200 * time.Millisecond}, []error{io.EOF}, 1, int64(len(page(5)))},
		{"garbage between pages", cat(pagesFrom(0, 5), []byte("junk junk OggS junk"), pagesFrom(5, last)),
			len(frames), nil, []error{io.EOF}, 0, 19},
		{"first audio page removed", cat(pagesFrom(0, 2), pagesFrom(3, last)), len(frames) - perPage,
			nil, []error{io.EOF}, 0, 0},
		{"cut on a page boundary, no EOS", pagesFrom(0, 6), 4 * perPage, nil, []error{io.EOF}, 0, 0},
		{"cut inside a page", cat(pagesFrom(0, 6), page(6)[:50]), 4 * perPage, nil,
			[]error{io.ErrUnexpectedEOF, io.EOF}, 1, 50},
		{"OpusTags page lost", cat(pagesFrom(0, 1), pagesFrom(2, last)), len(frames), nil, []error{io.EOF}, 0, 0},
		{"garbage at the end", cat(file, []byte("trailing")), len(frames), nil, []error{io.EOF}, 0, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			or, err := opusrt.NewOggReader(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, losses, errs := readFrames(t, or)
			if len(got) != tt.frames {
				t.Errorf("%d frames, want %d", len(got), tt.frames)
			}
			if len(losses) != len(tt.losses) {
				t.Errorf("losses %v, want %v", losses, tt.losses)
			} else {
				for i := range losses {
					if losses[i] != tt.losses[i] {
						t.Errorf("losses %v, want %v", losses, tt.losses)
					}
				}
			}
			if len(errs) != len(tt.errs) || errs[0] != tt.errs[0] || errs[len(errs)-1] != tt.errs[len(tt.errs)-1] {
				t.Errorf("errors %v, want %v", errs, tt.errs)
			}
			// After the end, Frame keeps returning io.EOF.
			if _, _, err := or.Frame(); err != io.EOF {
				t.Errorf("Frame after the end: %v", err)
			}
			st := or.Stats()
			if st.BadPages != tt.bad || st.SkippedBytes != tt.skipped {
				t.Errorf("stats %+v, want %d bad pages, %d bytes skipped", st, tt.bad, tt.skipped)
			}
			// Every frame returned is one of the originals, in order.
			j := 0
			for _, f := range got {
				for j < len(frames) && !bytes.Equal(frames[j], f) {
					j++
				}
				if j == len(frames) {
					t.Fatalf("a frame returned is not among the originals in order")
				}
				j++
			}
		})
	}
}

// TestOggReaderReadError returns the underlying reader's error once, then
// io.EOF, so the seed's loop that stops only on io.EOF ends.
func TestOggReaderReadError(t *testing.T) {
	data, _ := samples.ReadFile(samples.Speech)
	boom := errors.New("boom")
	or, err := opusrt.NewOggReader(io.MultiReader(bytes.NewReader(data[:3000]), iotest.ErrReader(boom)))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for range 10000 {
		_, _, err := or.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], boom) || !strings.HasPrefix(errs[0].Error(), "opusrt: ") {
		t.Fatalf("errors %v, want boom once, with the opusrt prefix", errs)
	}
	if _, _, err := or.Frame(); err != io.EOF {
		t.Fatalf("after the error: %v, want io.EOF", err)
	}
}

// TestOggReaderTruncatedPacket ends the input inside a packet continued
// across pages: the complete packets come first, then
// io.ErrUnexpectedEOF once, then io.EOF.
func TestOggReaderTruncatedPacket(t *testing.T) {
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithSerial(1))
	// Code 3 CBR packets of 24 frames of 1000 bytes: 24002 bytes each,
	// so packets straddle pages.
	big := make(opusrt.Frame, 2+24*1000)
	big[0], big[1] = byte(opus.MakeTOC(16, false, 3)), 24
	for range 6 {
		if err := ow.Write(big); err != nil {
			t.Fatal(err)
		}
	}
	ow.Close()
	b := buf.Bytes()
	spans := pageSpans(t, b)
	// Cut after a page that ends inside a packet.
	var cut int
	for _, s := range spans[2:] {
		pg, _, _ := ogg.ParsePage(b[s[0]:])
		if pg.Lacing[len(pg.Lacing)-1] == 255 {
			cut = s[1]
			break
		}
	}
	if cut == 0 {
		t.Fatal("no page ends inside a packet")
	}
	or, err := opusrt.NewOggReader(bytes.NewReader(b[:cut]))
	if err != nil {
		t.Fatal(err)
	}
	got, _, errs := readFrames(t, or)
	if len(got) == 0 || len(got) >= 6 {
		t.Errorf("%d frames before the cut", len(got))
	}
	if len(errs) != 2 || errs[0] != io.ErrUnexpectedEOF || errs[1] != io.EOF {
		t.Errorf("errors %v, want [unexpected EOF, EOF]", errs)
	}
}

// TestOggReaderMultiplexed interleaves another logical stream (not Opus)
// and a second Opus stream with the first: only the first Opus stream is
// read.
func TestOggReaderMultiplexed(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	a := writeAll(t, frames, opusrt.WithSerial(1))
	b := writeAll(t, frames[:40], opusrt.WithSerial(2))
	var other bytes.Buffer
	pw := ogg.NewPageWriter(&other, 3)
	pw.WritePacket([]byte("\x80theora-ish header"), 0)
	pw.EndPage()
	for i := range 20 {
		pw.WritePacket(bytes.Repeat([]byte{byte(i)}, 700), int64(i))
		pw.EndPage()
	}
	pw.Close()
	sa, sb, so := pageSpans(t, a), pageSpans(t, b), pageSpans(t, other.Bytes())
	pages := func(f []byte, s [][2]int, i int) []byte {
		if i >= len(s) {
			return nil
		}
		return f[s[i][0]:s[i][1]]
	}
	// BOS pages first (other, Opus a, Opus b), then the rest interleaved.
	mux := cat(pages(other.Bytes(), so, 0), pages(a, sa, 0), pages(b, sb, 0))
	for i := 1; i < 40; i++ {
		mux = cat(mux, pages(b, sb, i), pages(other.Bytes(), so, i), pages(a, sa, i))
	}
	or, err := opusrt.NewOggReader(bytes.NewReader(mux))
	if err != nil {
		t.Fatal(err)
	}
	got, losses, errs := readFrames(t, or)
	if len(got) != len(frames) || len(losses) != 0 || errs[0] != io.EOF {
		t.Fatalf("%d frames (want %d), losses %v, errors %v", len(got), len(frames), losses, errs)
	}
	for i := range got {
		if !bytes.Equal(got[i], frames[i]) {
			t.Fatalf("frame %d is not stream 1's", i)
		}
	}
}

func TestOggReaderChainedHeaders(t *testing.T) {
	data, _ := samples.ReadFile(samples.ChainedMixed)
	ref, _ := samples.Reference(samples.ChainedMixed)
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if or.Header.Channels != ref.Links[0].Channels {
		t.Errorf("first link channels %d", or.Header.Channels)
	}
	readFrames(t, or)
	if or.Header.Channels != ref.Links[1].Channels || or.Stats().Links != 2 {
		t.Errorf("after the chain: channels %d, links %d", or.Header.Channels, or.Stats().Links)
	}
}

// TestOggReaderChainSameSerial reads two files with the same serial number
// concatenated (a device with a fixed serial): two links, no loss.
func TestOggReaderChainSameSerial(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	a := writeAll(t, frames, opusrt.WithSerial(5))
	b := writeAll(t, frames[:30], opusrt.WithSerial(5), opusrt.WithChannels(2))
	or, err := opusrt.NewOggReader(bytes.NewReader(cat(a, b)))
	if err != nil {
		t.Fatal(err)
	}
	got, losses, errs := readFrames(t, or)
	st := or.Stats()
	if len(got) != len(frames)+30 || len(losses) != 0 || errs[0] != io.EOF || st.Links != 2 ||
		st.InvalidFrames != 0 || st.Holes != 0 {
		t.Errorf("%d frames (want %d), losses %v, errors %v, stats %+v", len(got), len(frames)+30, losses, errs, st)
	}
	if or.Header.Channels != 2 {
		t.Errorf("second link's header not read")
	}
}

// TestOggReaderInvalidPackets puts packets that are not valid Opus in a
// stream: they are skipped and counted; a TOC-only packet is returned.
func TestOggReaderInvalidPackets(t *testing.T) {
	var buf bytes.Buffer
	pw := ogg.NewPageWriter(&buf, 1)
	pw.WritePacket([]byte("OpusHead\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
	pw.EndPage()
	pw.WritePacket([]byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
	pw.EndPage()
	toc := byte(opus.MakeTOC(1, false, 0))
	pw.WritePacket([]byte{toc, 1, 2}, 960)
	pw.WritePacket(nil, 960)                      // empty
	pw.WritePacket([]byte{toc | 1, 1, 2, 3}, 960) // code 1, odd
	pw.WritePacket([]byte{toc}, 1920)             // TOC only
	pw.Close()
	or, err := opusrt.NewOggReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, losses, _ := readFrames(t, or)
	if len(got) != 2 || len(losses) != 0 || len(got[1]) != 1 {
		t.Fatalf("frames %x, losses %v", got, losses)
	}
	if st := or.Stats(); st.InvalidFrames != 2 {
		t.Errorf("invalid frames %d, want 2", st.InvalidFrames)
	}
}

// FuzzOggReader checks that no input makes the reader panic, hang or grow:
// Frame ends with io.EOF and returns only valid frames; the only errors
// before it are the documented ones (io.ErrUnexpectedEOF, a damaged link
// header wrapping ErrHeader), after which it reads on.
func FuzzOggReader(f *testing.F) {
	speech, _ := samples.ReadFile(samples.Speech)
	chained, _ := samples.ReadFile(samples.Chained)
	f.Add(speech[:3000])
	f.Add(cat(chained[:2000], chained[5000:7000]))
	f.Add(cat(speech[:100], []byte("OggS"), speech[1000:2000]))
	// A second link whose OpusHead has 0 channels.
	var zero bytes.Buffer
	for ch := range 2 {
		pw := ogg.NewPageWriter(&zero, uint32(ch+1))
		pw.WritePacket([]byte("OpusHead\x01"+string(rune('\x01'-ch))+"\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		pw.WritePacket([]byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		pw.WritePacket([]byte{8, 1}, 960)
		pw.Close()
	}
	f.Add(zero.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		or, err := opusrt.NewOggReader(bytes.NewReader(in))
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			if i > len(in)+10 {
				t.Fatalf("more results than input bytes")
			}
			fr, loss, err := or.Frame()
			if err == io.EOF {
				break
			}
			if err == io.ErrUnexpectedEOF || errors.Is(err, opusrt.ErrHeader) {
				continue
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if fr == nil && loss <= 0 {
				t.Fatalf("nil frame with loss %v", loss)
			}
			if fr != nil && (loss != 0 || or.Header.StreamCount <= 1 && !fr.Valid()) {
				t.Fatalf("invalid frame returned")
			}
		}
	})
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
