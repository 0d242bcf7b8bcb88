package rtp

// UnwrapSequence returns the 64-bit sequence number that seq (a 16-bit
// RTP sequence number) stands for: of the values congruent to seq modulo
// 2¹⁶, the one nearest ref, a sequence number already unwrapped (the
// highest seen, as RFC 3550 A.1 extends against max_seq). A packet up to
// 32767 ahead or 32768 behind ref is placed right; a jump farther than that
// is indistinguishable from its wrapped twin, which is why RFC 3550 A.1
// treats jumps of more than a few thousand as a restart.
func UnwrapSequence(ref int64, seq uint16) int64 {
	return ref + int64(int16(seq-uint16(ref)))
}

// UnwrapTimestamp returns the 64-bit timestamp that ts (a 32-bit RTP
// timestamp) stands for: of the values congruent to ts modulo 2³², the one
// nearest ref, a timestamp already unwrapped. At 48 kHz that places
// anything within 12.4 hours of ref.
func UnwrapTimestamp(ref int64, ts uint32) int64 {
	return ref + int64(int32(ts-uint32(ref)))
}
