package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// tinyPackets writes an Ogg Opus file of n TOC-only packets of 2.5 ms (one
// byte each: the smallest valid packet, the most packets per byte) and
// returns its name.
func tinyPackets(t *testing.T, n int) string {
	t.Helper()
	var b bytes.Buffer
	ow, err := opusrt.NewOggWriter(&b, 48000, opusrt.WithSerial(1))
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := ow.Write(opusrt.Frame{16 << 3}); err != nil { // CELT NB 2.5 ms, code 0
			t.Fatal(err)
		}
	}
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "tiny.opus")
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// The input is read as it is sent and the output written as it is played:
// what simulate holds is bounded by the network and the buffer, not by the
// input's length (it used to keep every packet: 617 MB for a 6.3 MB file of
// tiny packets).
func TestSimulateMemoryBounded(t *testing.T) {
	const n = 60000 // 150 s of 2.5 ms packets
	in := tinyPackets(t, n)
	for _, tc := range []struct {
		name string
		net  func(*netFlags)
	}{
		{"default", func(*netFlags) {}},
		{"jitter-100ms", func(n *netFlags) { n.jitter = 100 * time.Millisecond }},
		{"loss-reorder-duplicate", func(n *netFlags) { n.loss, n.reorder, n.dup = 20, 10, 10 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "heard.opus")
			nf := defaultNet
			tc.net(&nf)
			cfg, err := nf.config()
			if err != nil {
				t.Fatal(err)
			}
			res, err := runSimulate(context.Background(), &env{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)},
				simOptions{in: in, out: out, net: cfg, playout: playoutSpec{mode: playoutFixed, delay: opusrt.DefaultPlayoutDelay}})
			if err != nil {
				t.Fatal(err)
			}
			if res.sent != n {
				t.Fatalf("sent %d packets, want %d", res.sent, n)
			}
			// The most packets simulate may follow at once: those sent
			// and not yet played or gone, which the network and the
			// buffer hold: the packets sent during the longest delay in
			// the network, and the playout delay, and a few more.
			bound := int((res.delays.max+opusrt.DefaultPlayoutDelay)/(2500*time.Microsecond)) + 64
			if res.maxOpen > bound {
				t.Errorf("followed up to %d packets at once, want at most %d (of %d; longest delay %v)", res.maxOpen, bound, n, res.delays.max)
			}
			t.Logf("followed up to %d packets at once (of %d; longest delay %v)", res.maxOpen, n, res.delays.max)
			if res.outLength < res.duration/2 {
				t.Errorf("output %v, input %v", res.outLength, res.duration)
			}
		})
	}
}

// stopAfter is a context that is done after its Err has been asked n
// times: a Ctrl-C that comes in the middle of a run, at a point the test
// chooses, without a clock.
type stopAfter struct {
	context.Context
	n    atomic.Int64
	once sync.Once
	done chan struct{}
}

func newStopAfter(n int64) *stopAfter {
	c := &stopAfter{Context: context.Background(), done: make(chan struct{})}
	c.n.Store(n)
	return c
}

func (c *stopAfter) Err() error {
	if c.n.Add(-1) >= 0 {
		return nil
	}
	c.once.Do(func() { close(c.done) })
	return context.Canceled
}

func (c *stopAfter) Done() <-chan struct{} { return c.done }

// A signal (the command's context done) stops a run at once: it fails
// with "interrupted", leaves no temporary output behind and an existing
// output file as it was.
func TestSimulateInterrupted(t *testing.T) {
	in := tinyPackets(t, 60000)
	dir := t.TempDir()
	out := filepath.Join(dir, "heard.opus")
	if err := os.WriteFile(out, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := newStopAfter(5)
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"simulate", in, "-o", out}, nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "opusrt: interrupted") {
		t.Errorf("exit %d, stderr %q: want 1, \"opusrt: interrupted\"", code, stderr.String())
	}
	if left := ctx.n.Load(); left >= 0 {
		t.Errorf("the run ended before it was interrupted (%d looks left)", left)
	}
	if data, _ := os.ReadFile(out); string(data) != "keep me" {
		t.Errorf("an interrupted run changed the existing file: %q", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left behind: %v", ents)
	}
}

// blockedReader blocks every Read until the test ends, after saying on
// reading that a Read began.
type blockedReader struct {
	reading chan struct{}
	end     chan struct{}
}

func (b *blockedReader) Read(p []byte) (int, error) {
	select {
	case b.reading <- struct{}{}:
	default:
	}
	<-b.end
	return 0, io.EOF
}

// A signal stops a run blocked reading stdin (a pipe nobody writes to) or
// writing stdout (a pipe nobody reads).
func TestSimulateInterruptedOnPipes(t *testing.T) {
	in := &blockedReader{reading: make(chan struct{}, 1), end: make(chan struct{})}
	defer close(in.end)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"simulate", "-"}, in, &stdout, &stderr)
		done <- result{stdout.String(), stderr.String(), code}
	}()
	<-in.reading
	cancel()
	if r := <-done; r.code != 1 || !strings.Contains(r.stderr, "opusrt: interrupted") {
		t.Errorf("blocked on stdin: exit %d, stderr %q", r.code, r.stderr)
	}

	out := &blockedWriter{writing: make(chan struct{}, 1), end: make(chan struct{})}
	defer close(out.end)
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		var stderr bytes.Buffer
		code := run(ctx, []string{"simulate", "-o", "-", "--duration", "10m"}, nil, out, &stderr)
		done <- result{"", stderr.String(), code}
	}()
	<-out.writing
	cancel()
	if r := <-done; r.code != 1 || !strings.Contains(r.stderr, "opusrt: interrupted") {
		t.Errorf("blocked on stdout: exit %d, stderr %q", r.code, r.stderr)
	}
}

// blockedWriter blocks every Write until the test ends, after saying on
// writing that a Write began.
type blockedWriter struct {
	writing chan struct{}
	end     chan struct{}
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	select {
	case b.writing <- struct{}{}:
	default:
	}
	<-b.end
	return 0, io.ErrClosedPipe
}
