package opusrt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// independentPackets parses an undamaged Ogg Opus file without the ogg
// package: it walks the pages by their header fields, joins the lacing
// segments of each logical stream into packets, and returns the audio
// packets of the Opus streams (the two header packets of each dropped), in
// file order.
func independentPackets(t testing.TB, b []byte) [][]byte {
	t.Helper()
	partial := map[uint32][]byte{}
	count := map[uint32]int{}
	opus := map[uint32]bool{}
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 27 || string(b[:4]) != "OggS" {
			t.Fatalf("independent parse: no page at %d bytes from the end", len(b))
		}
		serial := binary.LittleEndian.Uint32(b[14:18])
		nseg := int(b[26])
		lacing := b[27 : 27+nseg]
		body := b[27+nseg:]
		for _, v := range lacing {
			partial[serial] = append(partial[serial], body[:v]...)
			body = body[v:]
			if v == 255 {
				continue
			}
			p := partial[serial]
			partial[serial] = nil
			if count[serial] == 0 && bytes.HasPrefix(p, []byte("OpusHead")) {
				opus[serial] = true
			}
			if count[serial] >= 2 && opus[serial] {
				out = append(out, p)
			}
			count[serial]++
		}
		n := 27 + nseg
		for _, v := range lacing {
			n += int(v)
		}
		b = b[n:]
	}
	return out
}

// readFrames reads every frame of r, returning the frames, the losses and
// the errors that ended it.
func readFrames(t testing.TB, or *opusrt.OggReader) (frames []opusrt.Frame, losses []time.Duration, errs []error) {
	for range 1 << 20 {
		f, loss, err := or.Frame()
		if err != nil {
			errs = append(errs, err)
			if err == io.EOF {
				return
			}
			if err != io.ErrUnexpectedEOF {
				return
			}
			continue
		}
		if f == nil {
			losses = append(losses, loss)
			continue
		}
		if loss != 0 {
			t.Fatalf("frame with loss %v", loss)
		}
		frames = append(frames, f)
	}
	t.Fatal("Frame never returned io.EOF")
	return
}

func TestOggReaderSamples(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			data, err := samples.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := samples.Reference(name)
			if err != nil {
				t.Fatal(err)
			}
			or, err := opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			first := ref.Links[0]
			h := or.Header
			if h.Channels != first.Channels || h.PreSkip != first.PreSkip || h.InputSampleRate != first.InputRate ||
				int(h.OutputGain) != first.OutputGain || h.MappingFamily != first.MappingFamily {
				t.Errorf("header %+v, want link %+v", h, first)
			}
			if or.Tags.Vendor != first.Vendor || len(or.Tags.Comments) != len(first.Comments) {
				t.Errorf("tags %+v, want %q %q", or.Tags, first.Vendor, first.Comments)
			}
			frames, losses, errs := readFrames(t, or)
			if len(errs) != 1 || errs[0] != io.EOF {
				t.Errorf("ended with %v, want io.EOF", errs)
			}
			if len(losses) != 0 {
				t.Errorf("losses %v in an undamaged file", losses)
			}
			want := independentPackets(t, data)
			if len(frames) != len(want) || len(frames) != ref.Packets {
				t.Fatalf("%d frames, independent parse %d, reference %d", len(frames), len(want), ref.Packets)
			}
			var samplesSum int64
			for i := range frames {
				if !bytes.Equal(frames[i], want[i]) {
					t.Fatalf("frame %d differs from the independent parse", i)
				}
				samplesSum += int64(frames[i].Samples())
			}
			if samplesSum != ref.PacketSamples {
				t.Errorf("frames sum to %d samples, reference %d", samplesSum, ref.PacketSamples)
			}
			st := or.Stats()
			if st.Links != len(ref.Links) || st.Pages != int64(ref.Pages) || st.BadPages != 0 ||
				st.SkippedBytes != 0 || st.InvalidFrames != 0 || st.Holes != 0 || st.Frames != int64(len(frames)) {
				t.Errorf("stats %+v; want %d links, %d pages, nothing bad", st, len(ref.Links), ref.Pages)
			}
		})
	}
}

func TestNewOggReaderErrors(t *testing.T) {
	speech, _ := samples.ReadFile(samples.Speech)
	vorbisLike := bytes.Clone(speech)
	// Not Opus: rename the magic and fix the CRC by rebuilding the page.
	copy(vorbisLike[28:], "\x01vorbis\x00")
	fixCRC(vorbisLike[:47])
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, opusrt.ErrNotOgg},
		{"text", bytes.Repeat([]byte("hello "), 20000), opusrt.ErrNotOgg},
		{"short text", []byte("hello"), opusrt.ErrNotOgg},
		{"not opus", vorbisLike, opusrt.ErrNotOpus},
		{"ends in the headers", speech[:60], io.ErrUnexpectedEOF},
		{"ends after OpusHead", speech[:47], io.ErrUnexpectedEOF},
		{"garbage over 64 KiB first", append(bytes.Repeat([]byte{0}, 70000), speech...), opusrt.ErrNotOgg},
	}
	for _, tt := range tests {
		or, err := opusrt.NewOggReader(bytes.NewReader(tt.in))
		if !errors.Is(err, tt.want) || or != nil {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Garbage under 64 KiB before the first page is skipped.
	or, err := opusrt.NewOggReader(bytes.NewReader(append(bytes.Repeat([]byte{0}, 60000), speech...)))
	if err != nil {
		t.Fatalf("60000 bytes of garbage first: %v", err)
	}
	if st := or.Stats(); st.SkippedBytes != 60000 {
		t.Errorf("skipped %d bytes, want 60000", st.SkippedBytes)
	}
}

// fixCRC recomputes the CRC of the one page in b.
func fixCRC(b []byte) {
	clear(b[22:26])
	var crc uint32
	for _, v := range b {
		crc ^= uint32(v) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	binary.LittleEndian.PutUint32(b[22:26], crc)
}
