package oggopus

// MaxPacketSize is the largest audio packet, in bytes per Opus stream it
// carries, that an Ogg Opus writer in this module writes and a reader
// returns: 48 frames of 1275 bytes with their lengths fit in 61,298 bytes
// (RFC 6716 §3.2), and 64 KiB leaves room for padding. A multistream packet
// of N streams may take N times as much (Header.MaxPacketSize). A larger
// packet is legal Opus only through padding; a writer rejects it and a
// reader drops it as corrupt, so memory stays bounded on any input.
const MaxPacketSize = 64 << 10
