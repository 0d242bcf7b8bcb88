// Package oggopus is the Ogg Opus mapping of RFC 7845: the identification
// header (OpusHead, Header), the comment header (OpusTags, Tags), the
// limits a reader and a writer of Ogg Opus share (MaxPacketSize), and the
// demultiplexing of an Ogg stream into links and timed audio packets
// (Demuxer).
//
// The headers know nothing of pages (package ogg) or of the Opus packet
// format (package opus); the Demuxer reads pages with package ogg and
// times packets with package opus. Parsing is strict where opusfile is
// strict, so that a header accepted here is one every player opens, and
// bounded, so that no input makes memory grow beyond a documented limit.
package oggopus
