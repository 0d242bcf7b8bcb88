package oggopus_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// head is an OpusHead packet: mono, the given pre-skip.
func head(preSkip int) []byte {
	return []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 1, byte(preSkip), byte(preSkip >> 8), 0, 0, 0, 0, 0, 0, 0}
}

var tags = []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00")

// page is the packets of one audio page and its granule position.
type page struct {
	packets int // 20 ms TOC-only packets
	granule int64
}

// stream writes a link: headers, then the pages, the last one EOS.
func stream(w io.Writer, serial uint32, preSkip int, pages ...page) {
	pw := ogg.NewPageWriter(w, serial)
	pw.WritePacket(head(preSkip), 0)
	pw.EndPage()
	pw.WritePacket(tags, 0)
	pw.EndPage()
	for i, p := range pages {
		for range p.packets {
			pw.WritePacket([]byte{9 << 3}, p.granule)
		}
		if i == len(pages)-1 {
			pw.Close()
		} else {
			pw.EndPage()
		}
	}
}

// linkLine describes what a Demuxer found of a link: start, final
// granule, end trim, playback, packets, losses.
func demux(t *testing.T, in []byte) []string {
	t.Helper()
	d := oggopus.NewDemuxer(bytes.NewReader(in))
	var out []string
	for {
		l, err := d.NextLink()
		if err == io.EOF {
			return out
		}
		if err != nil && l == nil {
			t.Fatal(err)
		}
		var lost int64
		var ends []int64
		for {
			p, err := d.Packet()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			lost += p.Lost
			ends = append(ends, p.Granule)
		}
		l = d.Link()
		out = append(out, fmt.Sprintf("link %d serial %d start %d final %d trim %d playback %d packets %d lost %d last end %d",
			l.Number, l.Serial, l.StartGranule, l.FinalGranule, l.EndTrim, l.PlaybackSamples(), l.Packets, lost, ends[len(ends)-1]))
	}
}

func TestDemuxerPositions(t *testing.T) {
	var full, removed, single bytes.Buffer
	stream(&full, 1, 312, page{50, 48000}, page{50, 96000}, page{10, 105000})
	stream(&single, 2, 312, page{10, 9000})
	// A page removed before the trimmed last page: the loss is its 50
	// packets, though the last granule is 600 short of its packets' end.
	var b bytes.Buffer
	stream(&b, 3, 312, page{50, 48000}, page{50, 96000}, page{10, 105000})
	raw := b.Bytes()
	var spans [][2]int
	for off := 0; off < len(raw); {
		_, n, err := ogg.ParsePage(raw[off:])
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, [2]int{off, off + n})
		off += n
	}
	removed.Write(raw[:spans[3][0]])
	removed.Write(raw[spans[4][0]:])
	for _, tt := range []struct {
		name string
		in   []byte
		want []string
	}{
		{"trimmed end", full.Bytes(), []string{"link 1 serial 1 start 0 final 105000 trim 600 playback 104688 packets 110 lost 0 last end 105000"}},
		{"one page, trimmed", single.Bytes(), []string{"link 1 serial 2 start 0 final 9000 trim 600 playback 8688 packets 10 lost 0 last end 9000"}},
		{"page removed before the end", removed.Bytes(), []string{"link 1 serial 3 start 0 final 105000 trim 600 playback 104688 packets 60 lost 48000 last end 105000"}},
		{"chain", append(bytes.Clone(full.Bytes()), single.Bytes()...), []string{
			"link 1 serial 1 start 0 final 105000 trim 600 playback 104688 packets 110 lost 0 last end 105000",
			"link 2 serial 2 start 0 final 9000 trim 600 playback 8688 packets 10 lost 0 last end 9000"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := demux(t, tt.in)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// The links of the chained samples, in order, with the playback lengths
// opusinfo and opusdec agree on.
func TestDemuxerSamples(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			data, _ := samples.ReadFile(name)
			ref, _ := samples.Reference(name)
			d := oggopus.NewDemuxer(bytes.NewReader(data))
			d.Problem = func(p oggopus.Problem) { t.Errorf("problem in a sound file: %v", p) }
			n := 0
			for {
				l, err := d.NextLink()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				for {
					if _, err := d.Packet(); err != nil {
						break
					}
				}
				rl := ref.Links[n]
				if l.Serial != rl.Serial || l.PlaybackSamples() != rl.PlaybackSamples || l.Packets != int64(rl.Packets) ||
					!l.Ended || l.FinalGranule != rl.FinalGranule {
					t.Errorf("link %d: %+v, want %+v", n+1, *l, rl)
				}
				n++
			}
			if n != len(ref.Links) {
				t.Errorf("%d links, want %d", n, len(ref.Links))
			}
		})
	}
}

// Errors of the underlying reader carry the package prefix and wrap it.
func TestDemuxerReadError(t *testing.T) {
	data, _ := samples.ReadFile(samples.Speech)
	boom := errors.New("boom")
	d := oggopus.NewDemuxer(io.MultiReader(bytes.NewReader(data[:3000]), &failing{boom}))
	if _, err := d.NextLink(); err != nil {
		t.Fatal(err)
	}
	var errs []error
	for range 1000 {
		_, err := d.Packet()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], boom) || errs[0].Error()[:9] != "oggopus: " {
		t.Fatalf("errors %v", errs)
	}
}

type failing struct{ err error }

func (f *failing) Read([]byte) (int, error) { return 0, f.err }

// FuzzDemuxer checks that no input makes the Demuxer panic, hang or grow:
// every link ends, Packet ends with io.EOF, losses stay within MaxGap.
func FuzzDemuxer(f *testing.F) {
	speech, _ := samples.ReadFile(samples.Speech)
	chained, _ := samples.ReadFile(samples.Chained)
	f.Add(speech[:3000])
	f.Add(append(bytes.Clone(chained[:2000]), chained[5000:7000]...))
	var b bytes.Buffer
	stream(&b, 1, 312, page{3, 2880}, page{2, 1 << 62})
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		d := oggopus.NewDemuxer(bytes.NewReader(in))
		d.Problem = func(oggopus.Problem) {}
		results := 0
		for links := 0; ; links++ {
			l, err := d.NextLink()
			if l == nil {
				break
			}
			_ = err
			for {
				p, err := d.Packet()
				if results++; results > 2*len(in)+10 {
					t.Fatalf("more results than input bytes")
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					continue
				}
				if p.Lost < 0 || p.Lost > oggopus.MaxGap {
					t.Fatalf("loss %d", p.Lost)
				}
			}
		}
		// Seeking in whatever the input is ends too.
		d = oggopus.NewDemuxer(bytes.NewReader(in))
		if _, err := d.NextLink(); err != nil {
			return
		}
		pos := int64(len(in)) * 997
		if _, err := d.SeekSamples(pos); err != nil {
			return
		}
		for range 2*len(in) + 10 {
			if _, err := d.Packet(); err == io.EOF {
				return
			}
		}
		t.Fatalf("no end after a seek")
	})
}
