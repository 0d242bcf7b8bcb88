package opusrt_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// oggLink is one logical stream of a file as parsed independently of the
// OggReader: its header, tags, audio packets and pages.
type oggLink struct {
	serial  uint32
	head    oggopus.Header
	tags    oggopus.Tags
	packets [][]byte
	pages   []ogg.Page // the audio pages
	final   int64      // the last page's granule
}

// playback returns what a player plays of the link: final granule less
// pre-skip.
func (l *oggLink) playback() int64 { return l.final - int64(l.head.PreSkip) }

// packetSamples returns the 48 kHz samples of the link's packets.
func (l *oggLink) packetSamples(t testing.TB) int64 {
	var n int64
	for i, p := range l.packets {
		s, err := opus.MultistreamSamples(p, l.head.Streams())
		if err != nil {
			t.Fatalf("link %#x packet %d: %v", l.serial, i, err)
		}
		n += int64(s)
	}
	return n
}

// oggLinks parses b, a chain of Ogg Opus links one after the other (no
// interleaving), with the codec packages only, checking the RFC 7845
// layout of each: OpusHead alone on the BOS page (granule 0), OpusTags
// ending a page of its own (granule 0), audio pages whose granules are the
// samples of the packets completed on them or before (−1 where none
// completes), and EOS on the link's last page only.
func oggLinks(t testing.TB, b []byte) []oggLink {
	t.Helper()
	var links []oggLink
	var ra *ogg.Reassembler
	var l *oggLink
	var n, g int64 // packets of the link, samples of its packets
	for i, pg := range pagesOf(t, b) {
		if pg.BOS() {
			if l != nil {
				t.Fatalf("page %d: BOS before link %#x ended", i, l.serial)
			}
			links = append(links, oggLink{serial: pg.Serial})
			l = &links[len(links)-1]
			ra = ogg.NewReassembler(pg.Serial)
			ra.MaxPacketSize = oggopus.MaxTagsSize
			n, g = 0, 0
		}
		if l == nil || pg.Serial != l.serial {
			t.Fatalf("page %d: serial %#x outside its link", i, pg.Serial)
		}
		audio := n >= 2 // both headers complete before this page
		ra.PageIn(&pg)
		completed := false
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			if p.Hole {
				t.Fatalf("page %d: hole", i)
			}
			var err error
			switch n {
			case 0:
				if l.head, err = oggopus.ParseHeader(p.Data); err != nil || pg.Packets() != 1 || pg.Granule != 0 {
					t.Fatalf("page %d: OpusHead %v, %d packets, granule %d", i, err, pg.Packets(), pg.Granule)
				}
			case 1:
				if l.tags, err = oggopus.ParseTags(p.Data); err != nil || pg.Granule != 0 {
					t.Fatalf("page %d: OpusTags %v, granule %d", i, err, pg.Granule)
				}
			default:
				if !audio {
					t.Fatalf("page %d: audio on a header page", i)
				}
				s, err := opus.MultistreamSamples(p.Data, l.head.Streams())
				if err != nil {
					t.Fatalf("page %d: packet %d: %v", i, n, err)
				}
				l.packets = append(l.packets, bytes.Clone(p.Data))
				g += int64(s)
				completed = true
			}
			n++
		}
		if audio {
			l.pages = append(l.pages, pg)
			switch {
			case !completed && pg.Granule != -1:
				t.Errorf("link %#x page %d: granule %d with no packet completed", l.serial, i, pg.Granule)
			case completed && !pg.EOS() && pg.Granule != g:
				t.Errorf("link %#x page %d: granule %d, want %d", l.serial, i, pg.Granule, g)
			case completed && pg.EOS() && (pg.Granule > g || pg.Granule < 0):
				t.Errorf("link %#x last page %d: granule %d, out of 0 to %d", l.serial, i, pg.Granule, g)
			}
			if pg.Granule >= 0 {
				l.final = pg.Granule
			}
		}
		if pg.EOS() {
			if len(l.packets) == 0 {
				t.Errorf("link %#x: no audio packet", l.serial)
			}
			l = nil
		}
	}
	if l != nil {
		t.Errorf("link %#x: no EOS page", l.serial)
	}
	return links
}

// surround51 returns the header and packets of testdata/surround51.opus,
// 0.3 s of 5.1 that opusenc 0.2 (libopus 1.3.1) made from six sines.
func surround51(t testing.TB) (oggopus.Header, [][]byte) {
	t.Helper()
	b, err := os.ReadFile("testdata/surround51.opus")
	if err != nil {
		t.Fatal(err)
	}
	links := oggLinks(t, b)
	if len(links) != 1 || links[0].head.Channels != 6 || links[0].head.Streams() != 4 {
		t.Fatalf("surround51.opus: %d links, header %+v", len(links), links[0].head)
	}
	return links[0].head, links[0].packets
}

func TestOggWriterFamily1(t *testing.T) {
	head, packets := surround51(t)
	var buf bytes.Buffer
	ow, err := opusrt.NewOggWriter(&buf, 16000, opusrt.WithHeader(head), opusrt.WithSerial(9))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range packets {
		if err := ow.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	// A plain Opus packet is not a 4-stream packet.
	if err := ow.Write(opusrt.Frame{0xf8, 1, 2}); !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Errorf("mono packet in a 5.1 stream: %v", err)
	}
	if err := ow.WriteLoss(50e6); err != nil {
		t.Fatal(err)
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	links := oggLinks(t, buf.Bytes())
	if len(links) != 1 {
		t.Fatalf("%d links", len(links))
	}
	l := links[0]
	if !equalHeader(l.head, head) {
		t.Errorf("header %+v, want %+v", l.head, head)
	}
	if len(l.packets) != len(packets)+1 {
		t.Fatalf("%d packets, want %d", len(l.packets), len(packets)+1)
	}
	for i, p := range packets {
		if !bytes.Equal(l.packets[i], p) {
			t.Fatalf("packet %d differs", i)
		}
	}
	// 50 ms of the last frame's 20 ms: 3 frames, one code 3 packet per
	// stream, the first three self-delimited, the coupled two stereo.
	lossPacket := []byte{0xff, 3, 0, 0xff, 3, 0, 0xfb, 3, 0, 0xfb, 3}
	if got := l.packets[len(packets)]; !bytes.Equal(got, lossPacket) {
		t.Errorf("loss packet % x, want % x", got, lossPacket)
	}
	if got, want := l.final, l.packetSamples(t); got != want {
		t.Errorf("final granule %d, want %d", got, want)
	}
}

// equalHeader compares headers but their Version.
func equalHeader(a, b oggopus.Header) bool {
	a.Version, b.Version = 0, 0
	return a.Channels == b.Channels && a.PreSkip == b.PreSkip && a.InputSampleRate == b.InputSampleRate &&
		a.OutputGain == b.OutputGain && a.MappingFamily == b.MappingFamily && a.StreamCount == b.StreamCount &&
		a.CoupledCount == b.CoupledCount && bytes.Equal(a.ChannelMapping, b.ChannelMapping)
}

func TestOggWriterWithHeader(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)[:10]
	h := oggopus.Header{Channels: 2, PreSkip: 3840, InputSampleRate: 44100, OutputGain: -1536}
	out := writeAll(t, frames, opusrt.WithHeader(h), opusrt.WithSerial(3))
	links := oggLinks(t, out)
	want := h
	want.StreamCount, want.CoupledCount = 1, 1
	if len(links) != 1 || !equalHeader(links[0].head, want) || links[0].head.Version != 1 {
		t.Fatalf("header %+v, want %+v", links[0].head, want)
	}
	// Options apply in order: a later WithPreSkip changes the pre-skip.
	out = writeAll(t, frames, opusrt.WithHeader(h), opusrt.WithPreSkip(100))
	if got := oggLinks(t, out)[0].head; got.PreSkip != 100 || got.OutputGain != -1536 || got.Channels != 2 {
		t.Errorf("header %+v", got)
	}
	// WithChannels(6) is family 1 in libopus's surround layout.
	ow, err := opusrt.NewOggWriter(&bytes.Buffer{}, 0, opusrt.WithChannels(6))
	if err != nil {
		t.Fatal(err)
	}
	if got := ow.Header(); got.MappingFamily != 1 || got.StreamCount != 4 || got.CoupledCount != 2 {
		t.Errorf("WithChannels(6): %+v", got)
	}
	if err := ow.Write(frames[0]); !errors.Is(err, opusrt.ErrInvalidFrame) {
		t.Errorf("mono frame in 5.1: %v", err)
	}
}

// TestOggWriterNextLink writes a chain of three links — mono, stereo with
// its own pre-skip, gain and tags, 5.1 — each trimmed: each is a logical
// stream of its own with granules from 0 and the next serial.
func TestOggWriterNextLink(t *testing.T) {
	mono := sampleFrames(t, samples.Speech)[:60]
	stereo := sampleFrames(t, samples.Stereo)[:30]
	head51, surround := surround51(t)
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 16000, opusrt.WithSerial(0xfffffffe), opusrt.WithTags("first", "TITLE=1"))
	for _, f := range mono {
		ow.Write(f)
	}
	ow.TrimEnd(500)
	h2 := oggopus.Header{Channels: 2, PreSkip: 120, InputSampleRate: 48000, OutputGain: 256}
	t2 := oggopus.Tags{Vendor: "", Comments: []string{"ARTIST=a", "TITLE=2"}, Binary: []byte{1, 2}}
	if err := ow.NextLink(h2, t2); err != nil {
		t.Fatal(err)
	}
	if ow.Serial() != 0xffffffff || ow.Granule() != 0 {
		t.Errorf("second link: serial %#x granule %d", ow.Serial(), ow.Granule())
	}
	for _, f := range stereo {
		ow.Write(f)
	}
	ow.TrimEnd(100)
	if err := ow.NextLink(head51, oggopus.Tags{Vendor: "v3"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range surround {
		if err := ow.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	ow.TrimEnd(960)
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	links := oggLinks(t, buf.Bytes())
	if len(links) != 3 {
		t.Fatalf("%d links", len(links))
	}
	wantSerials := []uint32{0xfffffffe, 0xffffffff, 0}
	wantTrim := []int64{500, 100, 960}
	wantPackets := []int{len(mono), len(stereo), len(surround)}
	for i, l := range links {
		if l.serial != wantSerials[i] || len(l.packets) != wantPackets[i] {
			t.Errorf("link %d: serial %#x, %d packets", i, l.serial, len(l.packets))
		}
		if got := l.packetSamples(t) - l.final; got != wantTrim[i] {
			t.Errorf("link %d: trimmed %d, want %d", i, got, wantTrim[i])
		}
	}
	if !equalHeader(links[1].head, oggopus.Header{Channels: 2, PreSkip: 120, InputSampleRate: 48000,
		OutputGain: 256, StreamCount: 1, CoupledCount: 1}) || links[1].tags.Vendor != "" ||
		len(links[1].tags.Comments) != 2 || !bytes.Equal(links[1].tags.Binary, []byte{1, 2}) {
		t.Errorf("link 2: %+v %+v", links[1].head, links[1].tags)
	}
	if links[0].tags.Vendor != "first" || !equalHeader(links[2].head, head51) || links[2].tags.Vendor != "v3" {
		t.Errorf("links 1 and 3: %+v %+v", links[0].tags, links[2].head)
	}
}

// TestOggWriterNextLinkFirst calls NextLink before anything is written:
// it sets the first link's header and tags, and no empty link is written.
// An invalid header or tags change nothing.
func TestOggWriterNextLinkFirst(t *testing.T) {
	frames := sampleFrames(t, samples.Speech)[:5]
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithSerial(1))
	h := oggopus.Header{Channels: 1, PreSkip: 200, OutputGain: -256}
	if err := ow.NextLink(h, oggopus.Tags{Vendor: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		h  oggopus.Header
		tg oggopus.Tags
	}{
		{oggopus.Header{}, oggopus.Tags{}},
		{oggopus.Header{Channels: 9, MappingFamily: 1}, oggopus.Tags{}},
		{h, oggopus.Tags{Comments: make([]string, oggopus.MaxComments+1)}},
	} {
		if err := ow.NextLink(bad.h, bad.tg); !errors.Is(err, opusrt.ErrHeader) {
			t.Errorf("NextLink(%+v): %v, want ErrHeader", bad.h, err)
		}
	}
	for _, f := range frames {
		ow.Write(f)
	}
	// NextLink then Close: the second link has no audio, and is written
	// as an empty stream (one packet, final granule = pre-skip).
	if err := ow.NextLink(h, oggopus.Tags{Vendor: "y"}); err != nil {
		t.Fatal(err)
	}
	ow.Close()
	if err := ow.NextLink(h, oggopus.Tags{}); !errors.Is(err, opusrt.ErrDone) {
		t.Errorf("NextLink after Close: %v", err)
	}
	links := oggLinks(t, buf.Bytes())
	if len(links) != 2 || links[0].serial != 1 || links[0].head.PreSkip != 200 || links[0].head.OutputGain != -256 ||
		links[0].tags.Vendor != "x" || len(links[0].packets) != 5 {
		t.Fatalf("%d links, first %+v %+v", len(links), links[0].head, links[0].tags)
	}
	if l := links[1]; l.serial != 2 || l.tags.Vendor != "y" || len(l.packets) != 1 || l.final != 200 {
		t.Errorf("second link: serial %d vendor %q, %d packets, final granule %d", l.serial, l.tags.Vendor, len(l.packets), l.final)
	}
}

// TestOggWriterShorterThanPreSkip writes less audio than the pre-skip: the
// link is filled up to the pre-skip and trimmed to it (it plays nothing,
// as a player would play it anyway), so no final granule is below the
// pre-skip, which players reject.
func TestOggWriterShorterThanPreSkip(t *testing.T) {
	frame := opusrt.Frame{byte(opus.MakeTOC(1, false, 0)), 1} // SILK NB 20 ms
	var buf bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&buf, 0, opusrt.WithPreSkip(3000), opusrt.WithSerial(1))
	ow.Write(frame)
	ow.TrimEnd(100)
	ow.Close()
	links := oggLinks(t, buf.Bytes())
	want := [][]byte{frame, {byte(opus.MakeTOC(1, false, 3)), 3}}
	if len(links) != 1 || len(links[0].packets) != 2 || !bytes.Equal(links[0].packets[1], want[1]) || links[0].final != 3000 {
		t.Fatalf("packets % x, final granule %d; want % x, 3000", links[0].packets, links[0].final, want)
	}
	if ow.Duration() != frame.Duration() {
		t.Errorf("Duration %v: the fill is not on the timeline", ow.Duration())
	}
}

// FuzzOggWriterLinks drives an OggWriter with fuzzed frames, losses, trims,
// flushes and links, and parses the output with the codec packages alone:
// every link has the RFC 7845 layout (oggLinks), its valid frames in order,
// and a final granule between its pre-skip and its packets' samples.
func FuzzOggWriterLinks(f *testing.F) {
	f.Add([]byte{0, 3, 0xf8, 1, 2, 1, 50, 2, 30, 3, 1, 0, 2, 0xfc, 9, 4, 5})
	f.Add([]byte{3, 200, 1, 255, 3, 7, 2, 255})
	f.Fuzz(func(t *testing.T, in []byte) {
		var buf bytes.Buffer
		ow, err := opusrt.NewOggWriter(&buf, 0, opusrt.WithSerial(1), opusrt.WithMaxPageDuration(100e6))
		if err != nil {
			t.Fatal(err)
		}
		type want struct {
			frames  [][]byte
			preSkip int
			trim    bool
		}
		links := []want{{preSkip: opusrt.DefaultPreSkip}}
		cur := &links[0]
		started := false
		for len(in) >= 2 {
			op, arg := in[0]%6, in[1]
			in = in[2:]
			switch op {
			case 0: // a frame of arg bytes
				n := min(int(arg), len(in))
				frame := opusrt.Frame(in[:n])
				in = in[n:]
				err := ow.Write(frame)
				if frame.Valid() != (err == nil) {
					t.Fatalf("Write(% x) = %v", frame, err)
				}
				if err == nil {
					cur.frames = append(cur.frames, bytes.Clone(frame))
					started = true
				}
			case 1:
				if err := ow.WriteLoss(time.Duration(arg) * time.Millisecond); err != nil {
					t.Fatal(err)
				}
				started = started || arg > 0
			case 2:
				ow.TrimEnd(int(arg) * 10)
				cur.trim = arg > 0
			case 3:
				h := oggopus.Header{Channels: 1 + int(arg&1), PreSkip: int(arg) * 40}
				if err := ow.NextLink(h, oggopus.Tags{Vendor: "fuzz"}); err != nil {
					t.Fatal(err)
				}
				if started {
					links = append(links, want{})
					cur = &links[len(links)-1]
				}
				*cur = want{preSkip: h.PreSkip}
				started = false
			case 4:
				if err := ow.Flush(); err != nil {
					t.Fatal(err)
				}
			case 5:
				if err := ow.NextLink(oggopus.Header{Channels: int(arg)%9 + 3}, oggopus.Tags{}); err == nil {
					t.Fatal("NextLink accepted family 0 with more than 2 channels")
				}
			}
		}
		if err := ow.Close(); err != nil {
			t.Fatal(err)
		}
		got := oggLinks(t, buf.Bytes())
		if len(got) != len(links) {
			t.Fatalf("%d links, want %d", len(got), len(links))
		}
		for i, l := range got {
			w := links[i]
			if l.head.PreSkip != w.preSkip {
				t.Errorf("link %d: pre-skip %d, want %d", i, l.head.PreSkip, w.preSkip)
			}
			j := 0
			for _, p := range l.packets {
				if j < len(w.frames) && bytes.Equal(p, w.frames[j]) {
					j++
				} else if !isLossPacket(p) {
					t.Fatalf("link %d: unexpected packet % x", i, p)
				}
			}
			if j != len(w.frames) {
				t.Fatalf("link %d: %d of %d frames", i, j, len(w.frames))
			}
			samples := l.packetSamples(t)
			if l.final < int64(w.preSkip) || l.final > samples {
				t.Errorf("link %d: final granule %d out of pre-skip %d to %d", i, l.final, w.preSkip, samples)
			}
		}
	})
}

// isLossPacket reports whether p is one of the writer's loss packets: a TOC
// alone, or code 3 CBR without padding and with no frame data.
func isLossPacket(p []byte) bool {
	return len(p) == 1 || len(p) == 2 && p[0]&3 == 3 && p[1]&0xc0 == 0
}
