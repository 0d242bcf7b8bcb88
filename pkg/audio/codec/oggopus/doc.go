// Package oggopus is the Ogg Opus mapping of RFC 7845: the identification
// header (OpusHead, Header), the comment header (OpusTags, Tags), and the
// limits a reader and a writer of Ogg Opus share (MaxPacketSize).
//
// It knows nothing of pages (package ogg) or of the Opus packet format
// (package opus). Parsing is strict where opusfile is strict, so that a
// header accepted here is one every player opens, and bounded, so that no
// header makes memory grow beyond a documented limit.
package oggopus
