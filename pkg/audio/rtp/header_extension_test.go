package rtp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestExtensions(t *testing.T) {
	tests := []struct {
		name    string
		profile uint16
		data    string
		want    []Extension
	}{
		{
			name: "chrome one-byte", profile: ProfileOneByte,
			data: `10 90  22 01 02 03  31 00 2a  00 00 00`,
			want: []Extension{{1, []byte{0x90}}, {2, []byte{1, 2, 3}}, {3, []byte{0x00, 0x2a}}},
		},
		{
			name: "one-byte padding between elements", profile: ProfileOneByte,
			data: `10 01 00 00 20 02 00 00`,
			want: []Extension{{1, []byte{1}}, {2, []byte{2}}},
		},
		{
			name: "one-byte ID 15 stops the parse", profile: ProfileOneByte,
			data: `10 01 ff 20 02 00 00 00`,
			want: []Extension{{1, []byte{1}}},
		},
		{
			name: "one-byte 16 bytes", profile: ProfileOneByte,
			data: `5f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 00 00 00`,
			want: []Extension{{5, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}},
		},
		{
			name: "two-byte with empty element and appbits", profile: 0x100A,
			data: `01 00 0f 03 aa bb cc 00`,
			want: []Extension{{1, []byte{}}, {15, []byte{0xaa, 0xbb, 0xcc}}},
		},
		{name: "all padding", profile: ProfileOneByte, data: `00 00 00 00`, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Header{Extension: true, ExtensionProfile: tt.profile, ExtensionData: hexBytes(t, tt.data)}
			got, err := h.Extensions()
			if err != nil {
				t.Fatalf("Extensions: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Extensions = %v, want %v", got, tt.want)
			}
			for _, e := range tt.want {
				if p, ok := h.ExtensionByID(e.ID); !ok || !bytes.Equal(p, e.Payload) {
					t.Errorf("ExtensionByID(%d) = % x, %v; want % x", e.ID, p, ok, e.Payload)
				}
			}
			if _, ok := h.ExtensionByID(200); ok {
				t.Error("ExtensionByID(200) found an element that is not there")
			}
		})
	}
}

func TestExtensionsErrors(t *testing.T) {
	tests := []struct {
		name    string
		profile uint16
		data    string
	}{
		{"one-byte overrun", ProfileOneByte, `13 01 02 00`},
		{"two-byte no length", ProfileTwoByte, `00 00 00 07`},
		{"two-byte overrun", ProfileTwoByte, `07 04 01 02`},
		{"other profile", 0x1234, `00 00 00 00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Header{Extension: true, ExtensionProfile: tt.profile, ExtensionData: hexBytes(t, tt.data)}
			if _, err := h.Extensions(); !errors.Is(err, ErrInvalidExtension) {
				t.Errorf("Extensions error = %v, want ErrInvalidExtension", err)
			}
			if _, ok := h.ExtensionByID(7); ok {
				t.Error("ExtensionByID found an element in a malformed extension")
			}
		})
	}
	if exts, err := (&Header{}).Extensions(); exts != nil || err != nil {
		t.Errorf("no extension: Extensions = %v, %v", exts, err)
	}
}

func TestSetExtensions(t *testing.T) {
	tests := []struct {
		name    string
		exts    []Extension
		profile uint16
		data    string
	}{
		{"one-byte", []Extension{{1, []byte{0x90}}, {2, []byte{1, 2, 3}}, {3, []byte{0, 0x2a}}}, ProfileOneByte, `10 90 22 01 02 03 31 00 2a 00 00 00`},
		{"ID 15 needs two-byte", []Extension{{15, []byte{1}}}, ProfileTwoByte, `0f 01 01 00`},
		{"empty payload needs two-byte", []Extension{{1, nil}}, ProfileTwoByte, `01 00 00 00`},
		{"17 bytes needs two-byte", []Extension{{1, make([]byte, 17)}}, ProfileTwoByte, `01 11  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  00`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Header
			if err := h.SetExtensions(tt.exts); err != nil {
				t.Fatal(err)
			}
			if !h.Extension || h.ExtensionProfile != tt.profile || !bytes.Equal(h.ExtensionData, hexBytes(t, tt.data)) {
				t.Errorf("SetExtensions: X=%v profile 0x%04x data % x; want profile 0x%04x data %s",
					h.Extension, h.ExtensionProfile, h.ExtensionData, tt.profile, tt.data)
			}
			got, err := h.Extensions()
			if err != nil || len(got) != len(tt.exts) {
				t.Fatalf("Extensions back = %v, %v", got, err)
			}
			for i := range got {
				if got[i].ID != tt.exts[i].ID || !bytes.Equal(got[i].Payload, tt.exts[i].Payload) {
					t.Errorf("element %d back = %v, want %v", i, got[i], tt.exts[i])
				}
			}
		})
	}
	h := Header{Extension: true, ExtensionProfile: 1, ExtensionData: []byte{1, 2, 3, 4}}
	if err := h.SetExtensions([]Extension{{0, []byte{1}}}); !errors.Is(err, ErrInvalidExtension) {
		t.Errorf("ID 0: error %v", err)
	}
	if err := h.SetExtensions([]Extension{{1, make([]byte, 256)}}); !errors.Is(err, ErrInvalidExtension) {
		t.Errorf("256 bytes: error %v", err)
	}
	if !h.Extension || h.ExtensionProfile != 1 {
		t.Error("a failed SetExtensions changed the header")
	}
	if err := h.SetExtensions(nil); err != nil || h.Extension || h.ExtensionData != nil {
		t.Errorf("SetExtensions(nil) left X=%v data %v, err %v", h.Extension, h.ExtensionData, err)
	}
}
