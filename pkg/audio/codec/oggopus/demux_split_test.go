package oggopus

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
)

// demuxLog reads in through and logs everything a caller can see: each
// link and its header error, each packet (all its fields, its bytes in
// hex), each problem, each error, the final links and the counts. With
// noSplit every page goes through the Reassembler's packets one at a time
// (packets), not split (split). With next, packets are read with
// NextPacket and the Packet fields it does not return are not logged.
func demuxLog(in []byte, noSplit, next bool) string {
	var b strings.Builder
	d := NewDemuxer(bytes.NewReader(in))
	d.noSplit = noSplit
	d.Problem = func(p Problem) { fmt.Fprintf(&b, "problem %+v\n", p) }
	for range 1000 {
		l, err := d.NextLink()
		fmt.Fprintf(&b, "link %v\n", err)
		if l == nil {
			break
		}
		fmt.Fprintf(&b, "header %+v tags %+v\n", l.Header, l.Tags)
		for range 100000 {
			if next {
				data, granule, lost, valid, err := d.NextPacket()
				if err == io.EOF {
					break
				}
				fmt.Fprintf(&b, "packet %x %d %d %v %v\n", data, granule, lost, valid, err)
				continue
			}
			p, err := d.Packet()
			if err == io.EOF {
				break
			}
			fmt.Fprintf(&b, "packet %x %d %d %v %d %v %v %v %d %d %v\n", p.Data, p.Granule, p.Samples, p.Hole,
				p.Lost, p.Discontinuity, p.Err, p.Data == nil, p.Offset, p.Page, err)
		}
		l = d.Link()
		fmt.Fprintf(&b, "end %d pages %d packets %d samples %d start %d final %d trim %d ended %v lost %v\n",
			l.Number, l.Pages, l.Packets, l.PacketSamples, l.StartGranule, l.FinalGranule, l.EndTrim, l.Ended, l.TagsLost)
	}
	fmt.Fprintf(&b, "stats %+v\nother %+v\n", d.Stats(), d.OtherStreams())
	return b.String()
}

// splitCases are streams whose pages take every way through split: every
// sample, packets across pages (joined, and with their start lost), 255-
// and 0-byte packets, invalid packets, a lost page and a stray granule.
func splitCases(t testing.TB) map[string][]byte {
	cases := map[string][]byte{}
	for _, name := range samples.Names() {
		data, err := samples.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = data
	}
	long, _ := samples.ReadFile(samples.Long)
	cases["long cut"] = long[:len(long)/2+77]
	flipped := bytes.Clone(long)
	flipped[len(flipped)/3] ^= 0x40 // a bad CRC: a page lost
	cases["long flipped"] = flipped

	// One link of the given audio packets, pages ended where ends says.
	link := func(packets [][]byte, ends map[int]bool, granules func(i int) int64) []byte {
		var b bytes.Buffer
		pw := ogg.NewPageWriter(&b, 7)
		pw.WritePacket(monoHead(312), 0)
		pw.EndPage()
		pw.WritePacket([]byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), 0)
		pw.EndPage()
		for i, p := range packets {
			pw.WritePacket(p, granules(i))
			if ends[i] {
				pw.EndPage()
			}
		}
		pw.Close()
		return b.Bytes()
	}
	frame := func(n int, b byte) []byte {
		p := bytes.Repeat([]byte{b}, n)
		p[0] = 9 << 3 // SILK 20 ms, one frame
		return p
	}
	var big [][]byte // 900-byte packets: pages of 255 lacing values end inside them
	for range 200 {
		big = append(big, frame(900, 0xa5))
	}
	at := func(i int) int64 { return int64(i+1) * 960 }
	cases["across pages"] = link(big, nil, at)
	across := cases["across pages"]
	// Drop the third page: the next one continues a packet whose start is
	// lost.
	pages := splitPages(across)
	cases["across pages, one lost"] = bytes.Join(append(pages[:4:4], pages[5:]...), nil)
	cases["across pages, sequence gap"] = bytes.Join(append(pages[:3:3], pages[4:]...), nil)
	// A page that should continue a packet and does not: the packet is
	// dropped, with no sequence gap to say so.
	notCont := slicesClone(pages)
	pg, _, err := ogg.ParsePage(notCont[3])
	if err != nil || !pg.Continued() {
		t.Fatalf("page 3: %v, continued %v", err, pg.Continued())
	}
	pg.Flags &^= ogg.Continued
	notCont[3], _ = pg.Marshal()
	cases["across pages, not continued"] = bytes.Join(notCont, nil)
	// A packet longer than a page: a page on which no packet ends.
	cases["page inside a packet"] = link([][]byte{frame(70000, 6), frame(20, 7)}, nil, at)

	odd := [][]byte{frame(255, 1), {}, frame(510, 2), {9 << 3}, {9<<3 | 3}, frame(1300, 3), {9<<3 | 1, 1, 2, 3}, frame(1, 4)}
	for range 3 {
		odd = append(odd, odd...)
	}
	cases["odd packets"] = link(odd, map[int]bool{3: true, 10: true, 30: true}, at)
	cases["no granule"] = link(odd, map[int]bool{5: true, 20: true}, func(int) int64 { return -1 })
	cases["granule jumps"] = link(odd, map[int]bool{5: true, 20: true}, func(i int) int64 {
		if i > 20 {
			return 1 << 40
		}
		return at(i)
	})
	return cases
}

func slicesClone(s [][]byte) [][]byte { return append([][]byte(nil), s...) }

// splitPages cuts a stream into its pages.
func splitPages(in []byte) [][]byte {
	var out [][]byte
	for len(in) > 0 {
		i := bytes.Index(in[1:], []byte("OggS"))
		if i < 0 {
			return append(out, in)
		}
		out = append(out, in[:i+1])
		in = in[i+1:]
	}
	return out
}

// monoHead is an OpusHead: mono, the given pre-skip.
func monoHead(preSkip int) []byte {
	return []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 1, byte(preSkip), byte(preSkip >> 8), 0, 0, 0, 0, 0, 0, 0}
}

// TestSplitAsPackets checks that split, the fast way through an audio
// page, gives what packets gives (the Reassembler's packets one by one),
// to the last field, problem and count, and that NextPacket gives what
// Packet does.
func TestSplitAsPackets(t *testing.T) {
	for name, in := range splitCases(t) {
		t.Run(name, func(t *testing.T) {
			want, got := demuxLog(in, true, false), demuxLog(in, false, false)
			if got != want {
				t.Fatalf("split:\n%s\npackets:\n%s", got, want)
			}
			if !strings.Contains(got, "packet ") {
				t.Fatalf("no packet read:\n%s", got)
			}
			if got, want := demuxLog(in, false, true), demuxLog(in, true, true); got != want {
				t.Fatalf("NextPacket, split:\n%s\npackets:\n%s", got, want)
			}
		})
	}
}

func FuzzSplitAsPackets(f *testing.F) {
	for _, in := range splitCases(f) {
		f.Add(in[:min(len(in), 4000)]) // small seeds: the fuzzer runs faster
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if want, got := demuxLog(in, true, false), demuxLog(in, false, false); got != want {
			t.Fatalf("split:\n%s\npackets:\n%s", got, want)
		}
	})
}

// TestSplitFallback checks split on a page other than the one the
// Reassembler last took (which a Demuxer never does): it returns the
// Reassembler's packets, as packets would.
func TestSplitFallback(t *testing.T) {
	in := splitCases(t)[samples.Speech]
	d := NewDemuxer(bytes.NewReader(in))
	if _, err := d.NextLink(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Packet(); err != nil {
		t.Fatal(err)
	}
	n := d.link.Packets
	d.qn, d.qi = 0, 0
	// The Reassembler holds the packets of the first audio page; split is
	// given a page of other lacing values.
	other := ogg.Page{Serial: d.ra.Serial(), Lacing: []byte{3, 3}, Body: make([]byte, 6)}
	d.ra.ResetTo(d.ra.Serial())
	// It continues a packet whose start is lost: the first packet follows
	// a hole.
	first := ogg.Page{Serial: d.ra.Serial(), Flags: ogg.Continued, Lacing: []byte{1, 1, 2, 1}, Body: []byte{0, 9 << 3, 9<<3 | 3, 0, 17 << 3}}
	if err := d.ra.PageIn(&first); err != nil {
		t.Fatal(err)
	}
	var problems []string
	d.Problem = func(p Problem) { problems = append(problems, p.Message) }
	if d.split(&other, 0, false) {
		t.Fatal("timed")
	}
	var got []string
	for _, it := range d.q[:d.qn] {
		got = append(got, fmt.Sprintf("%x %d %v", d.slab[it.off:it.end], it.samples, it.invalid))
	}
	if want := []string{"48 960 false", "4b00 0 true", "88 240 false"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("queued %q, want %q", got, want)
	}
	if d.link.Packets != n+3 {
		t.Fatalf("%d packets, want %d", d.link.Packets, n+3)
	}
	want := "[data missing before this page's packets (a packet was cut or dropped) packet " +
		fmt.Sprint(n+2) + " is not valid Opus: opus: invalid packet: R5: code 3 packet with no frames]"
	if fmt.Sprint(problems) != want {
		t.Fatalf("problems %q, want %q", problems, want)
	}
}
