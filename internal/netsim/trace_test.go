package netsim

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParseTrace(t *testing.T) {
	const lost = traceLost
	for _, tc := range []struct {
		name string
		in   string
		want []time.Duration
	}{
		{"one", "40\n", []time.Duration{40 * time.Millisecond}},
		{"no-final-newline", "40", []time.Duration{40 * time.Millisecond}},
		{"decimals", "40.25\n0\n0.000001\n.5\n7.\n", []time.Duration{40250 * time.Microsecond, 0, 1, 500 * time.Microsecond, 7 * time.Millisecond}},
		{"lost", "lost\n20\nLOST\n", []time.Duration{lost, 20 * time.Millisecond, lost}},
		{"comments-blanks-spaces-crlf", "# a step\r\n\r\n  41  \r\n\t# indented comment\n\n lost \r\n", []time.Duration{41 * time.Millisecond, lost}},
		{"an-hour", "3600000", []time.Duration{time.Hour}},
		{"byte-order-mark", "\uFEFF# from a Windows editor\r\n40\r\n", []time.Duration{40 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ParseTrace(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(tr.delays) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", tr.delays, tc.want)
			}
		})
	}
}

func TestParseTraceErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "netsim: bad trace: no packets"},
		{"only-comments", "# nothing\n\n", "netsim: bad trace: no packets"},
		{"word", "40\n41\nlate\n", `netsim: bad trace: line 3: "late": want a delay in milliseconds`},
		{"negative", "# x\n-5\n", `netsim: bad trace: line 2: "-5": a negative delay: a packet cannot arrive before it is sent`},
		{"negative-decimal", "40\n-0.5\n", `line 2: "-0.5": a negative delay`},
		{"minus", "-\n", `line 1: "-": want a delay`},
		{"byte-order-mark-later", "40\n\uFEFF40\n", `line 2: "\ufeff40": want a delay`},
		{"unit", "40ms\n", `line 1: "40ms": want a delay`},
		{"exponent", "4e1\n", `line 1: "4e1": want a delay`},
		{"nan", "NaN\n", `line 1: "NaN": want a delay`},
		{"two-dots", "1.2.3\n", `line 1: "1.2.3": want a delay`},
		{"dot", ".\n", `line 1: ".": want a delay`},
		{"two-values", "40 41\n", `line 1: "40 41": want a delay`},
		{"too-long-delay", "3600000.5\n", `line 1: "3600000.5": a delay of more than 1h0m0s`},
		{"huge", "1" + strings.Repeat("0", 400) + "\n", `line 1: "1000000000000000000000000000000000000000...": a delay of more than`},
		{"long-line", "40\n" + strings.Repeat("1", 70000) + "\n", "netsim: bad trace: line 2: longer than 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTrace(strings.NewReader(tc.in))
			if err == nil || !errors.Is(err, ErrTrace) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one wrapping ErrTrace saying %q", err, tc.want)
			}
		})
	}
}

// A trace link gives each packet its line's delay, whatever the others
// do (packets may change order), loses what the trace loses, and starts
// the trace again at its end.
func TestTraceLink(t *testing.T) {
	tr, err := ParseTrace(strings.NewReader("40\nlost\n100\n10\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := NewTraceLink(tr)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	for i := range 9 {
		at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		arr := l.AppendSend(nil, at)
		if len(arr) == 0 {
			got = append(got, "lost")
			continue
		}
		got = append(got, arr[0].Sub(t0).String())
	}
	want := "40ms lost 140ms 70ms 120ms lost 220ms 150ms 200ms"
	if strings.Join(got, " ") != want {
		t.Errorf("arrivals %v, want %s", got, want)
	}
	if tr.Len() != 4 || tr.Lost() != 1 || tr.String() != "trace of 4 packets, 1 lost" {
		t.Errorf("Len %d, Lost %d, String %q", tr.Len(), tr.Lost(), tr)
	}
}

// FuzzParseTrace checks that no input makes ParseTrace panic, that every
// error wraps ErrTrace, and that what parses is within bounds and parses
// again, written back, to the same trace.
func FuzzParseTrace(f *testing.F) {
	for _, s := range []string{"40\n", "lost\n41.5\n# c\n\n", "", "1.\n.5", "-1", "4e1", strings.Repeat("9", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ParseTrace(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrTrace) {
				t.Fatalf("error %v does not wrap ErrTrace", err)
			}
			return
		}
		var b strings.Builder
		lost := 0
		for i := range tr.Len() {
			d, ok := tr.Delay(i)
			if !ok {
				lost++
				b.WriteString("lost\n")
				continue
			}
			if d < 0 || d > MaxTraceDelay {
				t.Fatalf("packet %d: delay %v out of range", i, d)
			}
			fmt.Fprintf(&b, "%d.%06d\n", d/time.Millisecond, d%time.Millisecond)
		}
		if lost != tr.Lost() {
			t.Fatalf("Lost %d, counted %d", tr.Lost(), lost)
		}
		again, err := ParseTrace(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("written back %q: %v", b.String(), err)
		}
		if fmt.Sprint(again.delays) != fmt.Sprint(tr.delays) {
			t.Fatalf("written back: %v, want %v", again.delays, tr.delays)
		}
	})
}
