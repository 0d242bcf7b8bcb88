package rtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
)

// hexBytes decodes hex written with spaces and newlines for readability.
func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// samePacket reports whether a and b hold the same fields, a nil slice
// equal to an empty one.
func samePacket(a, b *Packet) bool {
	return sameHeader(&a.Header, &b.Header) && bytes.Equal(a.Payload, b.Payload) && a.PaddingSize == b.PaddingSize
}

func sameHeader(a, b *Header) bool {
	return a.Padding == b.Padding && a.Marker == b.Marker && a.PayloadType == b.PayloadType &&
		a.SequenceNumber == b.SequenceNumber && a.Timestamp == b.Timestamp && a.SSRC == b.SSRC &&
		slices.Equal(a.CSRC, b.CSRC) && a.Extension == b.Extension &&
		a.ExtensionProfile == b.ExtensionProfile && bytes.Equal(a.ExtensionData, b.ExtensionData)
}

// taken reports whether Receive took a packet: nil, or held on probation
// (it reaches the sink with the next packet of its stream).
func taken(err error) bool { return err == nil || errors.Is(err, ErrProbation) }
