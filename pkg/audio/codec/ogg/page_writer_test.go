package ogg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

// parsePages parses b as pages end to end, failing on anything else.
func parsePages(t *testing.T, b []byte) []Page {
	t.Helper()
	var pages []Page
	for len(b) > 0 {
		pg, n, err := ParsePage(b)
		if err != nil {
			t.Fatalf("page %d: %v", len(pages), err)
		}
		pages = append(pages, pg)
		b = b[n:]
	}
	return pages
}

func TestPageWriterMatchesLibogg(t *testing.T) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 0x01020304)
	steps := []func() error{
		func() error { return pw.WritePacket([]byte("A"), 0) },
		pw.EndPage,
		func() error { return pw.WritePacket([]byte("BC"), 20) },
		pw.EndPage,
		func() error { return pw.WritePacket([]byte("DEF"), 30) },
		pw.Close,
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := append(append(append([]byte(nil), liboggPageA...), liboggPageBC...), liboggPageDEF...)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got\n% x\nwant\n% x", buf.Bytes(), want)
	}
}

// TestPageWriterLongPackets compares with the SHA-256 of what libogg 1.3
// (ogg_stream_packetin, then ogg_stream_flush until empty) writes for the
// same packets: byte i of packet k is (7k+i) mod 251, granule 100(k+1),
// the first packet alone on the BOS page with granule 0 as libogg writes it.
func TestPageWriterLongPackets(t *testing.T) {
	sizes := []int{510, 70000, 1, 0, 255 * 255, 300, 254, 255}
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 0x7eadbeef)
	for k, size := range sizes {
		p := make([]byte, size)
		for i := range p {
			p[i] = byte((7*k + i) % 251)
		}
		granule := int64(100 * (k + 1))
		if k == 0 {
			granule = 0
		}
		if err := pw.WritePacket(p, granule); err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			if err := pw.EndPage(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	const want = "ba2602f9b5250210c665ed7a2cc26f0e103aba216a4710b864b37d4194ef2054"
	if got := hex.EncodeToString(sum[:]); got != want || buf.Len() != 136994 {
		t.Errorf("%d bytes, SHA-256 %s; want 136994 bytes, %s", buf.Len(), got, want)
	}
}

// pageShape is what a test expects of a page.
type pageShape struct {
	flags   Flags
	granule int64
	lacing  []byte
}

func TestPageWriterPaging(t *testing.T) {
	rep := func(v byte, n int) []byte { return bytes.Repeat([]byte{v}, n) }
	type op struct {
		size    int   // packet size; -1 EndPage, -2 Flush
		granule int64 // for a packet
	}
	tests := []struct {
		name string
		ops  []op
		want []pageShape
	}{
		{"nothing: empty BOS EOS page", nil, []pageShape{{BOS | EOS, -1, nil}}},
		{"one packet", []op{{3, 7}}, []pageShape{{BOS | EOS, 7, []byte{3}}}},
		{"zero-length packet", []op{{0, 7}}, []pageShape{{BOS | EOS, 7, []byte{0}}}},
		{"flush then close: empty EOS page", []op{{3, 7}, {-2, 0}}, []pageShape{
			{BOS, 7, []byte{3}}, {EOS, -1, nil},
		}},
		{"end page twice is one page", []op{{3, 7}, {-1, 0}, {-1, 0}, {4, 9}}, []pageShape{
			{BOS, 7, []byte{3}}, {EOS, 9, []byte{4}},
		}},
		{"255 exactly ends with 0", []op{{255, 1}}, []pageShape{{BOS | EOS, 1, []byte{255, 0}}}},
		{"page of 255 lacing values", []op{{254*255 + 10, 1}, {1, 2}}, []pageShape{
			{BOS, 1, append(rep(255, 254), 10)}, {EOS, 2, []byte{1}},
		}},
		{"255*255 bytes: end on the next page", []op{{255 * 255, 5}}, []pageShape{
			{BOS, -1, rep(255, 255)}, {Continued | EOS, 5, []byte{0}},
		}},
		{"continued packet, more after it", []op{{2, 1}, {255 * 255, 5}, {3, 6}}, []pageShape{
			{BOS, 1, append([]byte{2}, rep(255, 254)...)}, {Continued | EOS, 6, []byte{255, 0, 3}},
		}},
		{"page with no packet end", []op{{3 * 255 * 255, 9}}, []pageShape{
			{BOS, -1, rep(255, 255)}, {Continued, -1, rep(255, 255)},
			{Continued, -1, rep(255, 255)}, {Continued | EOS, 9, []byte{0}},
		}},
		{"flush between pages", []op{{1, 1}, {-2, 0}, {2, 2}, {-2, 0}, {3, 3}}, []pageShape{
			{BOS, 1, []byte{1}}, {0, 2, []byte{2}}, {EOS, 3, []byte{3}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			pw := NewPageWriter(&buf, 9)
			for _, o := range tt.ops {
				var err error
				switch o.size {
				case -1:
					err = pw.EndPage()
				case -2:
					err = pw.Flush()
				default:
					err = pw.WritePacket(make([]byte, o.size), o.granule)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := pw.Close(); err != nil {
				t.Fatal(err)
			}
			pages := parsePages(t, buf.Bytes())
			if len(pages) != len(tt.want) {
				t.Fatalf("%d pages, want %d", len(pages), len(tt.want))
			}
			for i, pg := range pages {
				w := tt.want[i]
				if pg.Flags != w.flags || pg.Granule != w.granule || !bytes.Equal(pg.Lacing, w.lacing) ||
					pg.Serial != 9 || pg.Sequence != uint32(i) {
					t.Errorf("page %d: flags %#x granule %d seq %d lacing %v; want flags %#x granule %d lacing %v",
						i, pg.Flags, pg.Granule, pg.Sequence, pg.Lacing, w.flags, w.granule, w.lacing)
				}
			}
		})
	}
}

func TestPageWriterHoldsLastPage(t *testing.T) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 1)
	pw.WritePacket([]byte("a"), 1)
	pw.EndPage()
	if buf.Len() != 0 {
		t.Fatalf("a completed page was written before the next one completed")
	}
	pw.WritePacket([]byte("b"), 2)
	if buf.Len() != 0 {
		t.Fatalf("a page was written before it completed")
	}
	pw.EndPage()
	if n := len(parsePages(t, buf.Bytes())); n != 1 {
		t.Fatalf("%d pages written after the second completed, want 1", n)
	}
	if err := pw.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := len(parsePages(t, buf.Bytes())); n != 2 {
		t.Fatalf("%d pages written after Flush, want 2", n)
	}
}

func TestPageWriterClose(t *testing.T) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 1)
	pw.WritePacket([]byte("a"), 1)
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	n := buf.Len()
	if err := pw.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := pw.WritePacket([]byte("b"), 2); !errors.Is(err, ErrClosed) {
		t.Errorf("WritePacket after Close = %v, want ErrClosed", err)
	}
	if err := pw.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
	if buf.Len() != n {
		t.Errorf("bytes written after Close")
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, io.ErrShortWrite
	}
	w.after--
	return len(p), nil
}

func TestPageWriterError(t *testing.T) {
	pw := NewPageWriter(&failWriter{after: 1}, 1)
	pw.WritePacket([]byte("a"), 1)
	pw.EndPage()
	pw.WritePacket([]byte("b"), 2)
	if err := pw.EndPage(); err != nil {
		t.Fatalf("first page write failed: %v", err)
	}
	if err := pw.Flush(); !errors.Is(err, io.ErrShortWrite) {
		t.Fatalf("Flush = %v, want ErrShortWrite", err)
	}
	if err := pw.WritePacket([]byte("c"), 3); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("WritePacket after a failed write = %v, want the same error", err)
	}
	if err := pw.Close(); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("Close after a failed write = %v, want the same error", err)
	}
}

func TestPageWriterAllocs(t *testing.T) {
	pw := NewPageWriter(io.Discard, 1)
	p := make([]byte, 80)
	var g int64
	write := func() {
		g += 960
		pw.WritePacket(p, g)
		if g%(960*50) == 0 {
			pw.EndPage()
		}
	}
	for range 1000 {
		write()
	}
	if n := testing.AllocsPerRun(10000, write); n != 0 {
		t.Errorf("%v allocations per packet, want 0", n)
	}
}

// BenchmarkPageWriter writes 40-byte packets (20 ms at 16 kbit/s), a page
// per 50 packets, as libogg does with ogg_stream_packetin and
// ogg_stream_flush.
func BenchmarkPageWriter(b *testing.B) {
	pw := NewPageWriter(io.Discard, 1)
	p := make([]byte, 40)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	var g int64
	for b.Loop() {
		g += 960
		pw.WritePacket(p, g)
		if g%(960*50) == 0 {
			pw.EndPage()
		}
	}
}
