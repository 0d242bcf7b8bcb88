package samples_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
)

// constants lists every exported name constant; each must name a sample.
var constants = []string{
	samples.Speech, samples.Frames10ms, samples.Frames60ms, samples.Frames5ms,
	samples.Frames2500us, samples.Stereo, samples.Chained, samples.ChainedMixed,
	samples.Long, samples.FFmpeg, samples.FFmpeg120ms,
}

func TestNamesMatchConstants(t *testing.T) {
	names := samples.Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v, not sorted", names)
	}
	want := slices.Sorted(slices.Values(constants))
	if !slices.Equal(names, want) {
		t.Errorf("Names() = %v\nconstants = %v", names, want)
	}
}

// TestReferenceCoversFiles checks that each embedded file has reference
// figures and is the file they describe: a file regenerated without
// regenerating reference.json fails here.
func TestReferenceCoversFiles(t *testing.T) {
	// reference.json lists no file that is not embedded: see
	// TestReferenceListsOnlyEmbedded. Here every embedded file must have
	// figures, and be the file they describe.
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
			if ref.Name != name {
				t.Errorf("Name = %q", ref.Name)
			}
			if len(data) != ref.Bytes {
				t.Errorf("size %d, reference says %d", len(data), ref.Bytes)
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != ref.SHA256 {
				t.Errorf("sha256 %s, reference says %s (rerun gen.sh)", got, ref.SHA256)
			}
			if !bytes.HasPrefix(data, []byte("OggS\x00\x02")) {
				t.Errorf("does not start with a BOS page: % x", data[:min(6, len(data))])
			}
			// OpusHead is alone on the first page: 27 header bytes, one
			// lacing value, then the packet.
			if len(data) < 28+8 || data[26] != 1 || string(data[28:36]) != "OpusHead" {
				t.Errorf("first page is not OpusHead alone")
			}
			if got := bytes.Count(data, []byte("OpusHead")); got != len(ref.Links) {
				t.Errorf("%d OpusHead, reference has %d links", got, len(ref.Links))
			}
		})
	}
}

func TestFiguresConsistent(t *testing.T) {
	for _, name := range samples.Names() {
		ref, err := samples.Reference(name)
		if err != nil {
			t.Fatal(err)
		}
		var pages, packets, payload, channels int
		var packetSamples, playback int64
		for i, l := range ref.Links {
			pages += l.Pages
			packets += l.Packets
			payload += l.PayloadBytes
			packetSamples += l.PacketSamples
			playback += l.PlaybackSamples
			channels = max(channels, l.Channels)
			if l.PlaybackSamples != l.FinalGranule-int64(l.PreSkip) {
				t.Errorf("%s link %d: playback %d != granule %d - pre-skip %d",
					name, i, l.PlaybackSamples, l.FinalGranule, l.PreSkip)
			}
			if trim := l.PacketSamples - l.FinalGranule; trim < 0 || trim >= int64(l.MaxPacketSamples) {
				t.Errorf("%s link %d: end trim %d samples", name, i, trim)
			}
			if codes := l.TOCCodes[0] + l.TOCCodes[1] + l.TOCCodes[2] + l.TOCCodes[3]; codes != l.Packets {
				t.Errorf("%s link %d: TOC codes %v, %d packets", name, i, l.TOCCodes, l.Packets)
			}
			if l.Vendor == "" {
				t.Errorf("%s link %d: no vendor", name, i)
			}
		}
		if pages != ref.Pages || packets != ref.Packets || payload != ref.PayloadBytes ||
			packetSamples != ref.PacketSamples || playback != ref.PlaybackSamples || channels != ref.Channels {
			t.Errorf("%s: totals do not add up over links: %+v", name, ref)
		}
		if ref.DecodedSamples != ref.PlaybackSamples {
			t.Errorf("%s: opusdec decoded %d samples, playback %d", name, ref.DecodedSamples, ref.PlaybackSamples)
		}
		if ms := ref.PlaybackSamples / 48; ms-ref.OpusinfoMillis < 0 || ms-ref.OpusinfoMillis >= int64(len(ref.Links)) {
			t.Errorf("%s: opusinfo says %d ms, playback %d samples", name, ref.OpusinfoMillis, ref.PlaybackSamples)
		}
	}
}

func TestSampleRequirements(t *testing.T) {
	ref := func(name string) samples.Figures {
		t.Helper()
		f, err := samples.Reference(name)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if d := ref(samples.Speech).Duration(); d < 5*time.Second || d > 10*time.Second {
		t.Errorf("Speech lasts %v, want 5–10 s", d)
	}
	if f := ref(samples.Long); f.Duration() < 60*time.Second || f.Bytes > 120<<10 {
		t.Errorf("Long: %v, %d bytes; want at least 60 s in at most 120 KiB", f.Duration(), f.Bytes)
	}
	for name, samples48k := range map[string]int{
		samples.Speech:       960,
		samples.Frames10ms:   480,
		samples.Frames5ms:    240,
		samples.Frames2500us: 120,
		samples.Long:         960,
		samples.FFmpeg120ms:  5760,
	} {
		if f := ref(name); f.Links[0].MinPacketSamples != samples48k || f.Links[0].MaxPacketSamples != samples48k {
			t.Errorf("%s: packets of %d–%d samples, want %d", name,
				f.Links[0].MinPacketSamples, f.Links[0].MaxPacketSamples, samples48k)
		}
	}
	if f := ref(samples.Stereo); f.Channels != 2 {
		t.Errorf("Stereo has %d channels", f.Channels)
	}
	for _, name := range []string{samples.Chained, samples.ChainedMixed} {
		if f := ref(name); len(f.Links) != 2 || f.Links[0].Serial == f.Links[1].Serial {
			t.Errorf("%s: links %+v, want two with different serials", name, f.Links)
		}
	}
	var total int
	for _, name := range samples.Names() {
		total += ref(name).Bytes
	}
	if total > 400<<10 {
		t.Errorf("samples take %d bytes; keep them under 400 KiB", total)
	}
}

func TestOpen(t *testing.T) {
	f, err := samples.Open(samples.Speech)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := samples.ReadFile(samples.Speech)
	if !bytes.Equal(got, want) {
		t.Error("Open and ReadFile differ")
	}
	want[0] = 'X' // the caller owns ReadFile's slice
	if again, _ := samples.ReadFile(samples.Speech); again[0] != 'O' {
		t.Error("ReadFile returned shared memory")
	}
	for _, err := range []error{
		func() error { _, err := samples.Open("nope.opus"); return err }(),
		func() error { _, err := samples.ReadFile("nope.opus"); return err }(),
		func() error { _, err := samples.Reference("nope.opus"); return err }(),
	} {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("unknown name: %v, want fs.ErrNotExist", err)
		}
	}
	if m, err := samples.Tools(); err != nil || m["opusenc"] == "" {
		t.Errorf("Tools() = %v, %v", m, err)
	}
	if matches, err := fs.Glob(samples.FS(), "*.opus"); err != nil || !slices.Equal(matches, samples.Names()) {
		t.Errorf("FS glob = %v, %v", matches, err)
	}
}

func ExampleReference() {
	f, err := samples.Reference(samples.Speech)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %d channel, %d packets of %d ms, %v\n",
		f.Name, f.Channels, f.Packets, f.Links[0].MaxPacketSamples/48, f.Duration())
	// Output:
	// speech.opus: 1 channel, 409 packets of 20 ms, 8.156125s
}
