package ogg

// The Ogg CRC-32 (RFC 3533 §6): generator polynomial 0x04c11db7, bits taken
// most significant first (not reflected), initial value 0 and no final XOR.
// It is not the CRC of hash/crc32, which is reflected and inverted.

const crcPoly = 0x04c11db7

// crcTable[k][b] is the CRC of byte b followed by k zero bytes, so sixteen
// input bytes fold into the CRC with sixteen independent lookups
// (slicing-by-16).
var crcTable = makeCRCTable()

// Slicing-by-16 waits on each lookup's result before the next sixteen
// bytes, so UpdateChecksum runs three such chains side by side, on three
// consecutive lanes of crcLane bytes, and joins them: the CRC of lanes a
// then b is that of a carried through len(b) zero bytes, XOR that of b
// from 0. crcShift carries a CRC through crcLane zero bytes.
const crcLane = 64

var crcShift = makeCRCShift()

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

// makeCRCShift returns the tables of crcLane zero bytes' effect on each
// byte of a CRC: shift[k][b] for byte b at k bytes from the top.
func makeCRCShift() *[4][256]uint32 {
	s := new([4][256]uint32)
	zeros := make([]byte, crcLane)
	for k := range 4 {
		for b := range 256 {
			s[k][b] = updateSliced(uint32(b)<<(24-8*k), zeros)
		}
	}
	return s
}

// Checksum returns the Ogg CRC-32 of b.
func Checksum(b []byte) uint32 { return UpdateChecksum(0, b) }

// UpdateChecksum returns the Ogg CRC-32 of the bytes whose CRC is crc
// followed by b: UpdateChecksum(Checksum(x), y) == Checksum(x+y).
func UpdateChecksum(crc uint32, b []byte) uint32 {
	t, s := crcTable, crcShift
	for len(b) >= 3*crcLane {
		c0, c1, c2 := crc, uint32(0), uint32(0)
		for i := 0; i < crcLane; i += 16 {
			p := b[i : i+16]
			q := b[crcLane+i : crcLane+i+16]
			r := b[2*crcLane+i : 2*crcLane+i+16]
			c0 ^= uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
			c1 ^= uint32(q[0])<<24 | uint32(q[1])<<16 | uint32(q[2])<<8 | uint32(q[3])
			c2 ^= uint32(r[0])<<24 | uint32(r[1])<<16 | uint32(r[2])<<8 | uint32(r[3])
			c0 = t[15][c0>>24] ^ t[14][c0>>16&0xff] ^ t[13][c0>>8&0xff] ^ t[12][c0&0xff] ^
				t[11][p[4]] ^ t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^
				t[7][p[8]] ^ t[6][p[9]] ^ t[5][p[10]] ^ t[4][p[11]] ^
				t[3][p[12]] ^ t[2][p[13]] ^ t[1][p[14]] ^ t[0][p[15]]
			c1 = t[15][c1>>24] ^ t[14][c1>>16&0xff] ^ t[13][c1>>8&0xff] ^ t[12][c1&0xff] ^
				t[11][q[4]] ^ t[10][q[5]] ^ t[9][q[6]] ^ t[8][q[7]] ^
				t[7][q[8]] ^ t[6][q[9]] ^ t[5][q[10]] ^ t[4][q[11]] ^
				t[3][q[12]] ^ t[2][q[13]] ^ t[1][q[14]] ^ t[0][q[15]]
			c2 = t[15][c2>>24] ^ t[14][c2>>16&0xff] ^ t[13][c2>>8&0xff] ^ t[12][c2&0xff] ^
				t[11][r[4]] ^ t[10][r[5]] ^ t[9][r[6]] ^ t[8][r[7]] ^
				t[7][r[8]] ^ t[6][r[9]] ^ t[5][r[10]] ^ t[4][r[11]] ^
				t[3][r[12]] ^ t[2][r[13]] ^ t[1][r[14]] ^ t[0][r[15]]
		}
		c1 ^= s[0][c0>>24] ^ s[1][c0>>16&0xff] ^ s[2][c0>>8&0xff] ^ s[3][c0&0xff]
		crc = c2 ^ s[0][c1>>24] ^ s[1][c1>>16&0xff] ^ s[2][c1>>8&0xff] ^ s[3][c1&0xff]
		b = b[3*crcLane:]
	}
	return updateSliced(crc, b)
}

// updateSliced is UpdateChecksum with one chain of slicing-by-16.
func updateSliced(crc uint32, b []byte) uint32 {
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
