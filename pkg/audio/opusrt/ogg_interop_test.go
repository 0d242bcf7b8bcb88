package opusrt_test

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// decodedLength returns how many samples a player outputs for a one-link
// file of ours: the packets' samples less the pre-skip, which is the final
// granule less the pre-skip.
func decodedLength(t testing.TB, b []byte) int64 {
	pages := pagesOf(t, b)
	pre := int64(pages[0].Body[10]) | int64(pages[0].Body[11])<<8
	var sum int64
	for _, p := range independentPackets(t, b) {
		sum += int64(opus.PacketSamples(p))
	}
	return sum - pre
}

// TestOggWriterInterop checks every kind of file the writer makes with
// opusinfo (no warning, no error), and opusdec, ffmpeg and GStreamer (the
// expected sample count) and ffprobe (start time 0). It skips when a tool
// is missing, except in CI.
func TestOggWriterInterop(t *testing.T) {
	for _, tool := range []string{"opusinfo", "opusdec", "ffmpeg", "ffprobe", "gst-launch-1.0"} {
		tooltest.Require(t, tool)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	// Large valid packets: CELT fullband 20 ms, code 3 CBR of 6 frames of
	// 1275 bytes (7652 bytes), and code 0 packets of exactly 3 and 4 times
	// 255 bytes, whose lacing ends with a 0.
	large := func() []opusrt.Frame {
		var fs []opusrt.Frame
		for i := range 30 {
			var f opusrt.Frame
			switch i % 3 {
			case 0:
				f = append(opusrt.Frame{byte(opus.MakeTOC(31, false, 3)), 6}, random(6*1275)...)
			case 1:
				f = append(opusrt.Frame{byte(opus.MakeTOC(31, false, 0))}, random(3*255-1)...)
			default:
				f = append(opusrt.Frame{byte(opus.MakeTOC(31, false, 0))}, random(4*255-1)...)
			}
			if !f.Valid() {
				t.Fatalf("test packet %d invalid", i)
			}
			fs = append(fs, f)
		}
		return fs
	}
	type write func(ow *opusrt.OggWriter) error
	frameWrites := func(name string) write {
		return func(ow *opusrt.OggWriter) error {
			for _, f := range sampleFrames(t, name) {
				if err := ow.Write(f); err != nil {
					return err
				}
			}
			return nil
		}
	}
	tests := []struct {
		name  string
		opts  []opusrt.OggOption
		write write
	}{
		{"speech", nil, frameWrites(samples.Speech)},
		{"stereo", nil, frameWrites(samples.Stereo)},
		{"60 ms multi-frame packets", nil, frameWrites(samples.Frames60ms)},
		{"120 ms packets", nil, frameWrites(samples.FFmpeg120ms)},
		{"2.5 ms frames, pages of 255 lacing values", nil, frameWrites(samples.Frames2500us)},
		{"pre-skip 120, 100 ms pages", []opusrt.OggOption{opusrt.WithPreSkip(120), opusrt.WithMaxPageDuration(100 * time.Millisecond)},
			frameWrites(samples.Speech)},
		{"OpusTags over three pages", []opusrt.OggOption{opusrt.WithTags("",
			"A="+strings.Repeat("x", 60000), "B="+strings.Repeat("y", 60000), "C="+strings.Repeat("z", 60000))},
			frameWrites(samples.Speech)},
		{"loss filled", nil, func(ow *opusrt.OggWriter) error {
			frames := sampleFrames(t, samples.Speech)
			src := &lossySource{frames: frames, losses: make([]time.Duration, len(frames))}
			for i := 5; i < len(frames); i += 37 {
				src.losses[i] = time.Duration(i%300) * time.Millisecond
			}
			_, _, err := ow.WriteFrom(src)
			return err
		}},
		{"leading loss", nil, func(ow *opusrt.OggWriter) error {
			if err := ow.WriteLoss(500 * time.Millisecond); err != nil {
				return err
			}
			return frameWrites(samples.Speech)(ow)
		}},
		{"flush then close: empty EOS page", nil, func(ow *opusrt.OggWriter) error {
			if err := frameWrites(samples.Speech)(ow); err != nil {
				return err
			}
			return ow.Flush()
		}},
		{"flush after every frame", nil, func(ow *opusrt.OggWriter) error {
			for _, f := range sampleFrames(t, samples.Speech)[:100] {
				if err := ow.Write(f); err != nil {
					return err
				}
				if err := ow.Flush(); err != nil {
					return err
				}
			}
			return nil
		}},
		{"large packets across pages", nil, func(ow *opusrt.OggWriter) error {
			for _, f := range large() {
				if err := ow.Write(f); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			ow, err := opusrt.NewOggWriter(&buf, 16000, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.write(ow); err != nil {
				t.Fatal(err)
			}
			if err := ow.Close(); err != nil {
				t.Fatal(err)
			}
			path := tooltest.WriteTemp(t, "out.opus", buf.Bytes())
			rep := tooltest.OpusInfo(t, path)
			if !rep.Clean() {
				t.Errorf("opusinfo:\n%s", rep.Problems())
			}
			// SPEC: final granule − pre-skip is the packets' total length.
			want := decodedLength(t, buf.Bytes())
			pages := pagesOf(t, buf.Bytes())
			pre := int64(pages[0].Body[10]) | int64(pages[0].Body[11])<<8
			if got := finalGranule(t, buf.Bytes()); got != want {
				t.Errorf("final granule less pre-skip %d, want the packets' %d samples less the pre-skip %d", got, want+pre, pre)
			}
			// Players output the packets less the pre-skip; opusinfo
			// truncates the milliseconds of a float: allow 1 ms.
			playback := opus.SamplesDuration(int(want))
			if len(rep.Streams) != 1 || rep.Streams[0].Playback > playback || rep.Streams[0].Playback < playback-time.Millisecond-time.Microsecond {
				t.Errorf("opusinfo streams %+v; want playback %v", rep.Streams, playback)
			}
			// And ffmpeg, ffprobe and GStreamer agree.
			checkPlayers(t, path, oggLinks(t, buf.Bytes()), want, -1)
			// Our own pages check out too.
			for _, pg := range pagesOf(t, buf.Bytes()) {
				if pg.Granule >= 0 && pg.Packets() == 0 {
					t.Errorf("page %d: granule %d with no packet ending on it", pg.Sequence, pg.Granule)
				}
			}
		})
	}
}

// TestOggRoundTripSamples reads each sample, writes its packets with
// losses filled, and reads the result: every packet comes back byte for
// byte, and opusinfo finds nothing wrong with the copy.
func TestOggRoundTripSamples(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			data, _ := samples.ReadFile(name)
			or, err := opusrt.NewOggReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			ow, _ := opusrt.NewOggWriter(&buf, or.Header.InputSampleRate, opusrt.WithPreSkip(or.Header.PreSkip))
			n, loss, err := ow.WriteFrom(or)
			if err != nil || loss != 0 {
				t.Fatalf("WriteFrom: %d frames, loss %v, %v", n, loss, err)
			}
			ow.Close()
			want := independentPackets(t, data)
			got := independentPackets(t, buf.Bytes())
			if len(got) != len(want) || int(n) != len(want) {
				t.Fatalf("%d packets copied, want %d", len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("packet %d differs", i)
				}
			}
			if tooltest.InCI() || hasTool("opusinfo") {
				rep := tooltest.OpusInfo(t, tooltest.WriteTemp(t, "copy.opus", buf.Bytes()))
				if !rep.Clean() {
					t.Errorf("opusinfo on the copy:\n%s", rep.Problems())
				}
			}
		})
	}
}

// finalGranule returns the last page's granule less the pre-skip.
func finalGranule(t testing.TB, b []byte) int64 {
	pages := pagesOf(t, b)
	pre := int64(pages[0].Body[10]) | int64(pages[0].Body[11])<<8
	g := int64(-1)
	for _, pg := range pages {
		if pg.Granule >= 0 {
			g = pg.Granule
		}
	}
	return g - pre
}

func hasTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
