package oggopus

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tags builds an OpusTags packet: the vendor, the comment count and the
// comments, each with its 32-bit little-endian length, then extra bytes.
func tags(vendor string, comments []string, extra ...byte) []byte {
	b := []byte("OpusTags")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vendor)))
	b = append(b, vendor...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(comments)))
	for _, c := range comments {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	return append(b, extra...)
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    Tags
		written []byte // what AppendBinary writes back; nil: in
	}{
		{"empty", []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"), Tags{}, nil},
		{"opusenc", []byte("OpusTags\x0d\x00\x00\x00libopus 1.4.0\x01\x00\x00\x00\x08\x00\x00\x00TITLE=hi"),
			Tags{Vendor: "libopus 1.4.0", Comments: []string{"TITLE=hi"}}, nil},
		{"two comments, one empty", tags("v", []string{"ARTIST=x", ""}),
			Tags{Vendor: "v", Comments: []string{"ARTIST=x", ""}}, nil},
		{"padding dropped", tags("v", nil, 0, 0, 0, 0),
			Tags{Vendor: "v"}, tags("v", nil)},
		{"binary data kept", tags("v", nil, 1, 2, 3),
			Tags{Vendor: "v", Binary: []byte{1, 2, 3}}, nil},
		{"comment with NUL and no '='", tags("", []string{"a\x00b"}),
			Tags{Comments: []string{"a\x00b"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTags(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			out, err := got.MarshalBinary()
			want := tt.written
			if want == nil {
				want = tt.in
			}
			if err != nil || !bytes.Equal(out, want) || got.Size() != len(want) {
				t.Errorf("written back % x (size %d), %v\nwant % x", out, got.Size(), err, want)
			}
		})
	}
}

// TestParseTagsInvalid holds the OpusTags packets opusfile's
// opus_tags_parse rejects, and those beyond this package's limits.
func TestParseTagsInvalid(t *testing.T) {
	manyEmpty := []byte("OpusTags\x00\x00\x00\x00")
	manyEmpty = binary.LittleEndian.AppendUint32(manyEmpty, MaxComments+1)
	manyEmpty = append(manyEmpty, make([]byte, 4*(MaxComments+1))...)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"magic only", []byte("OpusTags")},
		{"OpusHead", head(1, 1, 0, 0, 0, 0)},
		{"15 bytes", []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00")},
		{"vendor longer than the packet", []byte("OpusTags\x05\x00\x00\x00abcd")},
		{"vendor length 2³²−1", []byte("OpusTags\xff\xff\xff\xff\x00\x00\x00\x00")},
		{"comment count missing", []byte("OpusTags\x04\x00\x00\x00abcd\x00\x00")},
		{"more comments than fit", []byte("OpusTags\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00")},
		{"comment count 2³²−1", []byte("OpusTags\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00")},
		{"comment longer than the packet", []byte("OpusTags\x00\x00\x00\x00\x01\x00\x00\x00\x03\x00\x00\x00ab")},
		{"second comment cut short", []byte("OpusTags\x00\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00abc\x00\x00\x00")},
		{"more than MaxComments", manyEmpty},
		{"more than MaxTagsSize", tags(strings.Repeat("v", MaxTagsSize), nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTags(tt.in)
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("got %d comments, %v; want an error wrapping ErrHeader", len(got.Comments), err)
			}
		})
	}
}

func TestTagsValidate(t *testing.T) {
	big := strings.Repeat("x", MaxTagsSize/2)
	invalid := []Tags{
		{Comments: make([]string, MaxComments+1)},
		{Binary: []byte{2}},
		{Vendor: big, Comments: []string{big}},
		{Vendor: strings.Repeat("v", MaxTagsSize-15)},
		{Binary: append([]byte{1}, make([]byte, MaxTagsSize-16)...)},
	}
	for _, tg := range invalid {
		if err := tg.Validate(); !errors.Is(err, ErrHeader) {
			t.Errorf("%d comments, vendor %d, binary %d: %v", len(tg.Comments), len(tg.Vendor), len(tg.Binary), err)
		}
		if b, err := tg.MarshalBinary(); err == nil || b != nil {
			t.Errorf("MarshalBinary: %d bytes, %v", len(b), err)
		}
	}
	// The largest that fits is read back.
	largest := Tags{Vendor: strings.Repeat("v", MaxTagsSize-16)}
	b, err := largest.MarshalBinary()
	if err != nil || len(b) != MaxTagsSize {
		t.Fatalf("largest: %d bytes, %v", len(b), err)
	}
	if got, err := ParseTags(b); err != nil || got.Vendor != largest.Vendor {
		t.Errorf("largest read back: %v", err)
	}
	most := Tags{Comments: make([]string, MaxComments)}
	b, err = most.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ParseTags(b); err != nil || len(got.Comments) != MaxComments {
		t.Errorf("MaxComments read back: %d, %v", len(got.Comments), err)
	}
}

// TestParseTagsMemory parses the red team's 16 MiB OpusTags of four
// million empty comments: it is refused before anything is allocated for
// them.
func TestParseTagsMemory(t *testing.T) {
	n := (MaxTagsSize - 16) / 4
	b := []byte("OpusTags\x00\x00\x00\x00")
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = append(b, make([]byte, 4*n)...)
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := ParseTags(b); !errors.Is(err, ErrHeader) {
			t.Fatal(err)
		}
	})
	// The error message and its wrapping: a handful, nothing per comment.
	if allocs > 10 {
		t.Errorf("%v allocations", allocs)
	}
}

func FuzzParseTags(f *testing.F) {
	f.Add(tags("libopus 1.4", []string{"ARTIST=x", "TITLE=y"}))
	f.Add(tags("", nil, 1, 2))
	f.Add([]byte("OpusTags\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tg, err := ParseTags(b)
		if err != nil {
			if !errors.Is(err, ErrHeader) {
				t.Fatalf("error %v does not wrap ErrHeader", err)
			}
			return
		}
		if len(tg.Comments) > MaxComments || tg.Size() > len(b) {
			t.Fatalf("%d comments, size %d from %d bytes", len(tg.Comments), tg.Size(), len(b))
		}
		out, err := tg.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		tg2, err := ParseTags(out)
		if err != nil || !reflect.DeepEqual(tg, tg2) {
			t.Fatalf("round trip: %+v, %v; want %+v", tg2, err, tg)
		}
	})
}
