package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// toc20 is a TOC-only Opus packet of one 20 ms CELT frame: valid, empty.
var toc20 = opusrt.Frame{0xf8}

// voice20 is a small valid 20 ms packet.
var voice20 = opusrt.Frame{0xf8, 0xff, 0xfe}

// recvRun is a recv started in-process.
type recvRun struct {
	addr   string
	cancel context.CancelFunc
	done   chan result
	start  time.Time
}

// startRecv runs recv on a free loopback port with args; it returns once
// recv listens.
func startRecv(t *testing.T, args ...string) *recvRun {
	t.Helper()
	return startRecvTo(t, nil, args...)
}

// startRecvTo is startRecv with the command's stdout. recv listens on
// 127.0.0.1:0; its "listening on" line gives the port.
func startRecvTo(t *testing.T, stdout io.Writer, args ...string) *recvRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &recvRun{cancel: cancel, done: make(chan result, 1), start: time.Now()}
	errb := &syncBuffer{}
	go func() {
		var out bytes.Buffer
		w := io.Writer(&out)
		if stdout != nil {
			w = stdout
		}
		code := run(ctx, append([]string{"recv", "--listen", "127.0.0.1:0"}, args...), bytes.NewReader(nil), w, errb)
		r.done <- result{out.String(), errb.String(), code}
	}()
	t.Cleanup(cancel)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		line, _, _ := strings.Cut(errb.String(), "\n")
		if a, ok := strings.CutPrefix(line, "listening on "); ok {
			r.addr, _, _ = strings.Cut(a, ",")
			return r
		}
		select {
		case res := <-r.done:
			t.Fatalf("recv exited %d: %s", res.code, res.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("recv does not listen: %q", errb.String())
	return nil
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wait returns recv's result, failing the test if it takes more than
// limit.
func (r *recvRun) wait(t *testing.T, limit time.Duration) result {
	t.Helper()
	select {
	case res := <-r.done:
		return res
	case <-time.After(limit):
		r.cancel()
		t.Fatalf("recv still running after %v", limit)
	}
	return result{}
}

// summary parses recv's --json output.
func (res result) summary(t *testing.T) recvSummary {
	t.Helper()
	var s recvSummary
	if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
		t.Fatalf("recv JSON: %v\nstdout %q\nstderr %q", err, res.stdout, res.stderr)
	}
	return s
}

// dialFrom returns a UDP socket from local (an IP, port chosen) to addr.
func dialFrom(t *testing.T, local, addr string) *net.UDPConn {
	t.Helper()
	la := &net.UDPAddr{IP: net.ParseIP(local)}
	ra, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", la, ra)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// sendFrames sends n stamped frames of f from c, stamps from first on in
// steps of f's duration, pausing a little every 32 so that the kernel's
// receive queue keeps up.
func sendFrames(t *testing.T, c net.Conn, f opusrt.Frame, first opusrt.EpochMillis, n int) opusrt.EpochMillis {
	t.Helper()
	step := opusrt.FromDuration(f.Duration())
	s := first
	for i := range n {
		if _, err := c.Write(opusrt.ToStamped(f, s)); err != nil {
			t.Fatal(err)
		}
		s += step
		if i%32 == 31 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	return s
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want datagramKind
	}{
		{"empty", nil, kindOther},
		{"stamped", []byte{0, 0, 1, 0x8b, 0x00, 0x00, 0x00, 0x00, 0xf8}, kindStamped},
		{"versioned", []byte{1, 0, 1, 0x8b, 0x00, 0x00, 0x00, 0x00, 0xf8, 0xff}, kindStamped},
		{"stamp only", []byte{0, 0, 1, 0x8b, 0x00, 0x00, 0x00, 0x00}, kindStampedInvalid},
		{"stamped code 3 no count", []byte{0, 0, 1, 0x8b, 0x00, 0x00, 0x00, 0x00, 0xfb}, kindStampedInvalid},
		{"rtp", []byte{0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xf8}, kindRTP},
		{"rtp marker", []byte{0x80, 0xef, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xf8}, kindRTP},
		{"rtp short", []byte{0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0xde}, kindOther},
		{"rtcp sr", []byte{0x80, 200, 0, 6, 0xde, 0xad, 0xbe, 0xef}, kindRTCP},
		{"rtcp rr", []byte{0x81, 201, 0, 7, 0xde, 0xad, 0xbe, 0xef}, kindRTCP},
		{"version 1", []byte{0x40, 0x6f, 0, 1, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xf8}, kindOther},
		{"text", []byte("hello, world"), kindOther},
	} {
		if got := classify(tc.data); got != tc.want {
			t.Errorf("%s: classify(% x) = %d, want %d", tc.name, tc.data, got, tc.want)
		}
	}
}

// TestReceiverFollows drives the receiver's choice of stream on made-up
// times, without a socket.
func TestReceiverFollows(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.1:1000")
	b := netip.MustParseAddrPort("127.0.0.1:2000")
	c := netip.MustParseAddrPort("127.0.0.2:1000")
	t0 := time.Unix(1_700_000_000, 0)
	s0 := opusrt.FromTime(t0)
	stamped := func(s opusrt.EpochMillis) []byte { return opusrt.ToStamped(voice20, s) }
	type dg struct {
		from netip.AddrPort
		at   time.Duration
		data []byte
	}
	for _, tc := range []struct {
		name     string
		in       []dg
		followed netip.AddrPort
		want     rxCounts // compared: Audio, Invalid, Ignored, Takeovers, Unconfirmed, Other
	}{
		{"one frame is not enough", []dg{{a, 0, stamped(s0)}}, netip.AddrPort{},
			rxCounts{Unconfirmed: 1}},
		{"two agreeing frames follow", []dg{{a, 0, stamped(s0)}, {a, 20 * time.Millisecond, stamped(s0 + 20)}}, a,
			rxCounts{Audio: 2}},
		{"frames that disagree do not", []dg{{a, 0, stamped(s0)}, {a, 1, stamped(s0 + 6000)}, {a, 2, stamped(s0 - 6000)}}, netip.AddrPort{},
			rxCounts{Unconfirmed: 3}},
		{"garbage first", []dg{{a, 0, []byte("garbage!!!")}, {a, 1, stamped(s0 + 1<<40)}, {b, 2, stamped(s0)}, {b, 3, stamped(s0 + 20)}}, b,
			rxCounts{Audio: 2, Other: 1, Unconfirmed: 1}},
		{"others ignored while the sender sends", []dg{
			{a, 0, stamped(s0)}, {a, 20 * time.Millisecond, stamped(s0 + 20)},
			{b, 500 * time.Millisecond, stamped(s0 + 40)}, {b, 520 * time.Millisecond, stamped(s0 + 60)},
			{a, 999 * time.Millisecond, []byte{0xff}}, {b, 1019 * time.Millisecond, stamped(s0 + 80)},
		}, a, rxCounts{Audio: 2, Ignored: 3, Invalid: 1}},
		{"a quiet sender is replaced", []dg{
			{a, 0, stamped(s0)}, {a, 20 * time.Millisecond, stamped(s0 + 20)},
			{c, 1020 * time.Millisecond, stamped(s0 + 1020)}, {c, 1040 * time.Millisecond, stamped(s0 + 1040)},
			{a, 1060 * time.Millisecond, stamped(s0 + 1060)},
		}, c, rxCounts{Audio: 4, Ignored: 1, Takeovers: 1}},
		{"the quiet sender comes back", []dg{
			{a, 0, stamped(s0)}, {a, 20 * time.Millisecond, stamped(s0 + 20)},
			{a, 5 * time.Second, stamped(s0 + 5000)},
		}, a, rxCounts{Audio: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &receiver{rtb: opusrt.RealtimeFrom(opusrt.NewBuffer(0))}
			for _, d := range tc.in {
				r.handle(d.data, d.from, t0.Add(d.at))
			}
			got, followed, ok, _, _ := r.counts()
			if followed.addr != tc.followed || ok != tc.followed.IsValid() {
				t.Errorf("following %v (%v), want %v", followed, ok, tc.followed)
			}
			got.Datagrams, got.RTPByType = 0, [128]int64{}
			if got != tc.want {
				t.Errorf("counts %+v, want %+v", got, tc.want)
			}
			if s := r.rtb.Stats(); s.PacketsReceived != uint64(tc.want.Audio) {
				t.Errorf("buffer received %d, want %d", s.PacketsReceived, tc.want.Audio)
			}
		})
	}
}

func TestSenderSetBounded(t *testing.T) {
	var s senderSet
	for i := range 5000 {
		s.add(netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)}), 9))
	}
	if len(s.m) != maxOtherSenders || !s.full || sendersText(len(s.m), s.full) != "more than 1024" {
		t.Errorf("%d remembered, full %v", len(s.m), s.full)
	}
}

// TestRecvFourDatagrams is the attack of issue 11: TOC-only frames stamped
// now, now−1, then far ahead, then now+200 ms. The recording must stay
// small: no gap is filled with more than the resync threshold.
func TestRecvFourDatagrams(t *testing.T) {
	for _, tc := range []struct {
		jump opusrt.EpochMillis
		idle string // "0": stopped by Ctrl-C
	}{{1 << 40, "300ms"}, {opusrt.FromDuration(time.Hour), "300ms"}, {1 << 40, "0"}} {
		t.Run(fmt.Sprint(tc.jump, "/idle=", tc.idle), func(t *testing.T) {
			jump := tc.jump
			out := filepath.Join(t.TempDir(), "rec.opus")
			r := startRecv(t, "-o", out, "--idle", tc.idle, "--json")
			c := dialFrom(t, "127.0.0.1", r.addr)
			now := opusrt.Now()
			for _, s := range []opusrt.EpochMillis{now, now - 1, now + jump, now + 200} {
				c.Write(opusrt.ToStamped(toc20, s))
			}
			if tc.idle == "0" {
				time.Sleep(300 * time.Millisecond)
				r.cancel()
			}
			res := r.wait(t, 5*time.Second)
			sum := res.summary(t)
			if res.code != 0 {
				t.Errorf("exit %d: %s", res.code, res.stderr)
			}
			// At most the four frames and a capped fill before each.
			if limit := 4*20 + 3*ms(maxFill); sum.OutputMs > limit {
				t.Errorf("recorded %v ms of 4 frames, want at most %v", sum.OutputMs, limit)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > 4096 || st.Size() != sum.OutputBytes {
				t.Errorf("file of %d bytes (summary says %d), want a few hundred", st.Size(), sum.OutputBytes)
			}
		})
	}
}

// TestRecvGarbageFirst: 2000 random datagrams from one sender, then a real
// stream from another: the stream is recorded.
func TestRecvGarbageFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "2s", "--json")
	g := dialFrom(t, "127.0.0.1", r.addr)
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 200)
	for i := range 2000 {
		n := 1 + rng.IntN(len(buf))
		for j := range n {
			buf[j] = byte(rng.Uint32())
		}
		g.Write(buf[:n])
		if i%64 == 63 {
			time.Sleep(time.Millisecond)
		}
	}
	c := dialFrom(t, "127.0.0.1", r.addr)
	sendFrames(t, c, voice20, opusrt.Now(), 100)
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if res.code != 0 {
		t.Errorf("exit %d: %s", res.code, res.stderr)
	}
	if sum.Sender != c.LocalAddr().String() || sum.Datagrams != 100 || sum.Played != 100 {
		t.Errorf("followed %s (want %s), %d datagrams, played %d, want 100", sum.Sender, c.LocalAddr(), sum.Datagrams, sum.Played)
	}
	if sum.NotAudio+sum.Ignored != 2000 {
		t.Errorf("garbage counted as %d before audio + %d ignored, want 2000", sum.NotAudio, sum.Ignored)
	}
	if sum.OutputMs != 2000 {
		t.Errorf("recorded %v ms, want 2000", sum.OutputMs)
	}
}

// TestRecvRestartedSender: a sender goes quiet and comes back from a new
// port; recv follows it and records both parts.
func TestRecvRestartedSender(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "3s", "--json")
	a := dialFrom(t, "127.0.0.1", r.addr)
	s := sendFrames(t, a, voice20, opusrt.Now(), 25)
	time.Sleep(takeoverAfter + 200*time.Millisecond)
	b := dialFrom(t, "127.0.0.1", r.addr)
	sendFrames(t, b, voice20, s+opusrt.FromDuration(takeoverAfter+200*time.Millisecond), 25)
	r.cancel()
	res := r.wait(t, 5*time.Second)
	sum := res.summary(t)
	if res.code != 0 || sum.Stopped != "interrupted" {
		t.Errorf("exit %d, stopped %q: %s", res.code, sum.Stopped, res.stderr)
	}
	if sum.Takeovers != 1 || sum.Sender != b.LocalAddr().String() || sum.Played != 50 {
		t.Errorf("%d takeovers, following %s (want %s), played %d of 50: %+v", sum.Takeovers, sum.Sender, b.LocalAddr(), sum.Played, sum)
	}
}

// TestRecvDrainsAtStop: a device flushes 20 s in a burst; on SIGINT (or
// --idle) recv writes all it holds, at once.
func TestRecvDrainsAtStop(t *testing.T) {
	for _, stop := range []string{"interrupt", "idle"} {
		t.Run(stop, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rec.opus")
			idle := "200ms"
			if stop == "interrupt" {
				idle = "0"
			}
			r := startRecv(t, "-o", out, "--idle", idle, "--json")
			c := dialFrom(t, "127.0.0.1", r.addr)
			sendFrames(t, c, voice20, opusrt.Now(), 1000) // 20 s
			if stop == "interrupt" {
				r.cancel()
			}
			stopAt := time.Now()
			res := r.wait(t, 5*time.Second)
			// Writing 8 s held takes far less than playing it out.
			if d := time.Since(stopAt); d > 3*time.Second {
				t.Errorf("recv took %v to finish after the stop", d)
			}
			took := time.Since(stopAt)
			sum := res.summary(t)
			t.Logf("finished %v after the stop, %d frames (%v ms) recorded", took, sum.Played, sum.OutputMs)
			if res.code != 0 {
				t.Errorf("exit %d: %s", res.code, res.stderr)
			}
			if sum.Left != 0 || sum.Played != sum.Received || sum.Received < 500 {
				t.Errorf("received %d, played %d, left %d: want all played", sum.Received, sum.Played, sum.Left)
			}
			if sum.OutputMs < float64(sum.Played)*20 {
				t.Errorf("recorded %v ms for %d frames", sum.OutputMs, sum.Played)
			}
			checkWholePages(t, readFile(t, out), int(sum.Played))
		})
	}
}

// checkWholePages reads data as Ogg Opus to its end: every page whole,
// frames frames (or more, with fill) in it.
func checkWholePages(t *testing.T, data []byte, frames int) {
	t.Helper()
	or, err := opusrt.NewOggReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("recording: %v", err)
	}
	n := 0
	for {
		f, _, err := or.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("recording after %d frames: %v", n, err)
		}
		if f != nil {
			n++
		}
	}
	if n < frames {
		t.Errorf("recording holds %d packets, want at least %d", n, frames)
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// failingWriter takes limit bytes, then fails.
type failingWriter struct {
	bytes.Buffer
	limit int
}

var errFull = errors.New("disk full (test)")

func (w *failingWriter) Write(p []byte) (int, error) {
	if room := w.limit - w.Len(); len(p) > room {
		w.Buffer.Write(p[:max(room, 0)])
		return max(room, 0), errFull
	}
	return w.Buffer.Write(p)
}

// TestRecvWriteError: the output fails after a few kilobytes; recv says so
// in one line, exits 1, and what it wrote before is whole pages.
func TestRecvWriteError(t *testing.T) {
	w := &failingWriter{limit: 20000}
	r := startRecvTo(t, w, "-o", "-", "--idle", "0")
	c := dialFrom(t, "127.0.0.1", r.addr)
	big := append(opusrt.Frame{0xf8}, bytes.Repeat([]byte{0x55}, 300)...)
	sendFrames(t, c, big, opusrt.Now(), 100) // 30 kB in pages of 1 s, 15 kB
	time.Sleep(100 * time.Millisecond)
	r.cancel()
	res := r.wait(t, 5*time.Second)
	checkLastLineError(t, res, 1, "write failed after ")
	if !strings.Contains(res.stderr, "disk full (test); the file keeps") {
		t.Errorf("stderr %q", res.stderr)
	}
	var whole int
	if _, err := fmt.Sscanf(res.stderr[strings.Index(res.stderr, "after "):], "after %d bytes", &whole); err != nil || whole == 0 || whole > w.Len() {
		t.Fatalf("stderr %q: want the bytes kept (%d written)", res.stderr, w.Len())
	}
	checkWholePages(t, w.Bytes()[:whole], 1)
}

// TestRecvFullDisk records onto a 64 KiB tmpfs: the file is kept, cut to
// its last whole page, and recv says so.
func TestRecvFullDisk(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	defer syscall.Unmount(dir, 0)
	out := filepath.Join(dir, "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "0")
	c := dialFrom(t, "127.0.0.1", r.addr)
	big := append(opusrt.Frame{0xf8}, bytes.Repeat([]byte{0x55}, 1000)...)
	sendFrames(t, c, big, opusrt.Now(), 150) // 150 kB: more than fits
	time.Sleep(100 * time.Millisecond)
	r.cancel()
	res := r.wait(t, 5*time.Second)
	checkLastLineError(t, res, 1, "no space left on device; the file keeps")
	data := readFile(t, out)
	if len(data) < 32<<10 {
		t.Errorf("file of %d bytes kept on a 64 KiB disk", len(data))
	}
	checkWholePages(t, data, 1)
	checkKeptSaid(t, res.stderr, len(packets(t, out)))
}

// TestRecvNoValidAudio: exit status 1 and one line saying what came.
func TestRecvNoValidAudio(t *testing.T) {
	for _, tc := range []struct {
		name string
		send func(c net.Conn)
		want string
	}{
		{"nothing", func(net.Conn) {}, "no valid audio: nothing received on 127.0.0.1:"},
		{"garbage", func(c net.Conn) {
			for range 50 {
				c.Write([]byte{0xff, 1, 2, 3})
			}
		}, "no valid audio: of 50 datagrams, 50 were neither stamped frames nor RTP"},
		{"one frame", func(c net.Conn) { c.Write(opusrt.ToStamped(voice20, opusrt.Now())) },
			"no valid audio: of 1 datagrams, 1 were stamped frames that no second frame of their sender confirmed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rec.opus")
			r := startRecv(t, "-o", out, "--idle", "200ms")
			tc.send(dialFrom(t, "127.0.0.1", r.addr))
			if tc.name == "nothing" {
				time.Sleep(100 * time.Millisecond)
				r.cancel()
			}
			res := r.wait(t, 5*time.Second)
			checkLastLineError(t, res, 1, tc.want)
			if _, err := os.Stat(out); err != nil {
				t.Errorf("the empty recording is gone: %v", err)
			}
		})
	}
}

// TestRecvFlood: while the sender sends, 1100 other addresses flood the
// port, and one goes on sending after the sender stopped: recv records the
// sender, counts the rest, remembers a bounded number of addresses, and
// stops on --idle all the same.
func TestRecvFlood(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rec.opus")
	r := startRecv(t, "-o", out, "--idle", "300ms", "--json")
	c := dialFrom(t, "127.0.0.1", r.addr)
	s := sendFrames(t, c, voice20, opusrt.Now(), 10)
	flooded := 0
	for i := range 1100 {
		f := dialFrom(t, fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250), r.addr)
		for range 5 {
			f.Write(opusrt.ToStamped(voice20, s))
			flooded++
		}
		f.Close()
		if i%20 == 0 {
			s = sendFrames(t, c, voice20, s, 1)
		}
	}
	// A stranger keeps sending: recv stops on --idle anyway.
	stranger := dialFrom(t, "127.0.0.1", r.addr)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				stranger.Write([]byte("hello"))
				stranger.Write(opusrt.ToStamped(voice20, opusrt.Now()))
			}
		}
	}()
	res := r.wait(t, 5*time.Second)
	close(done)
	sum := res.summary(t)
	if res.code != 0 || !strings.HasPrefix(sum.Stopped, "idle") {
		t.Errorf("exit %d, stopped %q: %s", res.code, sum.Stopped, res.stderr)
	}
	if sum.Sender != c.LocalAddr().String() || sum.Played != 65 {
		t.Errorf("followed %s, played %d, want %s and 65", sum.Sender, sum.Played, c.LocalAddr())
	}
	if sum.Ignored < int64(flooded)*9/10 || sum.OtherSenders != 1024 || !sum.MoreSenders {
		t.Errorf("ignored %d of %d flooded, from %d senders (more: %v)", sum.Ignored, flooded, sum.OtherSenders, sum.MoreSenders)
	}
}

// TestRecvSecondInterrupt: a second SIGINT stops at once; the file is valid
// up to its last page.
func TestRecvSecondInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "rec.opus")
	rc, addr, stderr := startRecvProcess(t, bin, nil, "-o", out, "--idle", "0")
	c := dialFrom(t, "127.0.0.1", addr)
	sendFrames(t, c, voice20, opusrt.Now(), 300)
	time.Sleep(1300 * time.Millisecond) // a page is flushed every second of playout
	rc.Process.Signal(os.Interrupt)
	rc.Process.Signal(os.Interrupt)
	exited := make(chan error, 1)
	go func() { exited <- rc.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == exitInterrupted) {
			t.Errorf("recv exited with %v, want 0 or %d: %s", err, exitInterrupted, stderr.String())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("recv did not stop on a second SIGINT")
	}
	checkWholePages(t, readFile(t, out), 1)
}

// TestRecvSIGTERM: SIGTERM stops as SIGINT does: all held is written.
func TestRecvSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "rec.opus")
	stdout := &syncBuffer{}
	rc, addr, stderr := startRecvProcess(t, bin, stdout, "-o", out, "--idle", "0", "--json")
	c := dialFrom(t, "127.0.0.1", addr)
	sendFrames(t, c, voice20, opusrt.Now(), 300)
	time.Sleep(50 * time.Millisecond)
	rc.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- rc.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("recv exited with %v: %s", err, stderr.String())
		}
	case <-time.After(3 * time.Second):
		t.Fatal("recv did not stop on SIGTERM")
	}
	sum := result{stdout: stdout.String()}.summary(t)
	if sum.Stopped != "interrupted" || sum.Played != sum.Received || sum.Left != 0 {
		t.Errorf("summary %+v", sum)
	}
	checkWholePages(t, readFile(t, out), int(sum.Played))
}

// startRecvProcess runs the built command's recv on 127.0.0.1:0 with args
// and returns once it listens, with the address its "listening on" line
// names.
func startRecvProcess(t *testing.T, bin string, stdout io.Writer, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	return startListening(t, stdout, append([]string{bin, "recv", "--listen", "127.0.0.1:0"}, args...))
}

// startListening runs argv (a recv, perhaps in a wrapper) and returns once
// it listens, with the address its "listening on" line names.
func startListening(t *testing.T, stdout io.Writer, argv []string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	rc := exec.Command(argv[0], argv[1:]...)
	rc.Stdout, rc.Stderr = stdout, stderr
	if err := rc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Process.Kill(); rc.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		line, _, _ := strings.Cut(stderr.String(), "\n")
		if a, ok := strings.CutPrefix(line, "listening on "); ok {
			addr, _, _ := strings.Cut(a, ",")
			return rc, addr, stderr
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("recv does not listen: %q", stderr.String())
	return nil, "", nil
}

// checkLastLineError checks the exit status and that stderr ends with one
// line "opusrt: ..." saying want, after recv's "listening" line.
func checkLastLineError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "listening on ") {
		t.Errorf("stderr %q, want the listening line and one line of error", r.stderr)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "opusrt: ") || strings.Count(last, "opusrt") != 1 || !strings.Contains(last, want) {
		t.Errorf("last line %q, want one \"opusrt: \" prefix and %q", last, want)
	}
}

// TestRecvSIGKILL: killed mid-recording, recv leaves a file of whole pages
// (each written in one call, unbuffered): valid up to its last page.
func TestRecvSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "rec.opus")
	rc, addr, _ := startRecvProcess(t, bin, nil, "-o", out, "--idle", "0", "--playout-delay", "60ms")
	c := dialFrom(t, "127.0.0.1", addr)
	sendFrames(t, c, voice20, opusrt.Now(), 200)
	time.Sleep(2500 * time.Millisecond) // two pages flushed, a second apart
	rc.Process.Kill()
	rc.Wait()
	checkWholePages(t, readFile(t, out), 50)
}

// TestRecvSerial: --serial sets the recording's Ogg serial number, in hex
// or decimal, and the summary names it; without it the serial is random.
func TestRecvSerial(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want uint32
	}{{"0x1234abcd", 0x1234abcd}, {"7", 7}, {"", 0}} {
		t.Run(tc.arg, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rec.opus")
			args := []string{"-o", out, "--idle", "300ms", "--json"}
			if tc.arg != "" {
				args = append(args, "--serial", tc.arg)
			}
			r := startRecv(t, args...)
			sendFrames(t, dialFrom(t, "127.0.0.1", r.addr), voice20, opusrt.Now(), 5)
			res := r.wait(t, 5*time.Second)
			sum := res.summary(t)
			data := readFile(t, out)
			if res.code != 0 || len(data) < 27 {
				t.Fatalf("exit %d, %d bytes: %s", res.code, len(data), res.stderr)
			}
			got := uint32(data[14]) | uint32(data[15])<<8 | uint32(data[16])<<16 | uint32(data[17])<<24
			if uint32(sum.Serial) != got || tc.arg != "" && got != tc.want {
				t.Errorf("file's serial %#x, summary's %v, want %#x", got, sum.Serial, tc.want)
			}
		})
	}
	for _, bad := range []string{"0x100000000", "-1", "abc"} {
		r := runOpusrt(t, nil, "recv", "-o", filepath.Join(t.TempDir(), "x.opus"), "--serial", bad)
		if r.code != 2 || !strings.Contains(r.stderr, "--serial") {
			t.Errorf("--serial %s: exit %d: %s", bad, r.code, r.stderr)
		}
	}
}

// TestRecvQuickRestart: a sender stops and, 100 ms later, starts again
// from a new port (over RTP with a new SSRC): what the new stream sent
// while recv waited for the old one to be quiet for takeoverAfter is held
// and given to the buffer when it takes over: every packet of both
// streams (before, 43 of the new stream's 100 were ignored).
func TestRecvQuickRestart(t *testing.T) {
	for _, isRTP := range []bool{false, true} {
		t.Run(fmt.Sprint("rtp=", isRTP), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rec.opus")
			r := startRecv(t, "-o", out, "--idle", "1500ms", "--json")
			send := func(c net.Conn, from, n int) {
				if !isRTP {
					sendNumbered(t, c, from, from+n, 0, opusrt.Now(), 20*time.Millisecond)
					return
				}
				s := &rtpStream{pt: 111, ssrc: uint32(from + 1), seq: uint16(from * 100)}
				next := time.Now()
				for range n {
					c.Write(s.next(voice20, false))
					next = next.Add(20 * time.Millisecond)
					time.Sleep(time.Until(next))
				}
			}
			send(dialFrom(t, "127.0.0.1", r.addr), 0, 50)
			time.Sleep(100 * time.Millisecond)
			b := dialFrom(t, "127.0.0.1", r.addr)
			send(b, 50, 100)
			res := r.wait(t, 5*time.Second)
			sum := res.summary(t)
			if res.code != 0 || sum.Takeovers != 1 || !strings.HasPrefix(sum.Sender, b.LocalAddr().String()) {
				t.Errorf("exit %d, %d takeovers, following %s: %s", res.code, sum.Takeovers, sum.Sender, res.stderr)
			}
			// The new stream starts on the timeline at the takeover,
			// stamped or RTP: all of it is played, though it waited.
			if sum.Played != 150 || sum.Late != 0 || sum.Ignored != 0 {
				t.Errorf("played %d of 150, %d late, %d ignored", sum.Played, sum.Late, sum.Ignored)
			}
		})
	}
}
