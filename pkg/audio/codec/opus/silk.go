package opus

import "errors"

// The SILK layer's header (RFC 6716 §4.2.3) opens every SILK-only and
// hybrid frame: for each channel, mid then side, one VAD flag per 20 ms
// SILK frame and then one LBRR flag. Each flag is range coded with
// probability 1/2. The range decoder (§4.1) starts with a range of 2^31
// and a value made of the frame's first 31 bits; decoding a symbol of
// probability 1/2 halves the range and yields the value's top bit, so the
// range stays a power of two and each flag is simply the next bit of the
// frame, most significant first. The header is thus the top 2 to 8 bits of
// the frame's first byte: V L for a mono 20 ms frame, V V V L for a mono
// 60 ms one, Vm Vm Lm Vs Vs Ls for a stereo 40 ms one.

// MaxSILKFrames is the most 20 ms SILK frames one Opus frame holds: three,
// in a 60 ms SILK-only frame.
const MaxSILKFrames = 3

// maxSILKPacketFrames is the most Opus frames a SILK-only or hybrid packet
// holds: 120 ms of 10 ms frames.
const maxSILKPacketFrames = MaxPacketSamples / 480

// ErrNoSILK is the error ParseSILKHeader returns for a CELT-only packet,
// which has no SILK layer and so no VAD or LBRR flags.
var ErrNoSILK = errors.New("opus: CELT-only packet has no SILK layer")

// SILKHeader is the SILK header of every frame of a SILK-only or hybrid
// packet: the VAD flag of each 20 ms SILK frame and the LBRR flag, per Opus
// frame and per channel. It is a small value that holds no reference to the
// packet.
//
// A frame of 0 or 1 bytes has no header: libopus decodes such a frame as a
// dropped one (DTX) or a lost one, and reads none of its bits. Coded
// reports which frames have one; the flags of the others read as 0.
type SILKHeader struct {
	frames   uint8
	perFrame uint8
	channels uint8
	coded    uint16                    // bit i: Opus frame i has a header
	first    [maxSILKPacketFrames]byte // first byte of each Opus frame
}

// ParseSILKHeader parses packet (checked against R1–R7 as ParsePacket
// does) and reads the SILK header of each of its frames. It returns an
// error wrapping ErrInvalidPacket for an invalid packet and ErrNoSILK for a
// CELT-only one (checked no further). It does not allocate.
func ParseSILKHeader(packet []byte) (SILKHeader, error) {
	if len(packet) < 1 {
		return SILKHeader{}, invalid("R1", "empty packet")
	}
	if TOC(packet[0]).Mode() == ModeCELT {
		return SILKHeader{}, ErrNoSILK
	}
	var p Packet
	if err := p.parse(packet); err != nil {
		return SILKHeader{}, err
	}
	return p.SILKHeader()
}

// SILKHeader reads the SILK header of each frame of a parsed packet, in
// either framing: a stream of a multistream packet (Streams.Packet) as well
// as a packet of its own. It returns ErrNoSILK for a CELT-only packet.
func (p *Packet) SILKHeader() (SILKHeader, error) {
	var h SILKHeader
	if p.TOC.Mode() == ModeCELT {
		return h, ErrNoSILK
	}
	// A SILK or hybrid frame is at least 10 ms, so a valid packet has at
	// most 12 of them.
	h.frames = uint8(p.count)
	h.perFrame = uint8(silkFramesPerFrame(p.TOC))
	h.channels = uint8(p.TOC.Channels())
	for i := range p.count {
		if p.size[i] > 1 {
			h.coded |= 1 << i
			h.first[i] = p.data[p.start[i]]
		}
	}
	return h, nil
}

// silkFramesPerFrame returns how many 20 ms SILK frames (or the one 10 ms
// frame) an Opus frame of a SILK or hybrid configuration holds.
func silkFramesPerFrame(toc TOC) int {
	if toc.Mode() == ModeSILK {
		return [4]int{1, 1, 2, 3}[toc.Config()&3]
	}
	return 1
}

// FrameCount returns the number of Opus frames in the packet, 1 to 12.
func (h *SILKHeader) FrameCount() int { return int(h.frames) }

// SILKFrames returns the number of SILK frames in each Opus frame, and so
// the number of VAD flags per channel: 1 for 10 and 20 ms frames, 2 for
// 40 ms, 3 for 60 ms.
func (h *SILKHeader) SILKFrames() int { return int(h.perFrame) }

// Channels returns the number of coded channels, 1 or 2 (the TOC's stereo
// flag). Channel 0 is the mono or mid channel and channel 1 the side.
func (h *SILKHeader) Channels() int { return int(h.channels) }

// Coded reports whether Opus frame i has a SILK header: false for a frame
// of 0 or 1 bytes and for i out of range.
func (h *SILKHeader) Coded(frame int) bool {
	return frame >= 0 && frame < int(h.frames) && h.coded&(1<<frame) != 0
}

// bit returns header bit n (0 is the first) of Opus frame i.
func (h *SILKHeader) bit(frame, n int) bool {
	return h.Coded(frame) && h.first[frame]&(0x80>>n) != 0
}

// VAD reports the voice activity flag of SILK frame k of the given channel
// in Opus frame i: whether the encoder found that 20 ms (or 10 ms) active.
// Indices out of range and frames without a header read as false.
func (h *SILKHeader) VAD(frame, channel, k int) bool {
	if channel < 0 || channel >= int(h.channels) || k < 0 || k >= int(h.perFrame) {
		return false
	}
	return h.bit(frame, channel*(int(h.perFrame)+1)+k)
}

// LBRR reports the LBRR flag of the given channel in Opus frame i: whether
// the frame carries low-bitrate redundant copies (in-band FEC) of the SILK
// frames that came before it. Indices out of range and frames without a
// header read as false.
func (h *SILKHeader) LBRR(frame, channel int) bool {
	if channel < 0 || channel >= int(h.channels) {
		return false
	}
	return h.bit(frame, channel*(int(h.perFrame)+1)+int(h.perFrame))
}

// Active reports whether any VAD flag of any frame and channel is set.
func (h *SILKHeader) Active() bool {
	for i := range int(h.frames) {
		for c := range int(h.channels) {
			for k := range int(h.perFrame) {
				if h.VAD(i, c, k) {
					return true
				}
			}
		}
	}
	return false
}

// HasLBRR reports whether the first Opus frame has the LBRR flag set on
// either channel: whether the packet carries in-band FEC for the packet
// before it, as HasLBRR(packet) does.
func (h *SILKHeader) HasLBRR() bool {
	for c := range int(h.channels) {
		if h.LBRR(0, c) {
			return true
		}
	}
	return false
}

// AnyLBRR reports whether any Opus frame has the LBRR flag set on either
// channel. In a packet of several frames, the LBRR data of a later frame
// repeats the frame before it in the same packet.
func (h *SILKHeader) AnyLBRR() bool {
	for i := range int(h.frames) {
		for c := range int(h.channels) {
			if h.LBRR(i, c) {
				return true
			}
		}
	}
	return false
}

// IsInactive reports whether the encoder marked the whole packet inactive:
// a valid SILK-only or hybrid packet in which no VAD flag is set, in any
// 20 ms SILK frame of any Opus frame, on either channel. A packet whose
// frames have no header (DTX: a TOC byte alone, or frames of 0 or 1 bytes,
// which a decoder conceals) is inactive too. It is
// false for a CELT-only packet, which has no VAD flags (so its activity is
// unknown and it is taken as active), and for an invalid packet. A buffer
// may drop or stretch an inactive packet with little audible effect.
func IsInactive(packet []byte) bool {
	h, err := ParseSILKHeader(packet)
	return err == nil && !h.Active()
}

// HasLBRR reports whether a valid SILK-only or hybrid packet carries
// in-band FEC for the packet before it: a low-bitrate copy of that packet's
// last frame (its LBRR data), which a decoder can play when that packet is
// lost (libopus opus_decode with decode_fec set). That copy is in the
// packet's first Opus frame, the only one FEC decoding reads, so HasLBRR is
// that frame's LBRR flag on either channel (as libwebrtc's
// WebRtcOpus_PacketHasFec and libopus's opus_packet_has_lbrr read it); the
// LBRR data of later frames repeats frames of the same packet, which is
// no help for a lost one (SILKHeader.AnyLBRR reports those). It is false
// for CELT-only and invalid packets and when the first frame is empty.
func HasLBRR(packet []byte) bool {
	h, err := ParseSILKHeader(packet)
	return err == nil && h.HasLBRR()
}
