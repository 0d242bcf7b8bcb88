package ogg

// The Ogg CRC-32 (RFC 3533 §6): generator polynomial 0x04c11db7, bits taken
// most significant first (not reflected), initial value 0 and no final XOR.
// It is not the CRC of hash/crc32, which is reflected and inverted.

const crcPoly = 0x04c11db7

// crcTable[k][b] is the CRC of byte b followed by k zero bytes, so eight
// input bytes fold into the CRC with eight lookups (slicing-by-8).
var crcTable = makeCRCTable()

func makeCRCTable() *[8][256]uint32 {
	t := new([8][256]uint32)
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
	for k := 1; k < 8; k++ {
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
	for len(b) >= 8 {
		crc ^= uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		crc = t[7][crc>>24] ^ t[6][crc>>16&0xff] ^ t[5][crc>>8&0xff] ^ t[4][crc&0xff] ^
			t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]]
		b = b[8:]
	}
	for _, v := range b {
		crc = crc<<8 ^ t[0][byte(crc>>24)^v]
	}
	return crc
}
