package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// freeAddr returns a loopback UDP address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().String()
}

// waitBound waits until something listens on addr: binding it fails.
func waitBound(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

func runOpusrtCtx(ctx context.Context, args ...string) result {
	var out, errb bytes.Buffer
	code := run(ctx, args, bytes.NewReader(nil), &out, &errb)
	return result{out.String(), errb.String(), code}
}

func TestSendRecvLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time UDP stream of a few seconds")
	}
	out := filepath.Join(t.TempDir(), "rec.opus")
	// --idle is what stops recv: long enough that a saturated machine's
	// stall in send's stream does not stop it before the end.
	rcv := startRecv(t, "-o", out, "--idle", "2s", "--json")
	addr, recvDone := rcv.addr, rcv.done

	// send sends through a relay, so that the test knows when its stream
	// reaches recv: the intruder sends only after its first ten datagrams,
	// whatever the machine's load. Loopback delivers in order, so recv
	// reads send's datagrams before the intruder's.
	relay, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	fwd := dialFrom(t, "127.0.0.1", addr)
	flowing := make(chan struct{})
	go func() {
		buf := make([]byte, 64<<10)
		for n := 0; ; n++ {
			k, _, err := relay.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			fwd.Write(buf[:k])
			if n == 9 {
				close(flowing)
			}
		}
	}()

	// Another sender, after the first one has started: counted, ignored.
	intruder, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.Close()
	go func() {
		<-flowing
		for range 5 {
			intruder.Write(opusrt.ToStamped(opusrt.Frame{0xf8, 0xff, 0xfe}, opusrt.Now()))
		}
	}()

	sr := runOpusrt(t, nil, "send", sample(t, samples.Stereo), "--to", relay.LocalAddr().String(), "--json",
		"--loss", "8", "--burst", "2", "--reorder", "5", "--duplicate", "3", "--jitter", "5ms", "--seed", "3")
	if sr.code != 0 {
		t.Fatalf("send: exit %d: %s", sr.code, sr.stderr)
	}
	var sent sendSummary
	if err := json.Unmarshal([]byte(sr.stdout), &sent); err != nil {
		t.Fatalf("send JSON: %v\n%s", err, sr.stdout)
	}
	var rr result
	select {
	case rr = <-recvDone:
	case <-time.After(10 * time.Second):
		t.Fatal("recv did not stop on --idle")
	}
	if rr.code != 0 {
		t.Fatalf("recv: exit %d: %s", rr.code, rr.stderr)
	}
	var got recvSummary
	if err := json.Unmarshal([]byte(rr.stdout), &got); err != nil {
		t.Fatalf("recv JSON: %v\n%s", err, rr.stdout)
	}
	ref, _ := samples.Reference(samples.Stereo)
	if sent.Packets != ref.Packets || sent.Lost == 0 || sent.Datagrams != sent.Packets-sent.Lost+sent.Duplicated {
		t.Errorf("send summary %+v", sent)
	}
	if got.Received != uint64(sent.Datagrams) || got.Datagrams != int64(sent.Datagrams) {
		t.Errorf("received %d frames in %d datagrams, sent %d datagrams", got.Received, got.Datagrams, sent.Datagrams)
	}
	if got.Played+got.Late+got.Duplicate+got.Dropped+got.Resynced != got.Received {
		t.Errorf("played+late+duplicate+dropped+resynced ≠ received: %+v", got)
	}
	if got.Duplicate+got.Late < uint64(sent.Duplicated) {
		t.Errorf("%d duplicated but only %d duplicate and %d late", sent.Duplicated, got.Duplicate, got.Late)
	}
	if got.Ignored != 5 || got.OtherSenders != 1 || !strings.HasPrefix(got.Stopped, "idle") {
		t.Errorf("ignored %d from %d others, stopped %q", got.Ignored, got.OtherSenders, got.Stopped)
	}
	if want := float64(got.Played)*20 + got.ConcealedMs; got.OutputMs != want {
		t.Errorf("output %v ms, want played %d×20 + concealed %v = %v ms", got.OutputMs, got.Played, got.ConcealedMs, want)
	}
	// Loss at the very end of the stream is not seen by the receiver.
	if got.OutputMs > sent.AudioMs || got.OutputMs < sent.AudioMs-200 {
		t.Errorf("recorded %v ms of %v ms sent", got.OutputMs, sent.AudioMs)
	}
	if rep := tooltest.OpusInfo(t, out); !rep.Clean() {
		t.Errorf("opusinfo: %s", rep.Problems())
	}
	if dec := tooltest.OpusDec(t, out); dec.Samples != int(got.OutputMs*48)-opusrt.DefaultPreSkip || dec.Channels != 2 {
		t.Errorf("decoded %d samples × %d channels, want %d × 2", dec.Samples, dec.Channels, int(got.OutputMs*48)-opusrt.DefaultPreSkip)
	}
}

// binary builds the command once for the tests that need a process.
func binary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH: cannot build the command")
	}
	built.Lock()
	defer built.Unlock()
	if built.bin != "" {
		return built.bin
	}
	dir, err := os.MkdirTemp("", "opusrt-test-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "opusrt")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("go build: %v\n%s", err, out)
	}
	built.bin, built.dir = bin, dir
	return bin
}

// built is the command binary tests run, built once per test run and
// removed by TestMain.
var built struct {
	sync.Mutex
	bin, dir string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func TestRecvInterruptLeavesValidFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and streams for a second")
	}
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "rec.opus")
	rc, addr, stderr := startRecvProcess(t, bin, nil, "-o", out, "--idle", "0")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sendDone := make(chan result, 1)
	go func() { sendDone <- runOpusrtCtx(ctx, "send", "--to", addr, "--loop", "--loss", "5") }()
	time.Sleep(1500 * time.Millisecond) // mid-stream
	if err := rc.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- rc.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("recv exited with %v after SIGINT: %s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("recv did not stop on SIGINT")
	}
	cancel()
	<-sendDone
	if !strings.Contains(stderr.String(), "interrupted: received") {
		t.Errorf("stderr: %s", stderr.String())
	}
	rep := tooltest.OpusInfo(t, out)
	if !rep.Clean() {
		t.Errorf("opusinfo after SIGINT: %s", rep.Problems())
	}
	if len(rep.Streams) != 1 || rep.Streams[0].Playback < time.Second {
		t.Errorf("recorded %+v, want over a second of audio", rep.Streams)
	}
}

func TestLiveErrors(t *testing.T) {
	busy, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"port-in-use", []string{"recv", "--listen", busy.LocalAddr().String(), "-o", filepath.Join(dir, "a.opus")}, 1, "address already in use"},
		{"recv-no-output", []string{"recv"}, 2, "needs -o"},
		{"recv-bad-listen", []string{"recv", "--listen", "nonsense", "-o", filepath.Join(dir, "b.opus")}, 2, "--listen nonsense"},
		{"recv-negative-idle", []string{"recv", "-o", filepath.Join(dir, "c.opus"), "--idle", "-1s"}, 2, "must not be negative"},
		{"send-no-to", []string{"send"}, 2, "needs --to"},
		{"send-bad-to", []string{"send", "--to", "127.0.0.1"}, 2, "--to 127.0.0.1: "},
		{"send-missing-file", []string{"send", filepath.Join(dir, "nope.opus"), "--to", "127.0.0.1:9"}, 1, "no such file"},
		{"send-bad-loss", []string{"send", "--to", "127.0.0.1:9", "--loss", "-3"}, 2, "--loss -3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, tc.args...), tc.code, tc.want)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "a.opus")); !errors.Is(err, os.ErrNotExist) {
		t.Error("recv on a busy port left a file behind")
	}
}
