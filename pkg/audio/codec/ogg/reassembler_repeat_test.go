package ogg

import (
	"errors"
	"testing"
)

func TestReassemblerSkipsRepeatedPage(t *testing.T) {
	ra := NewReassembler(1)
	page := func(seq uint32, body ...byte) *Page {
		return &Page{Serial: 1, Sequence: seq, Granule: int64(seq), Lacing: []byte{byte(len(body))}, Body: body}
	}
	take := func() (n int, hole bool) {
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			n++
			hole = hole || p.Hole
		}
		return n, hole
	}
	for _, tt := range []struct {
		seq     uint32
		wantErr error
		packets int
		hole    bool
	}{
		{0, nil, 1, false},
		{1, nil, 1, false},
		{1, ErrRepeated, 0, false}, // the same page again
		{0, ErrRepeated, 0, false}, // an older one
		{2, nil, 1, false},         // the stream goes on with no hole
		{200, nil, 1, true},        // a gap
		{100, nil, 1, true},        // far behind: a gap, not a repeat
	} {
		err := ra.PageIn(page(tt.seq, byte(tt.seq)))
		if !errors.Is(err, tt.wantErr) {
			t.Fatalf("page %d: PageIn = %v, want %v", tt.seq, err, tt.wantErr)
		}
		if n, hole := take(); n != tt.packets || hole != tt.hole {
			t.Fatalf("page %d: %d packets, hole %v; want %d, %v", tt.seq, n, hole, tt.packets, tt.hole)
		}
	}
	if s := ra.Stats(); s.Repeated != 2 {
		t.Errorf("Repeated = %d, want 2", s.Repeated)
	}
}

func TestReassemblerRejectsTooManyLacingValues(t *testing.T) {
	ra := NewReassembler(1)
	pg := &Page{Serial: 1, Lacing: make([]byte, MaxSegments+1), Body: nil}
	if err := ra.PageIn(pg); err == nil {
		t.Fatal("a page of 256 lacing values was accepted")
	}
}
