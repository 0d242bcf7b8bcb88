// Package rtp reads and writes the Real-time Transport Protocol (RFC 3550)
// as an Opus stream uses it (RFC 7587): RTP packets and their header
// extensions, the RTCP reports that go with them, and the two ends that
// join RTP to the opusrt buffers — a Receiver that turns datagrams into
// stamped frames on a Buffer's timeline, and a Packetizer that turns frames
// into packets.
//
// The wire types follow one shape: a struct with Unmarshal(b []byte) error,
// MarshalSize() int, AppendTo(dst []byte) []byte and Marshal() ([]byte,
// error). Unmarshal never copies: slices it sets (a packet's Payload, its
// extension data) alias b, so the caller must not reuse b while it still
// uses them. AppendTo writes into the caller's slice without allocating when
// there is room; it panics on a struct that cannot be encoded (more than 15
// CSRCs, a payload type above 127: a programmer's misuse), which Marshal
// reports as an error instead.
//
// Errors wrap the sentinels ErrInvalidPacket (RTP) and ErrInvalidRTCP, so
// test with errors.Is.
package rtp
