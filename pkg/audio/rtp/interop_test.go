package rtp_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
	"github.com/haivivi/giztoy/pkg/audio/sdp"
)

// sampleFrames returns the audio packets of a sample file, in order.
func sampleFrames(t *testing.T, name string) []opusrt.Frame {
	t.Helper()
	data, err := samples.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return framesOf(t, data)
}

// framesOf returns the audio packets of an Ogg Opus file's bytes.
func framesOf(t testing.TB, data []byte) []opusrt.Frame {
	t.Helper()
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var frames []opusrt.Frame
	for {
		f, loss, err := or.Frame()
		if err == io.EOF {
			return frames
		}
		if err != nil || loss != 0 {
			t.Fatalf("reading a sample: loss %v, %v", loss, err)
		}
		frames = append(frames, f)
	}
}

// frameLog is a Sink that keeps what it is given.
type frameLog struct {
	frames []opusrt.Frame
	stamps []opusrt.EpochMillis
}

func (l *frameLog) Append(f opusrt.Frame, stamp opusrt.EpochMillis) error {
	l.frames = append(l.frames, f)
	l.stamps = append(l.stamps, stamp)
	return nil
}

// TestFFmpegToReceiver sends a sample file with `ffmpeg -f rtp` to a
// loopback socket, RTCP muxed on the same port, and checks that the
// Receiver gets every packet in order, stamped 20 ms apart, with ffmpeg's
// sender reports.
func TestFFmpegToReceiver(t *testing.T) {
	ffmpeg := tooltest.Require(t, "ffmpeg")
	want := sampleFrames(t, samples.Speech)
	data, _ := samples.ReadFile(samples.Speech)
	in := tooltest.WriteTemp(t, samples.Speech, data)

	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadBuffer(4 << 20)
	port := conn.LocalAddr().(*net.UDPAddr).Port

	// -readrate 4 paces the 8 s file over 2 s: paced like a live sender,
	// but quick.
	url := fmt.Sprintf("rtp://127.0.0.1:%d?rtcpport=%d", port, port)
	log, rx := receiveFromTool(t, conn, ffmpeg, "-hide_banner", "-loglevel", "error", "-readrate", "4",
		"-i", in, "-c:a", "copy", "-f", "rtp", url)

	s := rx.Stats()
	checkFrames(t, log, want, s)
	if s.PacketsLost != 0 || s.PayloadType != 97 || s.Streams != 1 || s.PacketsIgnored != 0 || s.SenderReports == 0 {
		t.Errorf("stats %+v", s)
	}
	t.Logf("%d packets, %d sender reports, jitter %v", s.PacketsReceived, s.SenderReports, s.Jitter)
}

// receiveFromTool runs a sending tool and feeds what arrives on conn to a
// Receiver until the tool has ended and the socket is quiet, at most 60 s.
func receiveFromTool(t *testing.T, conn *net.UDPConn, tool string, args ...string) (*frameLog, *rtp.Receiver) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	log := &frameLog{}
	rx := rtp.NewReceiver(log)
	buf := make([]byte, 1500)
	exited := false
	for {
		// Short deadlines: between reads, see whether the tool has ended;
		// once it has, one more quiet deadline drains what is queued.
		conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := conn.Read(buf)
		if err == nil {
			// Ignored packets are counted: the tests check the counts.
			if err := rx.Receive(buf[:n]); err != nil && !errors.Is(err, rtp.ErrProbation) && !errors.Is(err, rtp.ErrIgnored) {
				t.Errorf("Receive: %v", err)
			}
			continue
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read: %v", err)
		}
		if exited {
			return log, rx
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v: %s", filepath.Base(tool), err, stderr.String())
			}
			exited = true
		default:
			if ctx.Err() != nil {
				t.Fatalf("%s still running after %v", filepath.Base(tool), 60*time.Second)
			}
		}
	}
}

// checkFrames checks that the Receiver gave every frame of want, in order,
// stamped 20 ms apart.
func checkFrames(t *testing.T, log *frameLog, want []opusrt.Frame, s rtp.ReceiverStats) {
	t.Helper()
	if len(log.frames) != len(want) {
		t.Fatalf("received %d frames, the file has %d (stats %+v)", len(log.frames), len(want), s)
	}
	for i := range want {
		if !bytes.Equal(log.frames[i], want[i]) {
			t.Fatalf("frame %d differs: % x, want % x", i, log.frames[i][:min(8, len(log.frames[i]))], want[i][:min(8, len(want[i]))])
		}
		if got := log.stamps[i] - log.stamps[0]; got != opusrt.EpochMillis(20*i) {
			t.Fatalf("frame %d stamped %d ms after the first, want %d", i, got, 20*i)
		}
	}
}

// TestGStreamerToReceiver sends a sample file with GStreamer's rtpopuspay
// to a loopback socket and checks that the Receiver gets every packet in
// order, stamped 20 ms apart. "oggdemux ! rtpopuspay" sends OpusHead and
// OpusTags first, as payloads of their own, and stamps the first audio
// packet 312 samples (the pre-skip) early: both must be taken in stride.
func TestGStreamerToReceiver(t *testing.T) {
	gst := tooltest.Require(t, "gst-launch-1.0")
	want := sampleFrames(t, samples.Speech)
	data, _ := samples.ReadFile(samples.Speech)
	in := tooltest.WriteTemp(t, samples.Speech, data)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadBuffer(4 << 20)
	port := conn.LocalAddr().(*net.UDPAddr).Port
	// sync=false: as fast as the pipeline runs, a burst the socket
	// buffer holds.
	log, rx := receiveFromTool(t, conn, gst, "-q", "filesrc", "location="+in, "!", "oggdemux", "!", "rtpopuspay", "!",
		"udpsink", "host=127.0.0.1", fmt.Sprintf("port=%d", port), "sync=false")
	s := rx.Stats()
	checkFrames(t, log, want, s)
	if s.PacketsLost != 0 || s.PayloadType != 96 || s.Streams != 1 || s.PacketsIgnored != 2 || s.IgnoredOggHeaders != 2 || s.TimestampOverlaps != 1 {
		t.Errorf("stats %+v", s)
	}
}

// TestPacketizerToFFmpeg sends a sample file's packets from a Packetizer,
// described by an SDP from package sdp, to
// `ffmpeg -protocol_whitelist file,udp,rtp -i s.sdp -c copy out.opus`, ends
// the stream with an RTCP BYE, and reads back ffmpeg's file: every packet,
// in order.
func TestPacketizerToFFmpeg(t *testing.T) {
	ffmpeg := tooltest.Require(t, "ffmpeg")
	frames := sampleFrames(t, samples.Speech)

	// A free even port for RTP and the next one for RTCP.
	port := freePortPair(t)
	desc, err := sdp.NewSession("127.0.0.1", port, rtp.DefaultPayloadType).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sdpPath := tooltest.WriteTemp(t, "s.sdp", desc)
	out := filepath.Join(t.TempDir(), "out.opus")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file,udp,rtp",
		"-i", sdpPath, "-c", "copy", "-y", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	rtpConn := dialUDP(t, port)
	rtcpConn := dialUDP(t, port+1)
	tx := rtp.NewPacketizer()
	awaitListener(t, rtpConn, done, &stderr)

	// Paced at 5 ms a packet (4× real time): ffmpeg's reorder queue must
	// not see a burst bigger than its socket buffer.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var wire []byte
	for i, f := range frames {
		wire, err = tx.AppendPacket(wire[:0], f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rtpConn.Write(wire); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if i%50 == 0 {
			rtcpConn.Write(tx.AppendReport(nil, time.Now()))
		}
		<-tick.C
	}
	// ffmpeg reads the RTP and RTCP sockets in turn: a BYE right after
	// the last packet can overtake it. Give it 200 ms to read them.
	for range 40 {
		<-tick.C
	}
	sr := tx.SenderReport(time.Now())
	bye, _ := rtp.MarshalRTCP(&sr, rtp.CNAME(tx.SSRC(), "test"), &rtp.Goodbye{Sources: []uint32{tx.SSRC()}})
	for {
		rtcpConn.Write(bye) // until ffmpeg ends the stream
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
			}
			got := fileFrames(t, out)
			if len(got) != len(frames) {
				first := -1
				for i := range frames {
					if len(got) > 0 && bytes.Equal(frames[i], got[0]) {
						first = i
						break
					}
				}
				t.Fatalf("ffmpeg wrote %d packets, we sent %d; its first is our %d", len(got), len(frames), first)
			}
			for i := range got {
				if !bytes.Equal(got[i], frames[i]) {
					t.Fatalf("packet %d differs", i)
				}
			}
			return
		case <-tick.C:
		}
	}
}

// TestPacketizerToGStreamer sends a sample file's packets from a
// Packetizer to "udpsrc ! rtpjitterbuffer ! rtpopusdepay ! opusdec !
// wavenc ! filesink", stops it with an interrupt (-e: end of stream, so
// the file is finished), and checks that the decoded length is every
// packet's. (Writing Ogg needs opusparse, from the "bad" plugins, which CI
// does not install.)
func TestPacketizerToGStreamer(t *testing.T) {
	gst := tooltest.Require(t, "gst-launch-1.0")
	frames := sampleFrames(t, samples.Speech)
	port := freePortPair(t)
	out := filepath.Join(t.TempDir(), "out.wav")
	caps := fmt.Sprintf("application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=%d", rtp.DefaultPayloadType)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gst, "-q", "-e", "udpsrc", "address=127.0.0.1", fmt.Sprintf("port=%d", port), "caps="+caps, "!",
		"rtpjitterbuffer", "latency=200", "!", "rtpopusdepay", "!", "opusdec", "plc=true", "!", "wavenc", "!", "filesink", "location="+out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	conn := dialUDP(t, port)
	awaitListener(t, conn, done, &stderr)
	tx := rtp.NewPacketizer()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var wire []byte
	var err error
	for i, f := range frames {
		if wire, err = tx.AppendPacket(wire[:0], f); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(wire); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		<-tick.C
	}
	// The jitter buffer holds 200 ms: let it play out, then interrupt.
	for range 100 {
		<-tick.C
	}
	cmd.Process.Signal(os.Interrupt)
	if err := <-done; err != nil {
		t.Fatalf("gst-launch-1.0: %v: %s", err, stderr.String())
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	samples, err := wavSamples(wav)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, f := range frames {
		want += f.Samples()
	}
	// Every packet decoded: the sum of their samples at 48 kHz.
	if samples != want {
		t.Errorf("GStreamer decoded %d samples, we sent %d (%v)", samples, want, time.Duration(want)*time.Second/48000)
	}
}

// wavSamples returns the sample frames of a 16-bit PCM WAV file at 48 kHz.
func wavSamples(b []byte) (int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, fmt.Errorf("not a WAV file")
	}
	channels, bits, rate := 0, 0, 0
	for i := 12; i+8 <= len(b); {
		id, size := string(b[i:i+4]), int(binary.LittleEndian.Uint32(b[i+4:]))
		body := b[i+8:]
		switch {
		case id == "fmt " && len(body) >= 16:
			channels = int(binary.LittleEndian.Uint16(body[2:]))
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			bits = int(binary.LittleEndian.Uint16(body[14:]))
		case id == "data":
			if channels == 0 || bits == 0 || rate != 48000 {
				return 0, fmt.Errorf("WAV of %d channels, %d bits, %d Hz", channels, bits, rate)
			}
			size = min(size, len(body))
			return size / (channels * bits / 8), nil
		}
		i += 8 + size + size%2
	}
	return 0, fmt.Errorf("WAV without data")
}

// awaitListener sends a probe that is not RTP (a lone byte, which ffmpeg
// drops) until the kernel stops answering with "connection refused": then
// ffmpeg has bound its port and the first real packet will reach it.
func awaitListener(t *testing.T, c *net.UDPConn, done <-chan error, stderr *bytes.Buffer) {
	t.Helper()
	probe := time.NewTicker(10 * time.Millisecond)
	defer probe.Stop()
	ok := 0
	for ok < 3 {
		if _, err := c.Write([]byte{0}); err != nil {
			ok = 0
		} else {
			ok++
		}
		select {
		case err := <-done:
			t.Fatalf("ffmpeg exited before the stream: %v: %s", err, stderr.String())
		case <-probe.C:
		}
	}
}

func dialUDP(t *testing.T, port int) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// freePortPair finds an even UDP port on loopback whose successor is free
// too, as RTP over an SDP wants, and releases both.
func freePortPair(t *testing.T) int {
	t.Helper()
	for range 100 {
		a, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		p := a.LocalAddr().(*net.UDPAddr).Port
		a.Close()
		if p%2 != 0 || p >= 65535 {
			continue
		}
		ln1, err1 := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		ln2, err2 := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		if ln1 != nil {
			ln1.Close()
		}
		if ln2 != nil {
			ln2.Close()
		}
		if err1 == nil && err2 == nil {
			return p
		}
	}
	t.Fatal("no free UDP port pair on loopback")
	return 0
}

// fileFrames reads the packets of an Ogg Opus file on disk.
func fileFrames(t *testing.T, path string) []opusrt.Frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	or, err := opusrt.NewOggReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var frames []opusrt.Frame
	for {
		fr, loss, err := or.Frame()
		if err == io.EOF {
			return frames
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if loss != 0 {
			t.Fatalf("%s: loss of %v after %d packets", path, loss, len(frames))
		}
		frames = append(frames, fr)
	}
}
