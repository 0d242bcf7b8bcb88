package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A real signal, to the real process, in the middle of a long run: it
// stops at once, fails with "interrupted", removes its temporary output
// and leaves the existing output file as it was. (TestSimulateInterrupted
// checks the same of a context done; this checks that main wires the
// signals to it.)
func TestSimulateSignalRemovesTemporaryOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	catchInterrupt(t)
	bin := binary(t)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "heard.opus")
			if err := os.WriteFile(out, []byte("before"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "simulate", "-o", out, "--duration", "1000h")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			// Mid-run: once the temporary output has data.
			deadline := time.Now().Add(30 * time.Second)
			for !hasTemporary(t, dir, 4096) {
				if time.Now().After(deadline) {
					t.Fatal("no temporary output after 30 s")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case err := <-exited:
				if err == nil {
					t.Fatalf("exit 0 after %v", sig)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("still running 5 s after %v", sig)
			}
			if !strings.Contains(stderr.String(), "opusrt: interrupted") {
				t.Errorf("stderr %q", stderr.String())
			}
			if hasTemporary(t, dir, 0) {
				t.Error("the temporary output is left behind")
			}
			if data, err := os.ReadFile(out); err != nil || string(data) != "before" {
				t.Errorf("the existing output is %q, %v; want it as it was", data, err)
			}
		})
	}
}

// hasTemporary reports whether dir holds a file other than heard.opus of
// at least size bytes.
func hasTemporary(t *testing.T, dir string, size int64) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "heard.opus" {
			continue
		}
		if info, err := e.Info(); err == nil && info.Size() >= size {
			return true
		}
	}
	return false
}
