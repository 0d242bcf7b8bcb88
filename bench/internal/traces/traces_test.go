package traces

import (
	"bytes"
	"testing"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	tr := Trace{Name: "t", About: "a test", Delays: []float64{40, Lost, 41.25, 1000.5}}
	if err := Write(&b, tr); err != nil {
		t.Fatal(err)
	}
	want := "# t: a test\n# one-way delay per packet in send order, ms, or lost; 20 ms frames\n40.000\nlost\n41.250\n1000.500\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestAll(t *testing.T) {
	// Every trace has one delay per packet, none negative but Lost, and
	// the same trace comes out of the same call.
	a, b := All(3000), All(3000)
	if len(a) != 18 {
		t.Fatalf("%d traces", len(a))
	}
	for k, tr := range a {
		if len(tr.Delays) != 3000 || tr.Name == "" || tr.About == "" {
			t.Fatalf("%s: %d delays", tr.Name, len(tr.Delays))
		}
		for i, d := range tr.Delays {
			if (d < 0 && d != Lost) || d != b[k].Delays[i] {
				t.Fatalf("%s: packet %d: %v (again: %v)", tr.Name, i, d, b[k].Delays[i])
			}
		}
	}
}

func TestFIFO(t *testing.T) {
	// A packet arrives no sooner than the one before it: sent at 0 and
	// 20 ms, the second's 20 ms becomes 80 (both at 100 ms); the fourth,
	// sent at 60 ms, 40; the fifth keeps its own 90.
	got := fifo([]float64{100, 20, Lost, 10, 90})
	want := []float64{100, 80, Lost, 40, 90}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fifo = %v, want %v", got, want)
		}
	}
}

func TestReadRoundTrip(t *testing.T) {
	// What Write writes, Read reads back (to the µs the parser keeps),
	// and Repeat repeats it as opusrt simulate does.
	tr := Trace{Name: "t", About: "a test", Delays: []float64{40, Lost, 41.25, 1000.5}}
	var b bytes.Buffer
	if err := Write(&b, tr); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&b, "x")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "x" || len(got.Delays) != 4 {
		t.Fatalf("Read = %+v", got)
	}
	for i, d := range tr.Delays {
		if got.Delays[i] != d {
			t.Fatalf("Read = %v, want %v", got.Delays, tr.Delays)
		}
	}
	rep := Repeat(got, 6)
	want := []float64{40, Lost, 41.25, 1000.5, 40, Lost}
	for i := range want {
		if rep.Delays[i] != want[i] {
			t.Fatalf("Repeat = %v, want %v", rep.Delays, want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "40\n-5\n", "40ms\n", "lots\n"} {
		if _, err := Read(bytes.NewBufferString(in), "x"); err == nil {
			t.Errorf("Read(%q) did not fail", in)
		}
	}
}
