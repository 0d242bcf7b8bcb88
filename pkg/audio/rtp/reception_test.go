package rtp

import (
	"slices"
	"testing"
	"time"
)

func TestUnwrapSequence(t *testing.T) {
	tests := []struct {
		ref  int64
		seq  uint16
		want int64
	}{
		{0, 0, 0},
		{0, 1, 1},
		{65535, 0, 65536},     // forward across the wrap
		{65536, 65535, 65535}, // back across it
		{65536 * 3, 2, 65536*3 + 2},
		{100, 65535, -1},   // before the first cycle
		{0, 32767, 32767},  // farthest ahead
		{0, 32768, -32768}, // farthest behind
		{1 << 40, 5, 1<<40 + 5},
	}
	for _, tt := range tests {
		if got := UnwrapSequence(tt.ref, tt.seq); got != tt.want {
			t.Errorf("UnwrapSequence(%d, %d) = %d, want %d", tt.ref, tt.seq, got, tt.want)
		}
	}
}

func TestUnwrapTimestamp(t *testing.T) {
	tests := []struct {
		ref  int64
		ts   uint32
		want int64
	}{
		{0, 960, 960},
		{4294967295 - 479, 480, 4294967296 + 480},  // a 20 ms frame across the wrap
		{4294967296 + 480, 4294966336, 4294966336}, // and back
		{0, 1<<31 - 1, 1<<31 - 1},
		{0, 1 << 31, -(1 << 31)},
		{5 << 32, 7, 5<<32 + 7},
	}
	for _, tt := range tests {
		if got := UnwrapTimestamp(tt.ref, tt.ts); got != tt.want {
			t.Errorf("UnwrapTimestamp(%d, %d) = %d, want %d", tt.ref, tt.ts, got, tt.want)
		}
	}
	// A long stream wraps its timestamp every 24.8 hours at 48 kHz:
	// unwrapping 20 ms steps against the last value never goes back.
	ref := int64(4294967296 - 960*3)
	for i := range 10 {
		next := UnwrapTimestamp(ref, uint32(ref+960))
		if next != ref+960 {
			t.Fatalf("step %d: %d after %d", i, next, ref)
		}
		ref = next
	}
}

func TestReception(t *testing.T) {
	const (
		O = seqInOrder
		R = seqReordered
		D = seqDuplicate
		J = seqJump
		S = seqRestart
	)
	tests := []struct {
		name     string
		seqs     []uint16
		verdicts []seqVerdict // of seqs[1:]
		expected int64
		lost     int64
		dups     uint64
		highest  uint32
		fraction uint8
		baseSeq  int64
	}{
		{"in order", []uint16{1, 2, 3}, []seqVerdict{O, O}, 3, 0, 0, 3, 0, 1},
		{"across the wrap", []uint16{65534, 65535, 0, 1}, []seqVerdict{O, O, O}, 4, 0, 0, 0x10001, 0, 65534},
		{"one lost of five", []uint16{1, 2, 4, 5}, []seqVerdict{O, O, O}, 5, 1, 0, 5, 51, 1},
		{"loss across the wrap", []uint16{65534, 65535, 2}, []seqVerdict{O, O}, 5, 2, 0, 0x10002, 102, 65534},
		{"reordered", []uint16{1, 3, 2, 4}, []seqVerdict{O, R, O}, 4, 0, 0, 4, 0, 1},
		{"reordered across the wrap", []uint16{65535, 1, 0}, []seqVerdict{O, R}, 3, 0, 0, 0x10001, 0, 65535},
		{"first two swapped", []uint16{2, 1, 3}, []seqVerdict{R, O}, 3, 0, 0, 3, 0, 1},
		{"duplicate", []uint16{1, 2, 2, 3}, []seqVerdict{O, D, O}, 3, -1, 1, 3, 0, 1},
		{"duplicate of a reordered one", []uint16{1, 3, 2, 2}, []seqVerdict{O, R, D}, 3, -1, 1, 3, 0, 1},
		{"jump ahead dropped", []uint16{10, 5000, 11}, []seqVerdict{J, O}, 2, 0, 0, 11, 0, 10},
		{"jump ahead confirmed: restart", []uint16{10, 5000, 5001, 5002}, []seqVerdict{J, S, O}, 2, 0, 0, 5002, 0, 5001},
		{"jump back confirmed: restart", []uint16{1000, 800, 801}, []seqVerdict{J, S}, 1, 0, 0, 801, 0, 801},
		{"jump across the wrap confirmed", []uint16{65000, 4000, 4001}, []seqVerdict{J, S}, 1, 0, 0, 4001, 0, 4001},
		{"gap of 2999 is loss", []uint16{0, 2999}, []seqVerdict{O}, 3000, 2998, 0, 2999, 255, 0},
		{"100 behind is reordered", []uint16{100, 0}, []seqVerdict{R}, 101, 99, 0, 100, 250, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reception
			r.init(tt.seqs[0])
			var got []seqVerdict
			for _, s := range tt.seqs[1:] {
				_, v := r.update(s)
				got = append(got, v)
			}
			if !slices.Equal(got, tt.verdicts) {
				t.Errorf("verdicts %v, want %v", got, tt.verdicts)
			}
			if r.baseSeq != tt.baseSeq {
				t.Errorf("base %d, want %d", r.baseSeq, tt.baseSeq)
			}
			if r.expected() != tt.expected || r.lost() != tt.lost || r.duplicated != tt.dups {
				t.Errorf("expected %d lost %d dups %d; want %d %d %d", r.expected(), r.lost(), r.duplicated, tt.expected, tt.lost, tt.dups)
			}
			rb := r.reportBlock(7)
			want := ReportBlock{SSRC: 7, FractionLost: tt.fraction, CumulativeLost: int32(tt.lost), ExtendedHighestSequence: tt.highest}
			if rb != want {
				t.Errorf("reportBlock = %+v, want %+v", rb, want)
			}
		})
	}
}

func TestReceptionFractionPerInterval(t *testing.T) {
	var r reception
	r.init(0)
	for s := uint16(1); s < 100; s++ { // 100 expected, 100 received
		r.update(s)
	}
	if rb := r.reportBlock(1); rb.FractionLost != 0 || rb.CumulativeLost != 0 {
		t.Errorf("first interval: %+v", rb)
	}
	for s := uint16(100); s < 200; s += 2 { // 100 expected, 50 received
		r.update(s)
	}
	rb := r.reportBlock(1)
	// Highest is 198: 99 expected in the interval, 50 received.
	if rb.FractionLost != 49*256/99 || rb.CumulativeLost != 49 {
		t.Errorf("second interval: fraction %d cumulative %d, want %d 49", rb.FractionLost, rb.CumulativeLost, 49*256/99)
	}
	// A third interval with duplicates only: more received than expected,
	// fraction 0, cumulative lost goes down.
	for range 5 {
		r.update(198)
	}
	rb = r.reportBlock(1)
	if rb.FractionLost != 0 || rb.CumulativeLost != 44 {
		t.Errorf("third interval: %+v", rb)
	}
}

func TestReceptionDuplicateWindowForgets(t *testing.T) {
	var r reception
	r.init(0)
	r.update(1)
	r.update(50) // 2..49 lost
	if _, v := r.update(30); v != seqReordered {
		t.Errorf("30 after 50: %v, want reordered", v)
	}
	if _, v := r.update(30); v != seqDuplicate {
		t.Errorf("30 again: %v, want duplicate", v)
	}
	r.update(50 + 128 + 5) // far enough to forget everything
	if _, v := r.update(183 - 90); v != seqReordered {
		t.Errorf("93 after a window move: %v, want reordered", v)
	}
	for s := uint16(184); s < 184+300; s++ {
		r.update(s)
	}
	// A sequence number that wrapped the bitmap is not mistaken for seen.
	if _, v := r.update(483 - 50); v != seqDuplicate {
		t.Errorf("433 was received: %v, want duplicate", v)
	}
}

func TestReceptionJitter(t *testing.T) {
	tests := []struct {
		name     string
		arrivals []int64 // timestamp units
		stamps   []int64
		want     uint32
	}{
		{"constant transit", []int64{1000, 1960, 2920, 3880}, []int64{0, 960, 1920, 2880}, 0},
		// One packet 160 units (3.3 ms) late: |D| is 160 twice, so
		// J = 160/16 = 10, then J += (160 − 10)/16 → 19 (A.8's rounding).
		{"one late packet", []int64{0, 960 + 160, 1920}, []int64{0, 960, 1920}, 19},
		// DTX: a long timestamp gap with the arrival gap to match is no
		// jitter.
		{"DTX gap", []int64{0, 960, 960 + 48000}, []int64{0, 960, 960 + 48000}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reception
			r.init(0)
			for i := range tt.arrivals {
				r.observeTransit(tt.arrivals[i], tt.stamps[i])
			}
			if got := r.jitter(); got != tt.want {
				t.Errorf("jitter = %d, want %d", got, tt.want)
			}
		})
	}
	// A steady alternation of ±D converges to J ≈ 2D (|D| between
	// neighbours is 2D).
	var r reception
	r.init(0)
	for i := range int64(1000) {
		off := int64(48)
		if i%2 == 1 {
			off = -48
		}
		r.observeTransit(i*960+off, i*960)
	}
	if got := r.jitter(); got < 94 || got > 96 {
		t.Errorf("alternating ±48: jitter %d, want about 96", got)
	}
}

func TestSamplesIn(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 0}, {time.Second, 48000}, {20 * time.Millisecond, 960}, {2500 * time.Microsecond, 120},
		{20834 * time.Nanosecond, 1}, {20833 * time.Nanosecond, 0},
		{200 * 365 * 24 * time.Hour, 200 * 365 * 24 * 3600 * 48000},
	} {
		if got := samplesIn(tt.d); got != tt.want {
			t.Errorf("samplesIn(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
