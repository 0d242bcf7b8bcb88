package ogg

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/haivivi/giztoy/internal/samples"
)

// mkPage encodes a page holding whole packets.
func mkPage(t testing.TB, flags Flags, granule int64, serial, seq uint32, packets ...[]byte) []byte {
	t.Helper()
	pg := Page{Flags: flags, Granule: granule, Serial: serial, Sequence: seq}
	for _, p := range packets {
		pg.Lacing = AppendLacing(pg.Lacing, len(p))
		pg.Body = append(pg.Body, p...)
	}
	b, err := pg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// readAll reads pages until an error, returning their sequence numbers and
// the errors that ended it (up to two, to see what follows ErrUnexpectedEOF).
func readAll(pr *PageReader) (seqs []uint32, errs []error) {
	for len(errs) < 2 {
		pg, err := pr.ReadPage()
		if err != nil {
			errs = append(errs, err)
			if err != io.ErrUnexpectedEOF {
				break
			}
			continue
		}
		seqs = append(seqs, pg.Sequence)
	}
	return seqs, errs
}

func TestPageReader(t *testing.T) {
	p0 := mkPage(t, BOS, 0, 5, 0, []byte("head"))
	p1 := mkPage(t, 0, 960, 5, 1, []byte("one"), []byte("two"))
	p2 := mkPage(t, EOS, 1920, 5, 2, bytes.Repeat([]byte{7}, 1000))
	bad := append([]byte(nil), p1...)
	bad[len(bad)-1] ^= 1
	v1 := append([]byte(nil), p1...)
	v1[4] = 1
	garbage := []byte("garbage, with an OggS in it and Ogg at the end: Ogg")

	tests := []struct {
		name     string
		in       []byte
		seqs     []uint32
		errs     []error
		bad      int64
		skipped  int64
		oneBytes bool
	}{
		{"clean", cat(p0, p1, p2), []uint32{0, 1, 2}, []error{io.EOF}, 0, 0, false},
		{"empty input", nil, nil, []error{io.EOF}, 0, 0, false},
		{"garbage only", garbage, nil, []error{io.EOF}, 0, int64(len(garbage)), false},
		{"garbage around pages", cat(garbage, p0, garbage, p1, p2, garbage), []uint32{0, 1, 2}, []error{io.EOF}, 0, 3 * int64(len(garbage)), false},
		{"bad CRC page", cat(p0, bad, p2), []uint32{0, 2}, []error{io.EOF}, 1, int64(len(bad)), false},
		{"version 1 page", cat(p0, v1, p2), []uint32{0, 2}, []error{io.EOF}, 0, int64(len(v1)), false},
		{"truncated last page", cat(p0, p1, p2[:500]), []uint32{0, 1}, []error{io.ErrUnexpectedEOF, io.EOF}, 1, 500, false},
		{"truncated header", cat(p0, p1, p2[:10]), []uint32{0, 1}, []error{io.ErrUnexpectedEOF, io.EOF}, 1, 10, false},
		{"capture pattern at the end", cat(p0, []byte("OggS")), []uint32{0}, []error{io.ErrUnexpectedEOF, io.EOF}, 1, 4, false},
		{"truncated inside capture", cat(p0, p1, p2[:3]), []uint32{0, 1}, []error{io.EOF}, 0, 3, false},
		{"page cut short in the middle", cat(p0, p2[:500], p1), []uint32{0, 1}, []error{io.EOF}, 1, 500, false},
		{"one byte at a time", cat(garbage, p0, bad, p1, p2[:900]), []uint32{0, 1}, []error{io.ErrUnexpectedEOF, io.EOF}, 2, int64(len(garbage) + len(bad) + 900), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = bytes.NewReader(tt.in)
			if tt.oneBytes {
				r = iotest.OneByteReader(r)
			}
			pr := NewPageReader(r)
			seqs, errs := readAll(pr)
			if !equalU32(seqs, tt.seqs) {
				t.Errorf("pages %v, want %v", seqs, tt.seqs)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %v, want %v", errs, tt.errs)
			}
			for i := range errs {
				if errs[i] != tt.errs[i] {
					t.Errorf("errors %v, want %v", errs, tt.errs)
				}
			}
			st := pr.Stats()
			if st.BadPages != tt.bad || st.Skipped != tt.skipped || st.Pages != int64(len(tt.seqs)) {
				t.Errorf("stats %+v, want %d pages, %d bad, %d skipped", st, len(tt.seqs), tt.bad, tt.skipped)
			}
		})
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPageReaderLargePages(t *testing.T) {
	// Pages of the largest size, many of them, so the buffer wraps.
	var in []byte
	body := make([]byte, MaxBodySize)
	for i := range 7 {
		pg := Page{Serial: 1, Sequence: uint32(i), Granule: int64(i), Lacing: bytes.Repeat([]byte{255}, 255), Body: body}
		in, _ = pg.Append(in)
		in = append(in, byte(i)) // one byte of garbage so pages do not align
	}
	pr := NewPageReader(bytes.NewReader(in))
	for i := range 7 {
		pg, err := pr.ReadPage()
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if pg.Sequence != uint32(i) || len(pg.Body) != MaxBodySize {
			t.Fatalf("page %d: seq %d, %d bytes", i, pg.Sequence, len(pg.Body))
		}
	}
	if _, err := pr.ReadPage(); err != io.EOF {
		t.Fatalf("end: %v, want io.EOF", err)
	}
}

func TestPageReaderSkipLimit(t *testing.T) {
	in := cat(bytes.Repeat([]byte("not ogg "), 10000), mkPage(t, BOS, 0, 1, 0, []byte("x")))
	pr := NewPageReader(bytes.NewReader(in))
	pr.SetSkipLimit(64 << 10)
	if _, err := pr.ReadPage(); !errors.Is(err, ErrNoPage) {
		t.Fatalf("err = %v, want ErrNoPage", err)
	}
	pr = NewPageReader(bytes.NewReader(in))
	if _, err := pr.ReadPage(); err != nil {
		t.Fatalf("without a limit: %v", err)
	}
}

func TestPageReaderError(t *testing.T) {
	boom := errors.New("boom")
	p0 := mkPage(t, BOS, 0, 1, 0, []byte("x"))
	pr := NewPageReader(io.MultiReader(bytes.NewReader(p0), iotest.ErrReader(boom)))
	if _, err := pr.ReadPage(); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.ReadPage(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

// FuzzPageReader checks that no input makes the reader panic or loop, and
// that every page it returns re-encodes to bytes that parse to it.
func FuzzPageReader(f *testing.F) {
	f.Add(cat(opusHeadPage, liboggPageA, liboggPageBC))
	f.Add(cat([]byte("OggS"), liboggPageDEF[:20], liboggPageA))
	f.Add(liboggPageDEF[:30])
	f.Fuzz(func(t *testing.T, in []byte) {
		pr := NewPageReader(bytes.NewReader(in))
		var total int
		for {
			pg, err := pr.ReadPage()
			if err == io.ErrUnexpectedEOF {
				continue
			}
			if err != nil {
				if err != io.EOF {
					t.Fatalf("unexpected error %v", err)
				}
				break
			}
			total += pg.Len()
			b, err := pg.Marshal()
			if err != nil {
				t.Fatalf("page read does not encode: %v", err)
			}
			if !bytes.Contains(in, b) {
				t.Fatalf("page read is not in the input")
			}
			if total > len(in) {
				t.Fatalf("read %d bytes of pages from %d bytes", total, len(in))
			}
		}
		st := pr.Stats()
		if st.Skipped+int64(total) != int64(len(in)) {
			t.Fatalf("skipped %d + pages %d != input %d", st.Skipped, total, len(in))
		}
	})
}

// BenchmarkPageReader reads pages of 50 packets of 40 bytes (1 s of 16
// kbit/s speech in 20 ms packets) and splits them into packets.
func BenchmarkPageReader(b *testing.B) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 1)
	p := make([]byte, 40)
	packets := 0
	for i := range 3000 {
		pw.WritePacket(p, int64(i))
		packets++
		if i%50 == 49 {
			pw.EndPage()
		}
	}
	pw.Close()
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	r := bytes.NewReader(data)
	pr := NewPageReader(r)
	ra := NewReassembler(1)
	for b.Loop() {
		r.Reset(data)
		*pr = PageReader{r: r, buf: pr.buf}
		ra.Reset()
		n := 0
		for {
			pg, err := pr.ReadPage()
			if err != nil {
				break
			}
			ra.PageIn(&pg)
			for _, ok := ra.Packet(); ok; _, ok = ra.Packet() {
				n++
			}
		}
		if n != packets {
			b.Fatalf("%d packets, want %d", n, packets)
		}
	}
}

// BenchmarkReadFile reads every page and packet of the long speech sample
// (about 65 s, 3,300 packets of 20 ms at 12 kbit/s), as libogg's
// ogg_sync_pageout and ogg_stream_packetout would.
func BenchmarkReadFile(b *testing.B) {
	data, err := samples.ReadFile(samples.Long)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	r := bytes.NewReader(data)
	pr := NewPageReader(r)
	ra := NewReassembler(0)
	packets := 0
	for b.Loop() {
		r.Reset(data)
		*pr = PageReader{r: r, buf: pr.buf}
		for {
			pg, err := pr.ReadPage()
			if err != nil {
				break
			}
			if pg.BOS() {
				ra = NewReassembler(pg.Serial)
			}
			ra.PageIn(&pg)
			for _, ok := ra.Packet(); ok; _, ok = ra.Packet() {
				packets++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/packet")
}
