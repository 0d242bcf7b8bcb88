package ogg

import (
	"math/rand/v2"
	"testing"
)

// crcBitwise is the Ogg CRC computed one bit at a time, straight from its
// definition, as a reference for the table-driven one.
func crcBitwise(b []byte) uint32 {
	var crc uint32
	for _, v := range b {
		crc ^= uint32(v) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func TestChecksum(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint32
	}{
		{"empty", nil, 0},
		{"zero byte", []byte{0}, 0},
		{"one", []byte{1}, 0x04c11db7},
		// The check value of CRC-32/MPEG-2 without its init and final
		// XOR is that of this CRC (the "CRC-32/OGG" variant).
		{"123456789", []byte("123456789"), 0x89a1897f},
	}
	for _, tt := range tests {
		if got := Checksum(tt.in); got != tt.want {
			t.Errorf("%s: Checksum = %#08x, want %#08x", tt.name, got, tt.want)
		}
		if got := crcBitwise(tt.in); got != tt.want {
			t.Errorf("%s: reference = %#08x, want %#08x", tt.name, got, tt.want)
		}
	}
}

func TestChecksumMatchesBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for n := range 80 {
		for _, off := range []int{0, 1, 3, 7} {
			b := buf[off : off+n]
			if got, want := Checksum(b), crcBitwise(b); got != want {
				t.Fatalf("len %d off %d: Checksum = %#08x, bitwise %#08x", n, off, got, want)
			}
		}
	}
	if got, want := Checksum(buf), crcBitwise(buf); got != want {
		t.Fatalf("4096 bytes: Checksum = %#08x, bitwise %#08x", got, want)
	}
	// Update in pieces equals the whole.
	crc := UpdateChecksum(0, buf[:1000])
	crc = UpdateChecksum(crc, buf[1000:1003])
	crc = UpdateChecksum(crc, buf[1003:])
	if crc != Checksum(buf) {
		t.Fatalf("UpdateChecksum in pieces = %#08x, want %#08x", crc, Checksum(buf))
	}
}

func BenchmarkChecksum(b *testing.B) {
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		Checksum(buf)
	}
}

// TestChecksumLanes covers the lengths around the three-lane blocks
// UpdateChecksum folds at once, from a CRC that is not 0.
func TestChecksumLanes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 8*crcLane+17)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	for n := 3*crcLane - 17; n <= len(buf)-5; n++ {
		x, y := buf[:5], buf[5:5+n]
		if got, want := UpdateChecksum(Checksum(x), y), crcBitwise(buf[:5+n]); got != want {
			t.Fatalf("5 + %d bytes: UpdateChecksum = %#08x, bitwise %#08x", n, got, want)
		}
	}
}
