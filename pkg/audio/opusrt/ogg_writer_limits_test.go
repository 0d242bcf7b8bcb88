package opusrt_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// paddedPacket returns a valid code 3 packet of one 20 ms CELT frame of 10
// bytes padded to exactly size bytes (RFC 6716 §3.2.5).
func paddedPacket(t testing.TB, size int) opusrt.Frame {
	t.Helper()
	// TOC, count byte with the padding flag, padding length bytes, frame,
	// padding: each 255 adds 254 bytes of padding and one more length byte.
	for n := 0; ; n++ {
		lenBytes := n + 1
		pad := size - 2 - lenBytes - 10
		last := pad - 254*n
		if last < 0 {
			t.Fatalf("no padding for %d bytes", size)
		}
		if last > 254 {
			continue
		}
		p := []byte{byte(opus.MakeTOC(31, false, 3)), 0x41}
		p = append(p, bytes.Repeat([]byte{255}, n)...)
		p = append(p, byte(last))
		p = append(p, bytes.Repeat([]byte{0x5a}, 10)...)
		p = append(p, make([]byte, pad)...)
		if len(p) != size || !opus.Valid(p) {
			t.Fatalf("padded packet of %d bytes (want %d) invalid", len(p), size)
		}
		return p
	}
}

// TestOggWriterPacketBound writes packets around oggopus.MaxPacketSize: the
// largest is written and read back, one byte more is ErrInvalidFrame and
// writes nothing — the bound the OggReader keeps too.
func TestOggWriterPacketBound(t *testing.T) {
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithSerial(1))
	largest := paddedPacket(t, oggopus.MaxPacketSize)
	if err := ow.Write(largest); err != nil {
		t.Fatal(err)
	}
	ow.Flush()
	n := buf.Len()
	for _, size := range []int{oggopus.MaxPacketSize + 1, 70000, 1 << 20} {
		err := ow.Write(paddedPacket(t, size))
		if !errors.Is(err, opusrt.ErrInvalidFrame) || !strings.Contains(err.Error(), "MaxPacketSize") {
			t.Errorf("%d-byte packet: %v", size, err)
		}
	}
	ow.Close()
	if buf.Len() != n+27 {
		t.Errorf("rejected packets wrote %d bytes", buf.Len()-n-27)
	}
	or, err := opusrt.NewOggReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got, losses, errs := readFrames(t, or)
	if len(got) != 1 || !bytes.Equal(got[0], largest) || len(losses) != 0 || errs[0] != io.EOF {
		t.Errorf("read back %d frames, losses %v, errors %v", len(got), losses, errs)
	}
	// A multistream header allows the bound per stream.
	head, _ := oggopus.SurroundHeader(6)
	ow, _ = opusrt.NewOggWriter(io.Discard, 0, opusrt.WithHeader(head))
	if err := ow.Write(make(opusrt.Frame, 4*oggopus.MaxPacketSize+1)); !errors.Is(err, opusrt.ErrInvalidFrame) ||
		!strings.Contains(err.Error(), "262144") {
		t.Errorf("oversized 4-stream packet: %v", err)
	}
}

// TestOggWriterHugeLoss asks for absurd losses: each call returns at once
// having filled MaxLossFill, and the carry is untouched by the excess.
func TestOggWriterHugeLoss(t *testing.T) {
	for _, d := range []time.Duration{math.MaxInt64, 1 << 62, opusrt.MaxLossFill + 1} {
		var buf bytes.Buffer
		ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithPreSkip(0))
		ow.Write(opusrt.Frame{byte(opus.MakeTOC(1, false, 0)), 1}) // 20 ms
		if err := ow.WriteLoss(d); err != nil {
			t.Fatal(err)
		}
		if got := ow.Duration(); got != 20*time.Millisecond+opusrt.MaxLossFill {
			t.Errorf("WriteLoss(%v): Duration %v", d, got)
		}
		// A minute of 120 ms packets of two bytes, on pages of a second.
		if buf.Len() > 500*2+60*(27+255)+1000 {
			t.Errorf("WriteLoss(%v) wrote %d bytes", d, buf.Len())
		}
		if err := ow.WriteLoss(10 * time.Millisecond); err != nil || ow.Duration() != 40*time.Millisecond+opusrt.MaxLossFill {
			t.Errorf("then 10 ms: %v, Duration %v", err, ow.Duration())
		}
	}
}

// TestOggWriterLongDuration writes 54 hours of loss fill (past the 53.4 h
// where samples × time.Second overflows): Duration stays exact.
func TestOggWriterLongDuration(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1.6 million packets")
	}
	ow, _ := opusrt.NewOggWriter(io.Discard, 0, opusrt.WithMaxPageDuration(math.MaxInt64))
	for range 54 * 60 {
		if err := ow.WriteLoss(time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if got := ow.Duration(); got != 54*time.Hour {
		t.Errorf("Duration %v, want 54h", got)
	}
	if got := ow.Granule(); got != 54*3600*48000 {
		t.Errorf("Granule %d", got)
	}
}

// TestOggWriterMaxPageDuration takes page durations past the 53 h where
// d × 48000 overflows: pages then end at 255 lacing values only.
func TestOggWriterMaxPageDuration(t *testing.T) {
	frame := opusrt.Frame{byte(opus.MakeTOC(1, false, 0)), 1, 2}
	for _, d := range []time.Duration{math.MaxInt64, 54 * time.Hour, 1 << 62} {
		var frames []opusrt.Frame
		for range 300 {
			frames = append(frames, frame)
		}
		out := writeAll(t, frames, opusrt.WithMaxPageDuration(d), opusrt.WithPreSkip(0))
		pages := pagesOf(t, out)
		if len(pages) != 4 || len(pages[2].Lacing) != 255 || len(pages[3].Lacing) != 45 {
			t.Errorf("WithMaxPageDuration(%v): %d pages", d, len(pages))
		}
	}
	// And 1 ns is one packet a page.
	out := writeAll(t, []opusrt.Frame{frame, frame, frame}, opusrt.WithMaxPageDuration(1))
	if n := len(pagesOf(t, out)); n != 5 {
		t.Errorf("1 ns pages: %d pages, want 5", n)
	}
}

// TestOggWriterErrorText checks errors read with one prefix.
func TestOggWriterErrorText(t *testing.T) {
	ow, _ := opusrt.NewOggWriter(io.Discard, 0)
	ow.Close()
	for _, err := range []error{ow.Write(opusrt.Frame{0xf8}), ow.WriteLoss(time.Second), ow.Flush()} {
		if !errors.Is(err, opusrt.ErrDone) || strings.Count(err.Error(), "opusrt:") != 1 {
			t.Errorf("after Close: %q", err)
		}
	}
	if err := ow.Write(opusrt.Frame{0xf8}); err.Error() != "opusrt: done: OggWriter.Write after Close" {
		t.Errorf("Write after Close: %q", err)
	}
}
