package bench

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"

	"github.com/haivivi/giztoy/bench/internal/workload"
	"github.com/haivivi/giztoy/bench/libogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// The Ogg benchmarks work on whole files: one op writes (or reads) the
// 3263 packets of samples.Long, headers and end of stream included. b.SetBytes
// is the payload, so MB/s is audio packets per second, not file bytes; the
// metrics ns/pkt and allocs/pkt divide by the packets, and the writers
// report overhead-%: the file's bytes beyond the payload, in percent of it.

// countWriter counts what is written to it and keeps none of it.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// oggWriterImpl writes every packet as one file to w.
type oggWriterImpl struct {
	name  string
	write func(w io.Writer, pkts []opusrt.Frame) error
}

var oggWriters = []oggWriterImpl{
	{"opusrt", writeOpusrt},
	{"pion", writePion},
	{"libogg", writeLibogg},
}

func writeOpusrt(w io.Writer, pkts []opusrt.Frame) error {
	ow, err := opusrt.NewOggWriter(w, 48000, opusrt.WithSerial(1))
	if err != nil {
		return err
	}
	for _, p := range pkts {
		if err := ow.Write(p); err != nil {
			return err
		}
	}
	return ow.Close()
}

// pionPackets are RTP packets carrying the workload, built once, so that
// the pion writer's allocations counted are its own.
var pionPackets = func() []rtp.Packet {
	pkts := workload.Packets()
	rp := make([]rtp.Packet, len(pkts))
	for i, p := range pkts {
		rp[i] = rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)},
			Payload: p,
		}
	}
	return rp
}()

func writePion(w io.Writer, pkts []opusrt.Frame) error {
	ow, err := oggwriter.NewWith(w, 48000, 1)
	if err != nil {
		return err
	}
	for i := range pkts {
		if err := ow.WriteRTP(&pionPackets[i]); err != nil {
			return err
		}
	}
	return ow.Close()
}

// opusHead is the OpusHead of a mono 48 kHz stream with the default
// pre-skip (RFC 7845 §5.1); opusTags a minimal OpusTags.
var (
	opusHead = []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 1, 312 & 0xff, 312 >> 8, 0x80, 0xbb, 0, 0, 0, 0, 0}
	opusTags = append([]byte("OpusTags"), 6, 0, 0, 0, 'l', 'i', 'b', 'o', 'g', 'g', 0, 0, 0, 0)
)

func writeLibogg(w io.Writer, pkts []opusrt.Frame) error {
	lw := libogg.NewWriter(w, 1)
	if err := lw.WritePacket(opusHead, 0, true); err != nil {
		return err
	}
	if err := lw.WritePacket(opusTags, 0, true); err != nil {
		return err
	}
	granule := int64(opusrt.DefaultPreSkip)
	for _, p := range pkts[:len(pkts)-1] {
		granule += int64(p.Samples())
		if err := lw.WritePacket(p, granule, false); err != nil {
			return err
		}
	}
	last := pkts[len(pkts)-1]
	return lw.Close(last, granule+int64(last.Samples()))
}

// BenchmarkOggWrite writes the workload as an Ogg Opus file: ours
// (OggWriter.Write), pion's oggwriter (WriteRTP, one page a packet) and
// libogg (ogg_stream_packetin and pageout, through cgo).
func BenchmarkOggWrite(b *testing.B) {
	pkts := workload.Packets()
	for _, impl := range oggWriters {
		b.Run("work=Write/impl="+impl.name, func(b *testing.B) {
			var buf bytes.Buffer
			if err := impl.write(&buf, pkts); err != nil {
				b.Fatal(err)
			}
			overhead := 100 * float64(buf.Len()-workload.PayloadBytes()) / float64(workload.PayloadBytes())
			var w countWriter
			perFile(b, len(pkts), func() {
				if err := impl.write(&w, pkts); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(overhead, "overhead-%")
		})
	}
}

// oggReaderImpl reads every audio packet of file, handing each to got.
type oggReaderImpl struct {
	name string
	read func(file []byte, got func([]byte)) error
}

var oggReaders = []oggReaderImpl{
	{"opusrt", readOpusrt},
	{"pion", readPion},
	{"libogg", readLibogg},
}

func readOpusrt(file []byte, got func([]byte)) error {
	r, err := opusrt.NewOggReader(bytes.NewReader(file))
	if err != nil {
		return err
	}
	for {
		f, _, err := r.Frame()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		got(f)
	}
}

// readPion reads pages: pion's reader returns each page's body, not its
// packets, so got sees one body per page.
func readPion(file []byte, got func([]byte)) error {
	r, _, err := oggreader.NewWith(bytes.NewReader(file))
	if err != nil {
		return err
	}
	for {
		body, _, err := r.ParseNextPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		got(body)
	}
}

func readLibogg(file []byte, got func([]byte)) error {
	r := libogg.NewReader(bytes.NewReader(file))
	defer r.Close()
	for n := 0; ; n++ {
		p, err := r.Packet()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n >= 2 { // OpusHead and OpusTags
			got(p)
		}
	}
}

// BenchmarkOggRead reads samples.Long as opusenc wrote it: ours (OggReader,
// packets the caller may keep, CRC checked), pion's oggreader (page bodies,
// CRC checked) and libogg (ogg_sync_pageout and ogg_stream_packetout,
// packets copied into Go memory the caller may keep).
func BenchmarkOggRead(b *testing.B) {
	file := workload.File()
	n := len(workload.Packets())
	for _, impl := range oggReaders {
		b.Run("work=Read/impl="+impl.name, func(b *testing.B) {
			perFile(b, n, func() {
				if err := impl.read(file, func([]byte) {}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// perFile runs one file's work per op and reports the payload as bytes,
// and ns/pkt and allocs/pkt over packets packets a file.
func perFile(b *testing.B, packets int, file func()) {
	b.SetBytes(int64(workload.PayloadBytes()))
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	for range b.N {
		file()
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	total := float64(b.N) * float64(packets)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/pkt")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/total, "allocs/pkt")
}

// crcPage returns a copy of the largest audio page of samples.Long, the
// page size an Ogg Opus file is made of.
func crcPage(tb testing.TB) []byte {
	file := workload.File()
	var best []byte
	for len(file) > 0 {
		_, n, err := ogg.ParsePage(file)
		if err != nil {
			tb.Fatal(err)
		}
		if n > len(best) {
			best = file[:n]
		}
		file = file[n:]
	}
	return bytes.Clone(best)
}

// pionCRC is the CRC loop of pion's oggwriter and oggreader (unexported
// there), byte at a time over their table: the same code, copied.
func pionCRC(table *[256]uint32, page []byte) uint32 {
	var checksum uint32
	for index := range page {
		checksum = (checksum << 8) ^ table[byte(checksum>>24)^page[index]]
	}
	return checksum
}

// pionTable is pion's generateChecksumTable.
func pionTable() *[256]uint32 {
	var table [256]uint32
	const poly = 0x04c11db7
	for i := range table {
		r := uint32(i) << 24
		for range 8 {
			if (r & 0x80000000) != 0 {
				r = (r << 1) ^ poly
			} else {
				r <<= 1
			}
		}
		table[i] = r
	}
	return &table
}

// BenchmarkOggCRC computes the CRC of one real page (its CRC field zeroed,
// as a writer does): ours (ogg.Checksum, slicing by 8), libogg's
// ogg_page_checksum_set through cgo, and pion's byte-at-a-time loop.
func BenchmarkOggCRC(b *testing.B) {
	page := crcPage(b)
	hlen := ogg.HeaderSize + int(page[26])
	clear(page[22:26])
	table := pionTable()
	impls := []struct {
		name string
		crc  func() uint32
	}{
		{"opusrt", func() uint32 { return ogg.Checksum(page) }},
		{"pion", func() uint32 { return pionCRC(table, page) }},
		{"libogg", func() uint32 { return libogg.Checksum(page[:hlen], page[hlen:]) }},
	}
	for _, impl := range impls {
		b.Run("work=CRC/impl="+impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for range b.N {
				sink = impl.crc()
			}
			clear(page[22:26]) // libogg stored its CRC there
		})
	}
}

var sink uint32

// TestOggSameWork checks that the peers do the same work: every writer's
// file reads back as the workload's packets, every reader finds them in
// samples.Long, and the three CRCs agree.
func TestOggSameWork(t *testing.T) {
	pkts := workload.Packets()
	for _, w := range oggWriters {
		var buf bytes.Buffer
		if err := w.write(&buf, pkts); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		n := 0
		err := readOpusrt(buf.Bytes(), func(p []byte) {
			if n < len(pkts) && !bytes.Equal(p, pkts[n]) {
				t.Fatalf("%s: packet %d differs", w.name, n)
			}
			n++
		})
		if err != nil || n != len(pkts) {
			t.Errorf("%s: read back %d of %d packets, %v", w.name, n, len(pkts), err)
		}
		t.Logf("%-6s %6d bytes, overhead %5.2f %%", w.name, buf.Len(),
			100*float64(buf.Len()-workload.PayloadBytes())/float64(workload.PayloadBytes()))
	}
	file := workload.File()
	t.Logf("%-6s %6d bytes, overhead %5.2f %% (samples.Long as written)", "opusenc", len(file),
		100*float64(len(file)-workload.PayloadBytes())/float64(workload.PayloadBytes()))

	for _, r := range oggReaders {
		var got []byte
		n := 0
		err := r.read(file, func(p []byte) { got = append(got, p...); n++ })
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		var want []byte
		for _, p := range pkts {
			want = append(want, p...)
		}
		if r.name == "pion" {
			// Page bodies: the OpusTags page's body comes first.
			if !bytes.HasSuffix(got, want) {
				t.Errorf("%s: page bodies do not end with the packets", r.name)
			}
			continue
		}
		if n != len(pkts) || !bytes.Equal(got, want) {
			t.Errorf("%s: %d packets, want %d", r.name, n, len(pkts))
		}
	}

	page := crcPage(t)
	want := binary.LittleEndian.Uint32(page[22:26])
	hlen := ogg.HeaderSize + int(page[26])
	clear(page[22:26])
	ours, pion := ogg.Checksum(page), pionCRC(pionTable(), page)
	lib := libogg.Checksum(page[:hlen], page[hlen:])
	if ours != want || pion != want || lib != want {
		t.Errorf("CRC: opusrt %08x, pion %08x, libogg %08x, file %08x", ours, pion, lib, want)
	}
}
