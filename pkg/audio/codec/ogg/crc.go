package ogg

// The Ogg CRC-32 (RFC 3533 §6): generator polynomial 0x04c11db7, bits taken
// most significant first (not reflected), initial value 0 and no final XOR.
// It is not the CRC of hash/crc32, which is reflected and inverted.

const crcPoly = 0x04c11db7

// crcTable[k][b] is the CRC of byte b followed by k zero bytes, so sixteen
// input bytes fold into the CRC with sixteen independent lookups
// (slicing-by-16).
var crcTable = makeCRCTable()

func makeCRCTable() *[16][256]uint32 {
	t := new([16][256]uint32)
	for i := range 256 {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ crcPoly
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < 16; k++ {
		for i := range 256 {
			c := t[k-1][i]
			t[k][i] = c<<8 ^ t[0][c>>24]
		}
	}
	return t
}

// Checksum returns the Ogg CRC-32 of b.
func Checksum(b []byte) uint32 { return UpdateChecksum(0, b) }

// UpdateChecksum returns the Ogg CRC-32 of the bytes whose CRC is crc
// followed by b: UpdateChecksum(Checksum(x), y) == Checksum(x+y).
func UpdateChecksum(crc uint32, b []byte) uint32 {
	t := crcTable
	for len(b) >= 16 {
		p := b[:16]
		crc ^= uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
		crc = t[15][crc>>24] ^ t[14][crc>>16&0xff] ^ t[13][crc>>8&0xff] ^ t[12][crc&0xff] ^
			t[11][p[4]] ^ t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^
			t[7][p[8]] ^ t[6][p[9]] ^ t[5][p[10]] ^ t[4][p[11]] ^
			t[3][p[12]] ^ t[2][p[13]] ^ t[1][p[14]] ^ t[0][p[15]]
		b = b[16:]
	}
	for _, v := range b {
		crc = crc<<8 ^ t[0][byte(crc>>24)^v]
	}
	return crc
}
