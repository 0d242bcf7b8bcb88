package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/sdp"
)

// The RTP interop tests: ffmpeg and GStreamer send to recv, and receive
// from send --rtp, on loopback. Each streams the 3.3 s stereo sample in
// real time. They skip when a tool is missing, and fail under CI=true.

// interopSample is the input of the interop tests.
const interopSample = "stereo.opus"

// packets returns the audio packets of the Ogg Opus file name, in order;
// a loss in it fails the test.
func packets(t *testing.T, name string) []opusrt.Frame {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	or, err := opusrt.NewOggReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []opusrt.Frame
	for {
		p, loss, err := or.Frame()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s after %d packets: %v", name, len(out), err)
		}
		if loss > 0 {
			t.Fatalf("%s: %v lost after %d packets", name, loss, len(out))
		}
		out = append(out, p)
	}
}

// samePackets checks that got holds want's packets, in order.
func samePackets(t *testing.T, got, want []opusrt.Frame) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d packets recorded, want the input's %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("packet %d differs from the input's: % x…, want % x…", i, got[i][:min(8, len(got[i]))], want[i][:min(8, len(want[i]))])
			return
		}
	}
}

// catchInterrupt lets the test send SIGINT to the tools it starts: a test
// run from a background shell inherits SIGINT ignored, and so would they.
// While the test runs, the test process catches SIGINT itself, which resets
// it to the default in the children.
func catchInterrupt(t *testing.T) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, os.Interrupt)
	t.Cleanup(func() { signal.Stop(c) })
}

// startTool starts a tool, killed at the end of the test if still running.
func startTool(t *testing.T, name string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(tooltest.Require(t, name), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &out
}

// stopTool sends sig and waits for the tool to exit.
func stopTool(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer, sig os.Signal) {
	t.Helper()
	cmd.Process.Signal(sig)
	waitTool(t, cmd, out)
}

// waitTool waits, at most 5 s, for the tool to exit.
func waitTool(t *testing.T, cmd *exec.Cmd, out *bytes.Buffer) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd.Path, err, out)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not stop\n%s", cmd.Path, out)
	}
}

// ffmpegSamples decodes path with ffmpeg and returns the samples per
// channel. (opusdec refuses ffmpeg 5's copy of an RTP stream: its first
// page's granule is less than the samples on it.)
func ffmpegSamples(t testing.TB, path string) int {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(tooltest.Require(t, "ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path,
		"-f", "s16le", "-ac", "2", "-ar", "48000", "-")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg decoding %s: %v\n%s", path, err, errb.String())
	}
	return out.Len() / 4
}

// waitListening waits until a UDP socket is bound to port, as
// /proc/net/udp lists them (binding the port to find out would race with
// the tool's own bind). Without /proc it waits a second.
func waitListening(t *testing.T, port int) {
	t.Helper()
	want := fmt.Sprintf(":%04X ", port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			time.Sleep(time.Second)
			return
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			if f := strings.Fields(line); len(f) > 1 && strings.HasSuffix(f[1]+" ", want) {
				time.Sleep(100 * time.Millisecond) // bound, and about to read
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on UDP port %d", port)
}

// recvFromTool records what a tool sends to recv's port and checks the
// recording against the input.
func recvFromTool(t *testing.T, send func(addr string) (*exec.Cmd, *bytes.Buffer)) {
	in := sample(t, interopSample)
	out := filepath.Join(t.TempDir(), "rec.opus")
	// A playout delay longer than the stream: what is checked here is that
	// every packet is taken, not how late a loaded machine delivers them.
	r := startRecv(t, "-o", out, "--idle", "1s", "--json", "--playout-delay", "4s")
	cmd, log := send(r.addr)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd.Path, err, log)
	}
	res := r.wait(t, 10*time.Second)
	sum := res.summary(t)
	if res.code != 0 || sum.RTP == nil {
		t.Fatalf("recv: exit %d, rtp %+v: %s", res.code, sum.RTP, res.stderr)
	}
	if sum.Late != 0 || sum.Duplicate != 0 || sum.ConcealedMs != 0 {
		t.Errorf("recv: %d late, %d duplicate, %v ms concealed: %s", sum.Late, sum.Duplicate, sum.ConcealedMs, res.stderr)
	}
	samePackets(t, packets(t, out), packets(t, in))
	// The recording has no end trimming: it decodes to the input's
	// length plus the input's trim, less than one frame.
	got, want := tooltest.OpusDecSamples(t, out), tooltest.OpusDecSamples(t, in)
	if got < want || got > want+960 {
		t.Errorf("the recording decodes to %d samples, the input to %d", got, want)
	}
}

func TestInteropFFmpegToRecv(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 3.3 s in real time")
	}
	tooltest.Require(t, "ffmpeg")
	recvFromTool(t, func(addr string) (*exec.Cmd, *bytes.Buffer) {
		return startTool(t, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-i", sample(t, interopSample),
			"-c:a", "copy", "-f", "rtp", "rtp://"+addr)
	})
}

func TestInteropGStreamerToRecv(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 3.3 s in real time")
	}
	tooltest.Require(t, "gst-launch-1.0")
	recvFromTool(t, func(addr string) (*exec.Cmd, *bytes.Buffer) {
		host, port, _ := net.SplitHostPort(addr)
		return startTool(t, "gst-launch-1.0", "-q", "filesrc", "location="+sample(t, interopSample), "!", "oggdemux", "!",
			"rtpopuspay", "!", "udpsink", "host="+host, "port="+port)
	})
}

// sendToTool runs send --rtp --sdp into a receiving tool started by
// receive (given the SDP file, after send wrote it), stopped with sig, and
// checks that the tool's file decodes to the input's length within the
// startup slack (the tool may miss the first packets).
//
// A tool that copies the packets (copied) must hold the input's, byte for
// byte and in order, from the first it caught to the end.
func sendToTool(t *testing.T, sig os.Signal, copied bool, decode func(t testing.TB, path string) int, receive func(sdpFile string, s *sdp.Session, out string) (*exec.Cmd, *bytes.Buffer)) {
	in := sample(t, interopSample)
	dir := t.TempDir()
	sdpFile, out := filepath.Join(dir, "s.sdp"), filepath.Join(dir, "out.opus")
	addr := freeAddr(t)
	// A first send, all lost on the simulated network, only writes the
	// SDP, so that the tool can be started before the stream.
	if r := runOpusrt(t, nil, "send", "--rtp", "--sdp", sdpFile, "--to", addr, "--loss", "100", in); r.code != 0 {
		t.Fatalf("send: exit %d: %s", r.code, r.stderr)
	}
	first := readFile(t, sdpFile)
	s, err := sdp.Parse(first)
	if err != nil {
		t.Fatalf("the SDP send wrote: %v\n%s", err, first)
	}
	if _, port, _ := net.SplitHostPort(addr); s.Address != "127.0.0.1" || fmt.Sprint(s.Port) != port || s.PayloadType != 111 {
		t.Fatalf("the SDP says %s:%d, payload type %d; want %s, 111", s.Address, s.Port, s.PayloadType, addr)
	}
	cmd, log := receive(sdpFile, s, out)
	waitListening(t, s.Port)
	r := runOpusrt(t, nil, "send", "--rtp", "--sdp", sdpFile, "--to", addr, in)
	if r.code != 0 {
		t.Fatalf("send: exit %d: %s", r.code, r.stderr)
	}
	if again := readFile(t, sdpFile); !bytes.Equal(again, first) {
		t.Errorf("send wrote another SDP the second time:\n%s\nthen\n%s", first, again)
	}
	if sig != nil {
		time.Sleep(300 * time.Millisecond) // the tool's own jitter buffer
		stopTool(t, cmd, log, sig)
	} else {
		waitTool(t, cmd, log) // it stops on send's BYE
	}
	got, want := decode(t, out), tooltest.OpusDecSamples(t, in)
	const slack = 48000 / 2 // the tool may miss the first half second
	if got < want-slack || got > want+960+312 {
		t.Errorf("%s decodes to %d samples, the input to %d\n%s", filepath.Base(cmd.Path), got, want, log)
	}
	if copied {
		gotP, wantP := packets(t, out), packets(t, in)
		missed := len(wantP) - len(gotP)
		if missed < 0 || missed > slack/960 {
			t.Fatalf("%s holds %d packets, the input %d", filepath.Base(cmd.Path), len(gotP), len(wantP))
		}
		samePackets(t, gotP, wantP[missed:])
	}
}

func TestInteropSendToFFmpeg(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 3.3 s in real time")
	}
	tooltest.Require(t, "ffmpeg")
	sendToTool(t, nil, true, ffmpegSamples, func(sdpFile string, _ *sdp.Session, out string) (*exec.Cmd, *bytes.Buffer) {
		return startTool(t, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
			"-protocol_whitelist", "file,udp,rtp", "-i", sdpFile, "-c", "copy", out)
	})
}

func TestInteropSendToGStreamer(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 3.3 s in real time")
	}
	tooltest.Require(t, "gst-launch-1.0")
	catchInterrupt(t)
	sendToTool(t, os.Interrupt, false, tooltest.OpusDecSamples, func(_ string, s *sdp.Session, out string) (*exec.Cmd, *bytes.Buffer) {
		caps := fmt.Sprintf("application/x-rtp,media=audio,clock-rate=48000,encoding-name=OPUS,payload=%d", s.PayloadType)
		// oggmux needs the Opus headers, which rtpopusdepay does not make
		// (opusparse would, but it is in -bad): opusdec ! opusenc make
		// them, and keep the length, which is what is checked.
		return startTool(t, "gst-launch-1.0", "-q", "-e", "udpsrc", fmt.Sprintf("port=%d", s.Port), "caps="+caps, "!",
			"rtpjitterbuffer", "!", "rtpopusdepay", "!", "opusdec", "!", "opusenc", "!", "oggmux", "!", "filesink", "location="+out)
	})
}
