package rtp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSequenceConfirms(t *testing.T) {
	for _, tc := range []struct {
		last, next uint16
		want       bool
	}{
		{1, 2, true},
		{2, 1, true}, // the first two swapped
		{1, 1, false},
		{1, 101, true},
		{1, 102, false},
		{101, 1, true},
		{102, 1, false},
		{65535, 0, true}, // across the wrap
		{0, 65535, true},
		{65500, 64, true},
		{65500, 65, false},
		{0, 32768, false},
	} {
		if got := SequenceConfirms(tc.last, tc.next); got != tc.want {
			t.Errorf("SequenceConfirms(%d, %d) = %v, want %v", tc.last, tc.next, got, tc.want)
		}
	}
}

// probOp is one call on a Probation[string] whose positions agree when
// they are 1 to 10 apart, either side.
type probOp struct {
	op   string // "offer", "keep", "release"
	key  string
	pos  int64
	data string
	// want: offer "agreed" or "held" and what was dropped; keep "kept" or
	// "full"; release the datagrams, joined with "|", and what was dropped.
	want string
}

func TestProbation(t *testing.T) {
	agree := func(_ string, last, next int64) bool {
		d := next - last
		return d != 0 && d >= -10 && d <= 10
	}
	tests := []struct {
		name string
		ops  []probOp
		len  int // would-be streams held at the end
	}{
		{"one datagram waits", []probOp{{"offer", "a", 1, "a1", "held 0"}}, 1},
		{"a second agrees; release gives the first", []probOp{
			{"offer", "a", 1, "a1", "held 0"},
			{"offer", "a", 2, "a2", "agreed 0"},
			{"release", "a", 0, "", "a1 0"},
		}, 0},
		{"swapped", []probOp{
			{"offer", "a", 5, "a5", "held 0"},
			{"offer", "a", 4, "a4", "agreed 0"},
		}, 1},
		{"a copy changes nothing", []probOp{
			{"offer", "a", 1, "a1", "held 0"},
			{"offer", "a", 1, "a1", "held 1"}, // given up
			{"offer", "a", 2, "a2", "agreed 0"},
			{"keep", "a", 2, "a2", "kept"},
			{"offer", "a", 2, "a2", "held 1"}, // the copy of a kept one
			{"offer", "a", 3, "a3", "agreed 0"},
			{"offer", "a", 3, "a3", "held 1"}, // of one offered, not kept
			{"release", "a", 0, "", "a1|a2 0"},
		}, 0},
		{"a repeat does not agree and replaces", []probOp{
			{"offer", "a", 1, "a1", "held 0"},
			{"offer", "a", 1, "a1'", "held 1"},
			{"offer", "a", 2, "a2", "agreed 0"},
			{"release", "a", 0, "", "a1' 0"},
		}, 0},
		{"far away replaces", []probOp{
			{"offer", "a", 1, "a1", "held 0"},
			{"offer", "a", 100, "a100", "held 1"},
			{"offer", "a", 2, "a2", "held 1"},
			{"offer", "a", 3, "a3", "agreed 0"},
		}, 1},
		{"keys apart", []probOp{
			{"offer", "a", 1, "a1", "held 0"},
			{"offer", "b", 2, "b2", "held 0"},
			{"offer", "b", 3, "b3", "agreed 0"},
			{"release", "b", 0, "", "b2 1"}, // a's given up
			{"offer", "a", 2, "a2", "held 0"},
		}, 1},
		{"kept datagrams up to the bound", []probOp{
			{"offer", "a", 1, "0123456789", "held 0"},
			{"offer", "a", 2, "abcde", "agreed 0"},
			{"keep", "a", 2, "abcde", "kept"},
			{"offer", "a", 3, "fghij", "agreed 0"},
			{"keep", "a", 3, "fghij", "kept"}, // 20 bytes: the bound
			{"offer", "a", 4, "k", "agreed 0"},
			{"keep", "a", 4, "k", "full"},
			{"offer", "a", 5, "l", "agreed 0"}, // kept moves the position on
			{"release", "a", 0, "", "0123456789|abcde|fghij 0"},
		}, 0},
		{"the first always held", []probOp{
			{"offer", "a", 1, "0123456789abcdefghijklmnopqrstuvwxyz", "held 0"},
			{"offer", "a", 2, "x", "agreed 0"},
			{"keep", "a", 2, "x", "full"},
			{"release", "a", 0, "", "0123456789abcdefghijklmnopqrstuvwxyz 0"},
		}, 0},
		{"a disagreeing datagram drops what was kept", []probOp{
			{"offer", "a", 1, "a1", "held 0"},
			{"keep", "a", 2, "a2", "kept"},
			{"keep", "a", 3, "a3", "kept"},
			{"offer", "a", 50, "a50", "held 3"},
		}, 1},
		{"keep and release of an unknown key", []probOp{
			{"keep", "a", 1, "a1", "full"},
			{"release", "a", 0, "", " 0"},
			{"offer", "b", 1, "b1", "held 0"},
			{"release", "a", 0, "", " 1"}, // forgets every candidate
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewProbation(agree, 20)
			buf := make([]byte, 0, 64)
			for i, o := range tt.ops {
				// The caller's buffer is reused: the Probation must copy.
				buf = append(buf[:0], o.data...)
				var got string
				switch o.op {
				case "offer":
					agreed, dropped := p.Offer(o.key, o.pos, buf, t0)
					got = fmt.Sprintf("%s %d", map[bool]string{true: "agreed", false: "held"}[agreed], dropped)
				case "keep":
					got = map[bool]string{true: "kept", false: "full"}[p.Keep(o.key, o.pos, buf)]
				case "release":
					held, _, dropped := p.Release(o.key)
					var s []string
					for _, d := range held {
						s = append(s, string(d))
					}
					got = fmt.Sprintf("%s %d", strings.Join(s, "|"), dropped)
				}
				clear(buf[:cap(buf)])
				if got != o.want {
					t.Fatalf("op %d (%s %s %d): %q, want %q", i, o.op, o.key, o.pos, got, o.want)
				}
			}
			if p.Len() != tt.len {
				t.Errorf("%d held, want %d", p.Len(), tt.len)
			}
		})
	}
}

// TestProbationSlots: the ninth key takes the place of the one offered to
// least recently, not of the one held first: a candidate that keeps
// datagrams stays.
func TestProbationSlots(t *testing.T) {
	p := NewProbation(func(_ int, last, next int64) bool { return next == last+1 }, 1<<10)
	for k := range probationSlots {
		if agreed, dropped := p.Offer(k, 0, []byte{byte(k)}, t0.Add(time.Duration(k))); agreed || dropped != 0 {
			t.Fatalf("key %d: agreed %v, dropped %d", k, agreed, dropped)
		}
	}
	p.Keep(0, 1, []byte{0, 1}) // key 0 is now the most recent
	if agreed, dropped := p.Offer(100, 0, []byte{100}, t0); agreed || dropped != 1 || p.Len() != probationSlots {
		t.Fatalf("ninth key: agreed %v, dropped %d, %d held", agreed, dropped, p.Len())
	}
	if agreed, _ := p.Offer(1, 1, []byte{1, 1}, t0); agreed {
		t.Errorf("key 1 should have given way")
	}
	if agreed, _ := p.Offer(0, 2, []byte{0, 2}, t0); !agreed {
		t.Errorf("key 0, kept last, gave way")
	}
	held, arrival, dropped := p.Release(0)
	if !slices.EqualFunc(held, [][]byte{{0}, {0, 1}}, slices.Equal) || !arrival.Equal(t0) || dropped != probationSlots-1 {
		t.Errorf("release: %v at %v, dropped %d", held, arrival, dropped)
	}
}

// TestProbationAllocs: once warm, holding and releasing allocate nothing.
func TestProbationAllocs(t *testing.T) {
	p := NewProbation(func(_ int, last, next int64) bool { return next == last+1 }, 1<<10)
	data := make([]byte, 200)
	round := func() {
		for k := range 2 * probationSlots {
			data[0] = byte(k)
			p.Offer(k, 0, data, t0)
		}
		data[1]++
		if agreed, _ := p.Offer(15, 1, data, t0); !agreed {
			t.Fatal("not agreed")
		}
		p.Keep(15, 1, data)
		p.Release(15)
	}
	round()
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Errorf("%v allocations a round", n)
	}
}

// A receiver of datagrams that carry a sequence number believes a sender
// once two of its datagrams agree: garbage that passes once for a valid
// datagram never starts a stream.
func ExampleProbation() {
	type sender string
	p := NewProbation(func(_ sender, last, next int64) bool {
		return SequenceConfirms(uint16(last), uint16(next))
	}, 0)
	now := time.Now()
	for _, d := range []struct {
		from sender
		seq  uint16
		data string
	}{
		{"noise", 4711, "x"},
		{"phone", 100, "hello"},
		{"noise", 9, "y"}, // far from 4711: held in its place
		{"phone", 101, "world"},
	} {
		agreed, _ := p.Offer(d.from, int64(d.seq), []byte(d.data), now)
		if !agreed {
			fmt.Printf("%s %d: held\n", d.from, d.seq)
			continue
		}
		held, _, dropped := p.Release(d.from)
		fmt.Printf("%s %d confirms: %q, then %q (%d given up)\n", d.from, d.seq, held[0], d.data, dropped)
	}
	// Output:
	// noise 4711: held
	// phone 100: held
	// noise 9: held
	// phone 101 confirms: "hello", then "world" (1 given up)
}
