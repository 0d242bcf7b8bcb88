// Package ogg reads and writes the Ogg bitstream of RFC 3533: pages, their
// CRC-32, lacing, and the packets that lacing splits across pages.
//
// It knows nothing of the codec the packets carry. A PageWriter packs the
// packets of one logical stream into pages; a PageReader finds pages in a
// byte stream, checks their CRC and resynchronises after garbage; a
// Reassembler puts the packets of one logical stream back together from its
// pages and says where data is missing.
//
// Memory is bounded on any input: a PageReader holds at most two pages of
// bytes, and a Reassembler drops a packet that grows past its MaxPacketSize.
package ogg
