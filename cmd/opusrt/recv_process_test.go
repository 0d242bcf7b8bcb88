package main

import (
	"bytes"
	encbin "encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// The attacks of issue 11 on a recv process, as a user would make them:
// signals mid-recording, a file size limit, a flood from many addresses
// measured from outside. Each recording is checked with opusinfo and
// opusdec, and packet by packet against what was sent.

// numbered returns the i-th of a run of distinct valid 20 ms packets,
// pad bytes long after its TOC and number, so that a recording can be
// compared packet by packet with what was sent.
func numbered(i, pad int) opusrt.Frame {
	f := make(opusrt.Frame, 3, 3+pad)
	f[0] = 0xf8
	encbin.BigEndian.PutUint16(f[1:], uint16(i))
	return append(f, bytes.Repeat([]byte{0x55}, pad)...)
}

// sendNumbered sends frames from, ..., to-1 of numbered(·, pad) on c as
// stamped datagrams from stamp first on, every pace (0: in a burst,
// pausing a little every 32), and returns them.
func sendNumbered(t *testing.T, c net.Conn, from, to, pad int, first opusrt.EpochMillis, pace time.Duration) []opusrt.Frame {
	t.Helper()
	var sent []opusrt.Frame
	next := time.Now()
	for i := from; i < to; i++ {
		f := numbered(i, pad)
		if _, err := c.Write(opusrt.ToStamped(f, first+opusrt.EpochMillis(20*(i-from)))); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, f)
		switch {
		case pace > 0:
			next = next.Add(pace)
			time.Sleep(time.Until(next))
		case i%32 == 31:
			time.Sleep(2 * time.Millisecond)
		}
	}
	return sent
}

// checkValidRecording checks the file at path with opusinfo (no error; a
// recording cut short has no end of stream, which opusinfo warns of, and
// complete says there must be no warning either) and opusdec, and returns
// its packets.
func checkValidRecording(t *testing.T, path string, complete bool) []opusrt.Frame {
	t.Helper()
	rep := tooltest.OpusInfo(t, path)
	if len(rep.Errors) > 0 || complete && !rep.Clean() {
		t.Errorf("opusinfo %s:\n%s", filepath.Base(path), rep.Problems())
	}
	got := packets(t, path)
	dec := tooltest.OpusDec(t, path)
	if want := 960*len(got) - opusrt.DefaultPreSkip; dec.Samples != want {
		t.Errorf("opusdec decodes %d samples from %d packets of 20 ms, want %d", dec.Samples, len(got), want)
	}
	return got
}

// samePrefix checks that got is the start of sent, at least least packets.
func samePrefix(t *testing.T, got, sent []opusrt.Frame, least int) {
	t.Helper()
	if len(got) < least || len(got) > len(sent) {
		t.Errorf("%d packets recorded of %d sent, want at least %d", len(got), len(sent), least)
	}
	samePackets(t, got, sent[:min(len(got), len(sent))])
}

// waitExit waits, at most limit, for cmd to exit and returns its exit
// status and how long after the call it came.
func waitExit(t *testing.T, cmd *exec.Cmd, stderr *syncBuffer, limit time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, time.Since(start)
		case errors.As(err, &ee) && ee.Exited():
			return ee.ExitCode(), time.Since(start)
		}
		return -1, time.Since(start)
	case <-time.After(limit):
		t.Fatalf("recv still running %v after the signal: %s", limit, stderr.String())
	}
	return 0, 0
}

// TestRecvSignals: SIGINT and SIGTERM mid-recording, with 8 s held in the
// buffer, stop recv at once with everything held in the file, exit 0;
// SIGKILL leaves a file valid up to its last page. opusinfo finds no
// error, opusdec decodes every packet, and the packets are those sent.
func TestRecvSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := binary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "rec.opus")
			stdout := &syncBuffer{}
			args := []string{"-o", out, "--idle", "0", "--json"}
			if sig == syscall.SIGKILL {
				args = append(args, "--playout-delay", "60ms")
			}
			rc, addr, stderr := startRecvProcess(t, bin, stdout, args...)
			c := dialFrom(t, "127.0.0.1", addr)
			sent := sendNumbered(t, c, 0, 400, 20, opusrt.Now(), 0) // 8 s in a burst
			// Playout writes a page every second: some are in the file
			// when the signal comes, the rest is held.
			time.Sleep(2500 * time.Millisecond)
			if err := rc.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			code, took := waitExit(t, rc, stderr, 5*time.Second)
			t.Logf("%v: exited %d, %v after the signal", sig, code, took)
			if sig == syscall.SIGKILL {
				// Two pages were flushed, a second of playout apart.
				samePrefix(t, checkValidRecording(t, out, false), sent, 50)
				return
			}
			if code != 0 {
				t.Errorf("exit status %d: %s", code, stderr.String())
			}
			sum := result{stdout: stdout.String()}.summary(t)
			if sum.Stopped != "interrupted" || sum.Played != 400 || sum.Left != 0 || sum.ConcealedMs != 0 {
				t.Errorf("stopped %q, played %d, left %d, concealed %v ms; want all 400 played", sum.Stopped, sum.Played, sum.Left, sum.ConcealedMs)
			}
			samePackets(t, checkValidRecording(t, out, true), sent)
		})
	}
}

// TestRecvFileSizeLimit records under a file size limit (ulimit -f 64:
// 64 KiB) more than fits: recv says that the write failed and how much the
// file keeps, exits 1, and the file is kept, valid up to its last page.
func TestRecvFileSizeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	sh, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to set the limit")
	}
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "rec.opus")
	rc, addr, stderr := startListening(t, nil, []string{sh, "-c", `ulimit -f 64 && exec "$0" "$@"`,
		bin, "recv", "--listen", "127.0.0.1:0", "-o", out, "--idle", "500ms"})
	c := dialFrom(t, "127.0.0.1", addr)
	sent := sendNumbered(t, c, 0, 150, 1000, opusrt.Now(), 0) // 150 kB
	code, _ := waitExit(t, rc, stderr, 10*time.Second)
	r := result{stderr: stderr.String(), code: code}
	checkLastLineError(t, r, 1, "rec.opus: write failed after ")
	if !strings.Contains(r.stderr, ": file too large; the file keeps the ") {
		t.Errorf("stderr %q, want the cause and what the file keeps", r.stderr)
	}
	data := readFile(t, out)
	var whole int
	line := r.stderr[strings.Index(r.stderr, "after "):]
	if _, err := fmt.Sscanf(line, "after %d bytes", &whole); err != nil || whole != len(data) {
		t.Errorf("stderr %q: the file holds %d bytes", r.stderr, len(data))
	}
	if len(data) > 64<<10 || len(data) < 32<<10 {
		t.Errorf("file of %d bytes under a limit of 64 KiB", len(data))
	}
	got := checkValidRecording(t, out, false)
	samePrefix(t, got, sent, 20)
	checkKeptSaid(t, r.stderr, len(got))
}

// checkKeptSaid checks that stderr's "the file keeps the D recorded"
// names the duration of the packets the file holds.
func checkKeptSaid(t *testing.T, stderr string, packets int) {
	t.Helper()
	_, said, _ := strings.Cut(stderr, "the file keeps the ")
	said, _, _ = strings.Cut(said, " recorded")
	d, err := time.ParseDuration(said)
	if want := time.Duration(packets) * 20 * time.Millisecond; err != nil || d != want {
		t.Errorf("recv says the file keeps %q; it holds %d packets, %v", said, packets, want)
	}
}

// procStat reads a process's resident set size and the CPU time it used.
func procStat(t *testing.T, pid int) (rss int64, cpu time.Duration) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			rss = kb << 10
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// After the command name in parentheses: utime and stime are fields
	// 14 and 15 of the line, in clock ticks (100 a second on Linux).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return rss, time.Duration(utime+stime) * 10 * time.Millisecond
}

// TestRecvFloodProcess: a sender streams 3 s in real time while datagrams
// come from thousands of other addresses (garbage, stamped frames,
// RTP), each once a candidate, hundreds of times the sender's rate:
// the recording is the sender's packets, all of them, in order, and
// recv's memory stays as it was. The CPU time the flood cost is logged
// (speed is measured by BenchmarkReceiverFlood).
func TestRecvFloodProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command, streams 3 s")
	}
	bin := binary(t)
	out := filepath.Join(t.TempDir(), "rec.opus")
	stdout := &syncBuffer{}
	rc, addr, stderr := startRecvProcess(t, bin, stdout, "-o", out, "--idle", "0", "--json")
	c := dialFrom(t, "127.0.0.1", addr)
	first := opusrt.Now()
	sent := sendNumbered(t, c, 0, 10, 20, first, 20*time.Millisecond)
	rss0, cpu0 := procStat(t, rc.Process.Pid)

	var flooded atomic.Int64
	var stop atomic.Bool
	var flooding sync.WaitGroup
	for g := range 2 {
		flooding.Add(1)
		go func() {
			defer flooding.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			buf := make([]byte, 200)
			for i := 0; !stop.Load(); i++ {
				ip := fmt.Sprintf("127.%d.%d.%d", 10+g, 1+i/250%250, 1+i%250)
				f, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)}, c.RemoteAddr().(*net.UDPAddr))
				if err != nil {
					t.Error(err)
					return
				}
				for k := range 20 {
					var d []byte
					switch k % 4 {
					case 0: // garbage
						d = buf[:1+rng.IntN(len(buf))]
						for j := range d {
							d[j] = byte(rng.Uint32())
						}
					case 1: // a stamped frame, as the sender's
						d = opusrt.ToStamped(voice20, first+opusrt.EpochMillis(rng.IntN(3000)))
					default: // RTP of a type recv takes, a valid payload
						d = (&rtpStream{pt: 111, ssrc: rng.Uint32(), seq: uint16(k)}).next(voice20, false)
					}
					f.Write(d)
					flooded.Add(1)
				}
				f.Close()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	var peak int64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for !stop.Load() {
			if rss, _ := procStat(t, rc.Process.Pid); rss > peak {
				peak = rss
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	start := time.Now()
	sent = append(sent, sendNumbered(t, c, 10, 160, 20, first+200, 20*time.Millisecond)...)
	stop.Store(true)
	flooding.Wait()
	<-sampled
	took := time.Since(start)
	time.Sleep(200 * time.Millisecond)
	rss1, cpu1 := procStat(t, rc.Process.Pid)
	rc.Process.Signal(os.Interrupt)
	if code, _ := waitExit(t, rc, stderr, 5*time.Second); code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr.String())
	}
	n := flooded.Load()
	t.Logf("%d datagrams from %d addresses in %v (%.0f/s) beside 160 of the sender: RSS %d KiB before, %d KiB at most, %d KiB after; CPU %v (%.1f µs a datagram)",
		n, n/20, took.Round(time.Millisecond), float64(n)/took.Seconds(), rss0>>10, peak>>10, rss1>>10, cpu1-cpu0, float64(cpu1-cpu0)/float64(time.Microsecond)/float64(n))
	sum := result{stdout: stdout.String()}.summary(t)
	if sum.Sender != c.LocalAddr().String() || sum.Played != 160 || sum.ConcealedMs != 0 {
		t.Errorf("followed %s (want %s), played %d of 160, %v ms concealed", sum.Sender, c.LocalAddr(), sum.Played, sum.ConcealedMs)
	}
	if sum.Ignored+sum.NotAudio < n*9/10 || sum.OtherSenders != maxOtherSenders || !sum.MoreSenders {
		t.Errorf("%d ignored + %d before audio of %d flooded, from %d senders (more: %v)", sum.Ignored, sum.NotAudio, n, sum.OtherSenders, sum.MoreSenders)
	}
	// Nothing is kept per address: the flood costs no memory beyond the
	// bounded set of addresses named in the summary (a few hundred KiB).
	if grow := max(peak, rss1) - rss0; grow > 8<<20 {
		t.Errorf("RSS grew by %d KiB under the flood", grow>>10)
	}
	samePackets(t, checkValidRecording(t, out, true), sent)
}
