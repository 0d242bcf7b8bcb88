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
	if len(a) != 17 {
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
