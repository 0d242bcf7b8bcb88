package rtp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// DefaultPayloadType is the payload type a Packetizer uses unless told
// otherwise: 111, what browsers offer for Opus.
const DefaultPayloadType = 111

// Packetizer turns Opus frames into the RTP packets of one stream
// (RFC 7587: one Opus packet per RTP packet, the timestamp in 48 kHz
// samples whatever the coded rate) and keeps the counts its sender reports
// need. The SSRC and the first sequence number and timestamp are random
// (RFC 3550 §5.1) unless options fix them. It is safe for concurrent use.
type Packetizer struct {
	mu     sync.Mutex
	ssrc   uint32 // never changes
	clock  opusrt.Clock
	cname  string
	header Header // the next packet's header

	fracNs   int64 // Skip's remainder below one sample, in ns·48000 units
	sent     bool
	lastTs   uint32    // timestamp of the last packet
	lastSend time.Time // when it was made, on the clock
	packets  uint32
	octets   uint32
}

// PacketizerOption configures a Packetizer.
type PacketizerOption func(*packetizerConfig)

type packetizerConfig struct {
	pt                     uint8
	random                 io.Reader
	ssrc, ts               uint32
	seq                    uint16
	ssrcSet, seqSet, tsSet bool
	clock                  opusrt.Clock
	cname                  string
}

// WithSendPayloadType sets the payload type of the packets (0–127; higher
// bits are dropped). The default is DefaultPayloadType.
func WithSendPayloadType(pt uint8) PacketizerOption {
	return func(c *packetizerConfig) { c.pt = pt & 0x7F }
}

// WithSSRC fixes the SSRC instead of drawing it at random.
func WithSSRC(ssrc uint32) PacketizerOption {
	return func(c *packetizerConfig) { c.ssrc, c.ssrcSet = ssrc, true }
}

// WithInitialSequence fixes the first sequence number.
func WithInitialSequence(seq uint16) PacketizerOption {
	return func(c *packetizerConfig) { c.seq, c.seqSet = seq, true }
}

// WithInitialTimestamp fixes the first timestamp.
func WithInitialTimestamp(ts uint32) PacketizerOption {
	return func(c *packetizerConfig) { c.ts, c.tsSet = ts, true }
}

// WithRandom draws the SSRC, sequence number and timestamp that are not
// fixed from r instead of crypto/rand (4, 2 and 4 bytes, in that order):
// a seeded source makes a run reproducible. If r runs short, the rest
// come from crypto/rand.
func WithRandom(r io.Reader) PacketizerOption {
	return func(c *packetizerConfig) { c.random = r }
}

// WithSenderClock sets the clock that dates the packets, from which
// SenderReport extrapolates its RTP time. The default is
// opusrt.SystemClock().
func WithSenderClock(clk opusrt.Clock) PacketizerOption {
	return func(c *packetizerConfig) { c.clock = clk }
}

// WithSenderCNAME sets the canonical name AppendReport puts in its SDES;
// the default is "opusrt-" and the SSRC in hex.
func WithSenderCNAME(cname string) PacketizerOption {
	return func(c *packetizerConfig) { c.cname = cname }
}

// NewPacketizer returns a Packetizer whose first packet will carry the
// marker bit (it starts a talkspurt).
func NewPacketizer(opts ...PacketizerOption) *Packetizer {
	cfg := packetizerConfig{pt: DefaultPayloadType}
	for _, o := range opts {
		o(&cfg)
	}
	draw := func(n int) []byte {
		b := make([]byte, n)
		if cfg.random != nil {
			if _, err := io.ReadFull(cfg.random, b); err == nil {
				return b
			}
		}
		rand.Read(b) // never fails (Go 1.24+)
		return b
	}
	if !cfg.ssrcSet {
		cfg.ssrc = binary.BigEndian.Uint32(draw(4))
	}
	if !cfg.seqSet {
		cfg.seq = binary.BigEndian.Uint16(draw(2))
	}
	if !cfg.tsSet {
		cfg.ts = binary.BigEndian.Uint32(draw(4))
	}
	if cfg.clock == nil {
		cfg.clock = opusrt.SystemClock()
	}
	if cfg.cname == "" {
		cfg.cname = fmt.Sprintf("opusrt-%08x", cfg.ssrc)
	}
	return &Packetizer{
		ssrc:  cfg.ssrc,
		clock: cfg.clock,
		cname: cfg.cname,
		header: Header{
			Marker:         true,
			PayloadType:    cfg.pt,
			SequenceNumber: cfg.seq,
			Timestamp:      cfg.ts,
			SSRC:           cfg.ssrc,
		},
	}
}

// SSRC returns the stream's SSRC.
func (p *Packetizer) SSRC() uint32 { return p.ssrc }

// Packetize returns the RTP packet that carries frame, whose Payload
// aliases frame, and moves on: the next packet gets the next sequence
// number and a timestamp later by the frame's duration (RFC 6716 §3.1, in
// 48 kHz samples). The marker bit is set on the first packet and on the
// first after a Skip. A frame that is not valid Opus is an error wrapping
// opusrt.ErrInvalidFrame, and changes nothing.
func (p *Packetizer) Packetize(frame opusrt.Frame) (Packet, error) {
	if err := opus.Validate(frame); err != nil {
		return Packet{}, &wireError{opusrt.ErrInvalidFrame, fmt.Sprintf("frame of %d bytes: %v", len(frame), err)}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pkt := Packet{Header: p.header, Payload: frame}
	p.sent, p.lastTs, p.lastSend = true, p.header.Timestamp, p.clock.Now()
	p.packets++
	p.octets += uint32(len(frame))
	p.header.Marker = false
	p.header.SequenceNumber++
	p.header.Timestamp += uint32(frame.Samples())
	return pkt, nil
}

// AppendPacket appends the RTP packet that carries frame to dst and
// returns the extended slice, as Packetize; on error dst is returned as is.
func (p *Packetizer) AppendPacket(dst []byte, frame opusrt.Frame) ([]byte, error) {
	pkt, err := p.Packetize(frame)
	if err != nil {
		return dst, err
	}
	return pkt.AppendTo(dst), nil
}

// Skip moves the timestamp on by d without sending anything: audio not
// sent (silence the sender chose not to send, or input lost before it),
// which the receiver sees as a timestamp gap between consecutive sequence
// numbers, DTX. The next packet carries the marker bit, as the first of a
// talkspurt (RFC 3551 §4.1). Durations that are not whole samples carry
// their remainder to the next Skip, so many small skips do not drift. A d
// of 0 or less only sets the marker.
func (p *Packetizer) Skip(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.header.Marker = true
	if d <= 0 {
		return
	}
	// d·48000 in ns units, split into whole samples and the remainder.
	whole := int64(d/time.Second) * opusClockRate
	rest := int64(d%time.Second)*opusClockRate + p.fracNs
	whole += rest / int64(time.Second)
	p.fracNs = rest % int64(time.Second)
	p.header.Timestamp += uint32(whole)
}

// SenderReport returns the RTCP sender report for now (RFC 3550 §6.4.1):
// now in NTP time, the same instant on the RTP clock (extrapolated from the
// last packet's timestamp by the time since it was made, on the
// Packetizer's clock; the first timestamp before any packet), and the
// packets and payload bytes sent.
func (p *Packetizer) SenderReport(now time.Time) SenderReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	rtpTime := p.header.Timestamp
	if p.sent {
		rtpTime = p.lastTs + uint32(samplesIn(now.Sub(p.lastSend)))
	}
	return SenderReport{
		SSRC:        p.header.SSRC,
		NTPTime:     NTPTimeOf(now),
		RTPTime:     rtpTime,
		PacketCount: p.packets,
		OctetCount:  p.octets,
	}
}

// AppendReport appends the compound RTCP packet to send at now — the
// sender report and an SDES with the CNAME — and returns the extended
// slice.
func (p *Packetizer) AppendReport(dst []byte, now time.Time) []byte {
	sr := p.SenderReport(now)
	return AppendRTCP(dst, &sr, CNAME(p.header.SSRC, p.cname))
}
