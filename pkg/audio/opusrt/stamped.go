package opusrt

import "encoding/binary"

// The stamped-frame wire format: a stamp header, then one Opus packet.
//
//	plain:     8 bytes, the stamp as a big-endian int64 of epoch milliseconds
//	versioned: 0x01, then the stamp in 7 bytes big-endian
//
// A plain stamp starts with 0x00 for every time before the year 2 million,
// so the first byte tells the two apart; anything else is rejected.
const (
	stampHeaderSize = 8
	stampVersioned  = 0x01
)

// ToStamped returns a new slice holding the stamp as an 8-byte big-endian
// int64 followed by the frame bytes.
func ToStamped(frame Frame, stamp EpochMillis) []byte {
	return AppendStamped(make([]byte, 0, stampHeaderSize+len(frame)), frame, stamp)
}

// AppendStamped appends the plain stamped encoding of frame to dst and
// returns the extended slice, allocating only if dst has no room.
func AppendStamped(dst []byte, frame Frame, stamp EpochMillis) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(stamp))
	return append(dst, frame...)
}

// FromStamped splits a stamped frame into its frame and stamp. The frame
// aliases data; it is not copied. It accepts the plain 8-byte header and the
// versioned one (0x01 and a 7-byte stamp). ok is false when data is shorter
// than 9 bytes, starts with a byte other than 0x00 or 0x01 (a negative or
// absurd stamp), or carries a frame that is not a valid Opus packet.
func FromStamped(data []byte) (frame Frame, stamp EpochMillis, ok bool) {
	frame, stamp, err := parseStamped(data)
	return frame, stamp, err == nil
}

// parseStamped is FromStamped with the reason for a rejection.
func parseStamped(data []byte) (Frame, EpochMillis, error) {
	if len(data) < stampHeaderSize+1 {
		return nil, 0, errorf(ErrInvalidFrame, "stamped frame of %d bytes, need at least %d", len(data), stampHeaderSize+1)
	}
	var stamp EpochMillis
	switch data[0] {
	case 0x00:
		stamp = EpochMillis(binary.BigEndian.Uint64(data))
	case stampVersioned:
		stamp = EpochMillis(binary.BigEndian.Uint64(data) & (1<<56 - 1))
	default:
		return nil, 0, errorf(ErrInvalidFrame, "stamp header starts with 0x%02x, want 0x00 or 0x01", data[0])
	}
	frame := Frame(data[stampHeaderSize:])
	if err := frame.validate(); err != nil {
		return nil, 0, err
	}
	return frame, stamp, nil
}
