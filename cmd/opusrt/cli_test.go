package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-v"}} {
		r := runOpusrt(t, nil, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "opusrt ") || strings.Count(r.stdout, "\n") != 1 || r.stderr != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line \"opusrt VERSION\"", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestBareUsage(t *testing.T) {
	r := runOpusrt(t, nil)
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "Usage:") || !strings.Contains(r.stderr, "recv") {
		t.Errorf("bare opusrt: exit %d, stdout %q, stderr %q; want the usage on stderr and 2", r.code, r.stdout, r.stderr)
	}
	checkOneLineError(t, runOpusrt(t, nil, "bogus"), 2, `unknown command "bogus"`)
}

// TestOnePrefix: an error of the library inside one of the command's has
// one "opusrt: ", at the start.
func TestOnePrefix(t *testing.T) {
	txt := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(txt, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"simulate", txt},
		{"send", txt, "--to", "127.0.0.1:9"},
	} {
		r := runOpusrt(t, nil, args...)
		checkOneLineError(t, r, 1, "not an Ogg stream")
		if n := strings.Count(r.stderr, "opusrt: "); n != 1 {
			t.Errorf("%v: %q has %d prefixes", args, r.stderr, n)
		}
	}
}

func TestPlotFormats(t *testing.T) {
	for _, name := range []string{"t.jpg", "t.eps", "t.tiff", "t.txt", "t"} {
		checkOneLineError(t, runOpusrt(t, nil, "simulate", "--plot", filepath.Join(t.TempDir(), name)), 2,
			"want a file name ending in .svg, .png or .pdf")
	}
}

func TestSerialOneStyle(t *testing.T) {
	r := runOpusrt(t, nil, "info", sample(t, "chained.opus"))
	if !strings.Contains(r.stdout, "serial 0x00000007 at byte 0") {
		t.Errorf("info text: %s", r.stdout)
	}
	r = runOpusrt(t, nil, "info", "--json", sample(t, "chained.opus"))
	if !strings.Contains(r.stdout, `"serial": "0x00000007"`) {
		t.Errorf("info JSON: %s", r.stdout)
	}
	var s serialNumber
	if err := json.Unmarshal([]byte(`"0x0000abcd"`), &s); err != nil || s != 0xabcd {
		t.Errorf("unmarshal: %v, %v", s, err)
	}
	for _, bad := range []string{`43981`, `"0xzz"`, `"0x1ffffffff"`} {
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("unmarshal %s: no error", bad)
		}
	}
}

func TestFmtDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{3240 * time.Microsecond, "3.2ms"},
		{60 * time.Millisecond, "60ms"},
		{4123456 * time.Microsecond, "4.123s"},
		{5 * time.Second, "5s"},
		{61*time.Minute + 250*time.Millisecond, "1h1m0.3s"},
	} {
		if got := fmtDuration(tc.d); got != tc.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
