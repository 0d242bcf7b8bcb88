package ogg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// rawPage builds a page from explicit lacing values, the body filled with
// the byte b.
func rawPage(flags Flags, granule int64, seq uint32, lacing ...byte) Page {
	n := 0
	for _, v := range lacing {
		n += int(v)
	}
	return Page{Flags: flags, Granule: granule, Serial: 3, Sequence: seq, Lacing: lacing,
		Body: bytes.Repeat([]byte{byte(seq + 'a')}, n)}
}

// got describes a packet: its length, granule and flags.
func describe(p Packet) string {
	s := fmt.Sprintf("%d@%d", len(p.Data), p.Granule)
	if p.Hole {
		s = "hole " + s
	}
	if p.BOS {
		s += " bos"
	}
	if p.EOS {
		s += " eos"
	}
	return s
}

func TestReassembler(t *testing.T) {
	tests := []struct {
		name    string
		pages   []Page
		max     int
		want    []string
		dropped int64
		holes   int64
		partial bool
	}{
		{"packets in pages", []Page{
			rawPage(BOS, 0, 0, 19),
			rawPage(0, 0, 1, 30),
			rawPage(0, 1920, 2, 10, 20),
			rawPage(EOS, 2880, 3, 5),
		}, 0, []string{"19@0 bos", "30@0", "10@-1", "20@1920", "5@2880 eos"}, 0, 0, false},
		{"continued across pages", []Page{
			rawPage(0, 100, 0, 7, 255, 255),
			rawPage(Continued, -1, 1, 255),
			rawPage(Continued, 300, 2, 4, 9),
		}, 0, []string{"7@100", "769@-1", "9@300"}, 0, 0, false},
		{"multiple of 255 ends with 0", []Page{
			rawPage(0, -1, 0, 255),
			rawPage(Continued, 5, 1, 0),
		}, 0, []string{"255@5"}, 0, 0, false},
		{"sequence gap drops the packet in progress", []Page{
			rawPage(0, 100, 0, 7, 255),
			rawPage(Continued, 300, 2, 4, 9),
		}, 0, []string{"7@100", "hole 9@300"}, 1, 1, false},
		{"sequence gap between whole packets", []Page{
			rawPage(0, 100, 0, 7),
			rawPage(0, 300, 2, 9),
			rawPage(0, 400, 3, 9),
		}, 0, []string{"7@100", "hole 9@300", "9@400"}, 0, 1, false},
		{"first page continues a lost packet", []Page{
			rawPage(Continued, 300, 7, 255, 4, 9),
			rawPage(0, 400, 8, 1),
		}, 0, []string{"hole 9@300", "1@400"}, 1, 1, false},
		{"lost start spans a page", []Page{
			rawPage(Continued, -1, 7, 255, 255),
			rawPage(Continued, 400, 8, 3, 1),
		}, 0, []string{"hole 1@400"}, 1, 1, false},
		{"page that does not continue the packet", []Page{
			rawPage(0, -1, 0, 1, 255),
			rawPage(0, 400, 1, 2),
		}, 0, []string{"1@-1", "hole 2@400"}, 1, 1, false},
		{"packet over the limit in one page", []Page{
			rawPage(0, 100, 0, 255, 10, 5),
		}, 200, []string{"hole 5@100"}, 1, 1, false},
		{"packet over the limit across pages", []Page{
			rawPage(0, -1, 0, 1, 255),
			rawPage(Continued, -1, 1, 255),
			rawPage(Continued, 400, 2, 255, 3, 6),
		}, 300, []string{"1@-1", "hole 6@400"}, 1, 1, false},
		{"EOS page cuts a packet", []Page{
			rawPage(EOS, 9, 0, 1, 255),
		}, 0, []string{"1@9 eos"}, 1, 1, false},
		{"stream ends inside a packet", []Page{
			rawPage(0, 9, 0, 1, 255),
		}, 0, []string{"1@9"}, 0, 0, true},
		{"empty pages", []Page{
			rawPage(BOS, -1, 0),
			rawPage(0, 5, 1, 3),
			rawPage(EOS, -1, 2),
		}, 0, []string{"3@5"}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra := NewReassembler(3)
			ra.MaxPacketSize = tt.max
			var got []string
			for _, pg := range tt.pages {
				if err := ra.PageIn(&pg); err != nil {
					t.Fatal(err)
				}
				for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
					got = append(got, describe(p))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("packets %q, want %q", got, tt.want)
			}
			st := ra.Stats()
			if st.Dropped != tt.dropped || st.Holes != tt.holes {
				t.Errorf("stats %+v, want %d dropped, %d holes", st, tt.dropped, tt.holes)
			}
			if ra.Partial() != tt.partial {
				t.Errorf("Partial() = %v, want %v", ra.Partial(), tt.partial)
			}
		})
	}
}

func TestReassemblerSerial(t *testing.T) {
	ra := NewReassembler(4)
	pg := rawPage(0, 0, 0, 1)
	if err := ra.PageIn(&pg); !errors.Is(err, ErrSerial) {
		t.Fatalf("err = %v, want ErrSerial", err)
	}
}

// TestReassemblerContent checks the bytes of packets continued across pages
// and that a returned packet stays valid while the next page is read.
func TestReassemblerContent(t *testing.T) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 3)
	var want [][]byte
	for i, size := range []int{100, 70000, 255, 510, 3, 65025, 0, 1} {
		p := make([]byte, size)
		for j := range p {
			p[j] = byte(i*31 + j)
		}
		want = append(want, p)
		pw.WritePacket(p, int64(i))
	}
	pw.Close()
	got := readPackets(t, buf.Bytes(), 0)
	if len(got) != len(want) {
		t.Fatalf("%d packets, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("packet %d differs (%d bytes, want %d)", i, len(got[i]), len(want[i]))
		}
	}
}

// readPackets reads every packet of stream 3 from b, copying each.
func readPackets(t testing.TB, b []byte, max int) [][]byte {
	pr := NewPageReader(bytes.NewReader(b))
	ra := NewReassembler(3)
	ra.MaxPacketSize = max
	var out [][]byte
	for {
		pg, err := pr.ReadPage()
		if err == io.ErrUnexpectedEOF {
			continue
		}
		if err != nil {
			break
		}
		if pg.Serial != 3 {
			continue
		}
		if err := ra.PageIn(&pg); err != nil {
			t.Fatal(err)
		}
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			if max > 0 && len(p.Data) > max {
				t.Fatalf("packet of %d bytes over the limit %d", len(p.Data), max)
			}
			out = append(out, bytes.Clone(p.Data))
		}
	}
	return out
}

// FuzzReassembler reads arbitrary bytes as pages of stream 3 and checks
// that reassembly never panics and keeps to its packet limit.
func FuzzReassembler(f *testing.F) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 3)
	for i, size := range []int{10, 700, 255, 510, 3} {
		pw.WritePacket(make([]byte, size), int64(i))
	}
	pw.Close()
	f.Add(buf.Bytes())
	f.Add(cat(buf.Bytes()[:100], buf.Bytes()[300:]))
	f.Fuzz(func(t *testing.T, in []byte) {
		readPackets(t, in, 600)
	})
}

// FuzzRoundTrip writes packets of fuzzed sizes and reads them back.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2, 255, 0, 7})
	f.Fuzz(func(t *testing.T, sizes []byte) {
		var buf bytes.Buffer
		pw := NewPageWriter(&buf, 3)
		var want [][]byte
		for i, s := range sizes {
			p := bytes.Repeat([]byte{byte(i)}, int(s)*int(s)+int(s)) // up to 65280 bytes
			want = append(want, p)
			if err := pw.WritePacket(p, int64(i)); err != nil {
				t.Fatal(err)
			}
			if s%7 == 0 {
				pw.EndPage()
			}
		}
		if err := pw.Close(); err != nil {
			t.Fatal(err)
		}
		got := readPackets(t, buf.Bytes(), 0)
		if len(got) != len(want) {
			t.Fatalf("%d packets, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("packet %d differs", i)
			}
		}
	})
}

// ResetTo reads the next link of a chain with the same Reassembler: the
// packet in progress is forgotten, the new stream's first page is no gap,
// a page of the old stream is refused, and Stats go on counting.
func TestReassemblerResetTo(t *testing.T) {
	ra := NewReassembler(3)
	for _, pg := range []Page{rawPage(BOS, 0, 0, 19), rawPage(0, -1, 1, 10, 255)} {
		if err := ra.PageIn(&pg); err != nil {
			t.Fatal(err)
		}
	}
	ra.ResetTo(4)
	if ra.Serial() != 4 || ra.Partial() {
		t.Fatalf("serial %d, partial %v", ra.Serial(), ra.Partial())
	}
	old := rawPage(Continued, 5, 2, 4)
	if err := ra.PageIn(&old); !errors.Is(err, ErrSerial) {
		t.Fatalf("page of the old stream: %v", err)
	}
	pg := rawPage(BOS, 0, 0, 7)
	pg.Serial = 4
	if err := ra.PageIn(&pg); err != nil {
		t.Fatal(err)
	}
	p, ok := ra.Packet()
	if !ok || describe(p) != "7@0 bos" {
		t.Fatalf("packet %v %q", ok, describe(p))
	}
	if st := ra.Stats(); st.Pages != 3 || st.Packets != 3 || st.Holes != 0 {
		t.Errorf("stats %+v, want 3 pages, 3 packets, no hole", st)
	}
}
