package opusrt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// sampleFrames returns the audio packets of a sample file.
func sampleFrames(t testing.TB, name string) []opusrt.Frame {
	t.Helper()
	data, err := samples.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	frames, _, _ := readFrames(t, or)
	return frames
}

// pagesOf parses b as Ogg pages end to end.
func pagesOf(t testing.TB, b []byte) []ogg.Page {
	t.Helper()
	var pages []ogg.Page
	for len(b) > 0 {
		pg, n, err := ogg.ParsePage(b)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages), err)
		}
		pages = append(pages, pg)
		b = b[n:]
	}
	return pages
}

// checkLayout checks the RFC 7845 layout of a one-link file: OpusHead alone
// on a BOS page, OpusTags on its own page, audio pages whose granules are
// the samples of the packets completed so far (the pre-skip inside them,
// as libopusenc counts), -1 where none completes, and EOS on the last page
// only. It returns the audio packets.
func checkLayout(t testing.TB, b []byte, preSkip int, maxPage time.Duration) [][]byte {
	t.Helper()
	pages := pagesOf(t, b)
	if len(pages) < 2 {
		t.Fatalf("%d pages", len(pages))
	}
	if pages[0].Flags != ogg.BOS || pages[0].Granule != 0 || len(pages[0].Lacing) != 1 ||
		!bytes.HasPrefix(pages[0].Body, []byte("OpusHead")) {
		t.Errorf("first page %+v: want OpusHead alone, BOS, granule 0", pages[0])
	}
	if got := int(binary.LittleEndian.Uint16(pages[0].Body[10:])); got != preSkip {
		t.Errorf("pre-skip %d, want %d", got, preSkip)
	}
	if pages[1].Granule != 0 || pages[1].Packets() != 1 || !bytes.HasPrefix(pages[1].Body, []byte("OpusTags")) {
		t.Errorf("second page: want OpusTags alone, granule 0")
	}
	ra := ogg.NewReassembler(pages[0].Serial)
	var packets [][]byte
	var g, lastGranule int64
	for i, pg := range pages {
		if pg.Serial != pages[0].Serial || pg.Sequence != uint32(i) {
			t.Fatalf("page %d: serial %#x sequence %d", i, pg.Serial, pg.Sequence)
		}
		if (i == len(pages)-1) != pg.EOS() {
			t.Errorf("page %d of %d: EOS %v", i, len(pages), pg.EOS())
		}
		if i > 0 && pg.BOS() {
			t.Errorf("page %d: BOS", i)
		}
		ra.PageIn(&pg)
		completed := false
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			if i < 2 {
				continue
			}
			if p.Hole {
				t.Fatalf("page %d: hole", i)
			}
			packets = append(packets, bytes.Clone(p.Data))
			g += int64(opus.PacketSamples(p.Data))
			completed = true
		}
		if i < 2 {
			continue
		}
		want := int64(-1)
		if completed {
			want = g
		}
		if pg.Granule != want {
			t.Errorf("page %d: granule %d, want %d", i, pg.Granule, want)
		}
		if completed {
			if d := opus.SamplesDuration(int(pg.Granule - lastGranule)); d > maxPage+120*time.Millisecond {
				t.Errorf("page %d holds %v, over %v", i, d, maxPage)
			}
			lastGranule = pg.Granule
		}
	}
	return packets
}

func writeAll(t testing.TB, frames []opusrt.Frame, opts ...opusrt.OggOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	ow, err := opusrt.NewOggWriter(&buf, 16000, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		if err := ow.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOggWriterLayout(t *testing.T) {
	for _, name := range []string{samples.Speech, samples.Stereo, samples.Frames60ms, samples.Frames2500us, samples.FFmpeg120ms} {
		t.Run(name, func(t *testing.T) {
			frames := sampleFrames(t, name)
			out := writeAll(t, frames, opusrt.WithSerial(77))
			packets := checkLayout(t, out, opusrt.DefaultPreSkip, opusrt.DefaultMaxPageDuration)
			if len(packets) != len(frames) {
				t.Fatalf("%d packets, want %d", len(packets), len(frames))
			}
			for i := range frames {
				if !bytes.Equal(packets[i], frames[i]) {
					t.Fatalf("packet %d differs", i)
				}
			}
			// And the reader reads them back byte for byte.
			or, err := opusrt.NewOggReader(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if want := frames[0].TOC().Channels(); or.Header.Channels != want {
				t.Errorf("channels %d, want %d", or.Header.Channels, want)
			}
			if or.Header.InputSampleRate != 16000 || or.Tags.Vendor != opusrt.DefaultVendor {
				t.Errorf("header %+v tags %+v", or.Header, or.Tags)
			}
			back, losses, errs := readFrames(t, or)
			if len(back) != len(frames) || len(losses) != 0 || len(errs) != 1 || errs[0] != io.EOF {
				t.Fatalf("read back %d frames, losses %v, errors %v", len(back), losses, errs)
			}
			for i := range back {
				if !bytes.Equal(back[i], frames[i]) {
					t.Fatalf("frame %d differs after the round trip", i)
				}
			}
		})
	}
}

func TestOggWriterOptions(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	out := writeAll(t, frames, opusrt.WithPreSkip(0), opusrt.WithMaxPageDuration(200*time.Millisecond),
		opusrt.WithChannels(2), opusrt.WithSerial(0xfeedbeef), opusrt.WithTags("me", "TITLE=x", "ARTIST=y"))
	checkLayout(t, out, 0, 200*time.Millisecond)
	pages := pagesOf(t, out)
	if pages[0].Serial != 0xfeedbeef || pages[0].Body[9] != 2 {
		t.Errorf("serial %#x channels %d", pages[0].Serial, pages[0].Body[9])
	}
	or, err := opusrt.NewOggReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if or.Tags.Vendor != "me" || len(or.Tags.Comments) != 2 || or.Tags.Comments[1] != "ARTIST=y" {
		t.Errorf("tags %+v", or.Tags)
	}
	// Random serials differ.
	a, b := writeAll(t, frames[:1]), writeAll(t, frames[:1])
	if pagesOf(t, a)[0].Serial == pagesOf(t, b)[0].Serial {
		t.Errorf("two writers chose the same random serial")
	}
}

func TestNewOggWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		w    io.Writer
		rate int
		opts []opusrt.OggOption
	}{
		{"negative rate", io.Discard, -1, nil},
		{"nil writer", nil, 0, nil},
		{"9 channels", io.Discard, 0, []opusrt.OggOption{opusrt.WithChannels(9)}},
		{"0 channels", io.Discard, 0, []opusrt.OggOption{opusrt.WithChannels(0)}},
		{"negative pre-skip", io.Discard, 0, []opusrt.OggOption{opusrt.WithPreSkip(-1)}},
		{"family 1 with 9 channels", io.Discard, 0, []opusrt.OggOption{opusrt.WithHeader(opusrt.OggHeader{
			Channels: 9, MappingFamily: 1, StreamCount: 5, CoupledCount: 4, ChannelMapping: []byte{0, 1, 2, 3, 4, 5, 6, 7, 8}})}},
		{"header without channels", io.Discard, 0, []opusrt.OggOption{opusrt.WithHeader(opusrt.OggHeader{PreSkip: 312})}},
		{"too many comments", io.Discard, 0, []opusrt.OggOption{opusrt.WithTags("", make([]string, 1<<16+1)...)}},
		{"pre-skip too large", io.Discard, 0, []opusrt.OggOption{opusrt.WithPreSkip(70000)}},
	}
	for _, tt := range tests {
		if ow, err := opusrt.NewOggWriter(tt.w, tt.rate, tt.opts...); err == nil || ow != nil {
			t.Errorf("%s: NewOggWriter = %v, %v; want an error", tt.name, ow, err)
		}
	}
}

// closeRecorder records whether Close was called on it.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestOggWriterLifecycle(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	var w closeRecorder
	ow, err := opusrt.NewOggWriter(&w, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Len() != 0 {
		t.Fatal("NewOggWriter wrote before the first frame")
	}
	if err := ow.Flush(); err != nil || w.Len() != 0 {
		t.Fatalf("Flush before any frame: %v, %d bytes", err, w.Len())
	}
	if err := ow.Write(opusrt.Frame{}); !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Fatalf("empty frame: %v, want ErrInvalidFrame", err)
	}
	if err := ow.Write(opusrt.Frame{0xfd, 1, 2, 3}); !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Fatalf("code 1 frame of odd length: %v, want ErrInvalidFrame", err)
	}
	if w.Len() != 0 {
		t.Fatal("an invalid frame caused a write")
	}
	for _, f := range frames[:10] {
		if err := ow.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := ow.Flush(); err != nil {
		t.Fatal(err)
	}
	flushed := w.Len()
	if n := len(pagesOf(t, w.Bytes())); n != 3 {
		t.Fatalf("%d pages after Flush, want 3", n)
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	pages := pagesOf(t, w.Bytes())
	last := pages[len(pages)-1]
	if len(pages) != 4 || last.Flags != ogg.EOS || last.Granule != -1 || len(last.Lacing) != 0 {
		t.Fatalf("after Flush, Close wrote %+v; want one empty EOS page, granule -1", last)
	}
	if w.Len() != flushed+ogg.HeaderSize {
		t.Fatalf("Close wrote %d bytes", w.Len()-flushed)
	}
	if err := ow.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := ow.Write(frames[0]); !errors.Is(err, opusrt.ErrDone) {
		t.Errorf("Write after Close: %v, want ErrDone", err)
	}
	if err := ow.WriteLoss(time.Second); !errors.Is(err, opusrt.ErrDone) {
		t.Errorf("WriteLoss after Close: %v, want ErrDone", err)
	}
	if w.closed {
		t.Error("Close closed the underlying writer")
	}
	checkLayout(t, w.Bytes(), opusrt.DefaultPreSkip, time.Second)
}

// TestOggWriterCloseOnly closes a writer that was given nothing: the
// stream is written as opusenc writes an empty input, one packet whose
// samples are all pre-skip (final granule = pre-skip), never headers alone.
func TestOggWriterCloseOnly(t *testing.T) {
	tests := []struct {
		name    string
		opts    []opusrt.OggOption
		packets [][]byte
		granule int64
	}{
		{"default", nil, [][]byte{{0xf8}}, 312},
		{"stereo", []opusrt.OggOption{opusrt.WithChannels(2)}, [][]byte{{0xfc}}, 312},
		{"pre-skip 0", []opusrt.OggOption{opusrt.WithPreSkip(0)}, [][]byte{{0xf8}}, 0},
		{"pre-skip of 6 frames", []opusrt.OggOption{opusrt.WithPreSkip(5000)}, [][]byte{{0xfb, 6}}, 5000},
		{"pre-skip 65535: 69 frames on two pages", []opusrt.OggOption{opusrt.WithPreSkip(65535)},
			[][]byte{{0xfb, 6}, {0xfb, 6}, {0xfb, 6}, {0xfb, 6}, {0xfb, 6}, {0xfb, 6},
				{0xfb, 6}, {0xfb, 6}, {0xfb, 6}, {0xfb, 6}, {0xfb, 6}, {0xfb, 3}}, 65535},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&buf, 48000, append(tt.opts, opusrt.WithSerial(5))...)
			if err := ow.Close(); err != nil {
				t.Fatal(err)
			}
			if ow.Duration() != 0 {
				t.Errorf("Duration %v, want 0", ow.Duration())
			}
			pages := pagesOf(t, buf.Bytes())
			if last := pages[len(pages)-1]; len(pages) < 3 || !last.EOS() || last.Granule != tt.granule {
				t.Fatalf("Close alone: %d pages, last %+v", len(pages), pages[len(pages)-1])
			}
			or, err := opusrt.NewOggReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			got, losses, errs := readFrames(t, or)
			if len(losses) != 0 || len(errs) != 1 || errs[0] != io.EOF || len(got) != len(tt.packets) {
				t.Fatalf("read %d frames, losses %v, errors %v", len(got), losses, errs)
			}
			for i := range got {
				if !bytes.Equal(got[i], tt.packets[i]) {
					t.Errorf("packet %d: % x, want % x", i, got[i], tt.packets[i])
				}
			}
		})
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n--; w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestOggWriterWriteError(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	ow, _ := opusrt.NewOggWriter(&failingWriter{n: 2}, 0)
	var err error
	for _, f := range frames {
		if err = ow.Write(f); err != nil {
			break
		}
	}
	if err == nil || err.Error() == "" {
		t.Fatal("no error from a failing writer")
	}
	if err2 := ow.Close(); err2 == nil {
		t.Error("Close after a write error returned nil")
	}
}

func TestOggWriterGranuleMultiFrame(t *testing.T) {
	// A code 3 packet of three 20 ms CELT frames: 2880 samples, not 960.
	toc := byte(opus.MakeTOC(31, false, 3))
	three := opusrt.Frame{toc, 3, 1, 2, 3}
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithPreSkip(100))
	for range 4 {
		if err := ow.Write(three); err != nil {
			t.Fatal(err)
		}
	}
	if g := ow.Granule(); g != 4*2880 {
		t.Errorf("Granule() = %d, want %d", g, 4*2880)
	}
	ow.Close()
	pages := pagesOf(t, buf.Bytes())
	if g := pages[len(pages)-1].Granule; g != 4*2880 {
		t.Errorf("last granule %d, want %d", g, 4*2880)
	}
}

func TestOggWriterLoss(t *testing.T) {
	toc20 := opus.MakeTOC(1, false, 0) // SILK NB 20 ms
	frame := opusrt.Frame{byte(toc20), 0xaa, 0xbb}
	tests := []struct {
		name    string
		losses  []time.Duration
		packets [][]byte // loss packets written, in order
		total   time.Duration
	}{
		{"one frame", []time.Duration{20 * time.Millisecond}, [][]byte{{byte(toc20)}}, 20 * time.Millisecond},
		{"rounds to nearest", []time.Duration{29 * time.Millisecond}, [][]byte{{byte(toc20)}}, 20 * time.Millisecond},
		{"at least one", []time.Duration{time.Millisecond}, [][]byte{{byte(toc20)}}, 20 * time.Millisecond},
		{"half rounds up, carried", []time.Duration{50 * time.Millisecond, 50 * time.Millisecond},
			[][]byte{{byte(toc20) | 3, 3}, {byte(toc20) | 3, 2}}, 100 * time.Millisecond},
		{"small losses add up without drift", []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond},
			[][]byte{{byte(toc20)}, {byte(toc20)}}, 40 * time.Millisecond},
		{"120 ms a packet", []time.Duration{300 * time.Millisecond},
			[][]byte{{byte(toc20) | 3, 6}, {byte(toc20) | 3, 6}, {byte(toc20) | 3, 3}}, 300 * time.Millisecond},
		{"zero and negative", []time.Duration{0, -time.Second}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithPreSkip(0))
			ow.Write(frame)
			for _, d := range tt.losses {
				if err := ow.WriteLoss(d); err != nil {
					t.Fatal(err)
				}
			}
			ow.Close()
			packets := checkLayout(t, buf.Bytes(), 0, time.Second)
			got := packets[1:]
			if len(got) != len(tt.packets) {
				t.Fatalf("loss packets % x, want % x", got, tt.packets)
			}
			var total time.Duration
			for i := range got {
				if !bytes.Equal(got[i], tt.packets[i]) || !opus.Valid(got[i]) {
					t.Errorf("loss packet %d = % x, want % x", i, got[i], tt.packets[i])
				}
				total += opus.PacketDuration(got[i])
			}
			if total != tt.total {
				t.Errorf("loss filled %v, want %v", total, tt.total)
			}
		})
	}
}

// TestOggWriterLossNoDrift fills many uneven losses and checks the file's
// length stays within a frame of the sum: the carry is always between
// minus one frame (a fill rounded up to its first frame) and half a frame.
func TestOggWriterLossNoDrift(t *testing.T) {
	ow, _ := opusrt.NewOggWriter(io.Discard, 0, opusrt.WithPreSkip(0))
	ow.Write(opusrt.Frame{byte(opus.MakeTOC(1, false, 0)), 1})
	var sum time.Duration
	for i := range 1000 {
		d := time.Duration(1+i%37) * time.Millisecond
		sum += d
		ow.WriteLoss(d)
	}
	got := ow.Duration() - 20*time.Millisecond
	if diff := got - sum; diff <= -10*time.Millisecond || diff >= 20*time.Millisecond {
		t.Errorf("filled %v for %v of loss", got, sum)
	}
}

// lossySource yields frames and losses from a script.
type lossySource struct {
	frames []opusrt.Frame
	losses []time.Duration
	i      int
}

func (s *lossySource) Frame() (opusrt.Frame, time.Duration, error) {
	if s.i >= len(s.frames) {
		return nil, 0, io.EOF
	}
	i := s.i
	s.i++
	if s.losses[i] > 0 {
		return nil, s.losses[i], nil
	}
	return s.frames[i], 0, nil
}

func TestOggWriterWriteFrom(t *testing.T) {
	var _ opusrt.FrameReader = (*opusrt.OggReader)(nil)
	var _ opusrt.FrameReader = (*opusrt.Buffer)(nil)
	var _ opusrt.FrameReader = (*opusrt.RealtimeBuffer)(nil)

	frames := sampleFrames(t, samples.Speech)
	src := &lossySource{frames: frames, losses: make([]time.Duration, len(frames))}
	src.losses[3] = 60 * time.Millisecond
	src.losses[10] = 20 * time.Millisecond
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 16000)
	n, loss, err := ow.WriteFrom(src)
	if err != nil || n != int64(len(frames)-2) || loss != 80*time.Millisecond {
		t.Fatalf("WriteFrom = %d, %v, %v; want %d, 80ms, nil", n, loss, err, len(frames)-2)
	}
	ow.Close()
	packets := checkLayout(t, buf.Bytes(), opusrt.DefaultPreSkip, time.Second)
	if len(packets) != len(frames)-2+2 {
		t.Errorf("%d packets", len(packets))
	}
}

func TestOggWriterAllocs(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	ow, _ := opusrt.NewOggWriter(io.Discard, 16000)
	i := 0
	write := func() {
		ow.Write(frames[i%len(frames)])
		i++
	}
	for range 500 {
		write()
	}
	if n := testing.AllocsPerRun(5000, write); n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
}

// TestOggTagsAcrossPages writes an OpusTags packet of four pages (cover
// art does that) and reads it back.
func TestOggTagsAcrossPages(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)
	big := "PICTURE=" + string(bytes.Repeat([]byte("art!"), 50000))
	out := writeAll(t, frames, opusrt.WithTags("v", big, "TITLE=t"))
	pages := pagesOf(t, out)
	// No packet ends on the first three tags pages (granule -1); the tags
	// end on the fourth (granule 0), and audio starts on a page of its own.
	for i, want := range []int64{-1, -1, -1, 0} {
		if pg := pages[1+i]; pg.Granule != want || pg.Continued() != (i > 0) || (i == 3) != (pg.Packets() == 1) {
			t.Errorf("tags page %d: granule %d continued %v packets %d", i, pg.Granule, pg.Continued(), pg.Packets())
		}
	}
	if pages[5].Continued() || pages[5].Granule <= 0 {
		t.Errorf("first audio page: %+v", pages[5])
	}
	or, err := opusrt.NewOggReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(or.Tags.Comments) != 2 || or.Tags.Comments[0] != big || or.Tags.Comments[1] != "TITLE=t" {
		t.Errorf("tags read back: %d comments", len(or.Tags.Comments))
	}
	got, _, _ := readFrames(t, or)
	if len(got) != len(frames) {
		t.Errorf("%d frames, want %d", len(got), len(frames))
	}
}

// FuzzOggWriter writes fuzzed frames and losses and reads the file back:
// exactly the valid frames come back, in order, and the loss fill keeps
// the timeline.
func FuzzOggWriter(f *testing.F) {
	f.Add([]byte{3, 0x48, 1, 2, 0, 20, 2, 0x4b, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		var buf bytes.Buffer
		ow, err := opusrt.NewOggWriter(&buf, 0, opusrt.WithSerial(1))
		if err != nil {
			t.Fatal(err)
		}
		var want []opusrt.Frame
		var samples int64
		// Each record: a length byte, then that many frame bytes; a
		// length of 0 is a loss of the next byte's milliseconds.
		for len(in) > 0 {
			n := int(in[0])
			in = in[1:]
			if n == 0 {
				if len(in) == 0 {
					break
				}
				before := ow.Granule()
				if err := ow.WriteLoss(time.Duration(in[0]) * time.Millisecond); err != nil {
					t.Fatal(err)
				}
				samples += ow.Granule() - before
				in = in[1:]
				continue
			}
			n = min(n, len(in))
			frame := opusrt.Frame(in[:n])
			in = in[n:]
			err := ow.Write(frame)
			if frame.Valid() != (err == nil) {
				t.Fatalf("Write(% x) = %v; valid %v", frame, err, frame.Valid())
			}
			if err == nil {
				want = append(want, frame)
				samples += int64(frame.Samples())
			}
		}
		if ow.Granule() != samples {
			t.Fatalf("granule %d, want %d", ow.Granule(), samples)
		}
		if err := ow.Close(); err != nil {
			t.Fatal(err)
		}
		// Close may add concealed frames up to the pre-skip (an empty or
		// too short stream): they are not on the timeline.
		if want := opus.SamplesDuration(int(samples)); ow.Duration() != want {
			t.Fatalf("Duration %v, want %v", ow.Duration(), want)
		}
		or, err := opusrt.NewOggReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		got, losses, errs := readFrames(t, or)
		if len(losses) != 0 || len(errs) != 1 || errs[0] != io.EOF {
			t.Fatalf("losses %v errors %v", losses, errs)
		}
		j := 0
		for _, g := range got {
			switch {
			case j < len(want) && bytes.Equal(g, want[j]):
				j++
			case len(g) == 1 || len(g) == 2 && g[0]&3 == 3:
				// a loss packet
			default:
				t.Fatalf("frame %d differs: % x", j, g)
			}
		}
		if j != len(want) {
			t.Fatalf("%d frames back, want %d", j, len(want))
		}
	})
}
