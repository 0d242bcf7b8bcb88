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
	toc := TOC(packet[0])
	if toc.Mode() == ModeCELT {
		return SILKHeader{}, ErrNoSILK
	}
	// Codes 0 to 2, nearly every packet, are read in place when valid;
	// code 3 and every error go through ParsePacket's parser.
	h := SILKHeader{perFrame: uint8(silkFramesPerFrame(toc)), channels: uint8(toc.Channels())}
	n := len(packet) - 1
	switch toc.Code() {
	case 0:
		if n <= MaxFrameSize {
			h.frames = 1
			h.setFrame(0, packet[1:])
			return h, nil
		}
	case 1:
		if n%2 == 0 && n/2 <= MaxFrameSize {
			h.frames = 2
			h.setFrame(0, packet[1:1+n/2])
			h.setFrame(1, packet[1+n/2:])
			return h, nil
		}
	case 2:
		size, used, ok := frameLength(packet[1:])
		if ok && size <= n-used && n-used-size <= MaxFrameSize {
			h.frames = 2
			h.setFrame(0, packet[1+used:1+used+size])
			h.setFrame(1, packet[1+used+size:])
			return h, nil
		}
	}
	var p Packet
	if err := p.parse(packet); err != nil {
		return SILKHeader{}, err
	}
	return p.SILKHeader()
}

// setFrame records the header of Opus frame i, if it has one.
func (h *SILKHeader) setFrame(i int, frame []byte) {
	if len(frame) > 1 {
		h.coded |= 1 << i
		h.first[i] = frame[0]
	}
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
		h.setFrame(i, p.Frame(i))
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

// Coded reports whether the given Opus frame has a SILK header: false for
// a frame of 0 or 1 bytes and for an index out of range.
func (h *SILKHeader) Coded(frame int) bool {
	return frame >= 0 && frame < int(h.frames) && h.coded&(1<<frame) != 0
}

// bit returns header bit n (0 is the first) of the given Opus frame.
func (h *SILKHeader) bit(frame, n int) bool {
	return h.Coded(frame) && h.first[frame]&(0x80>>n) != 0
}

// VAD reports the voice activity flag of SILK frame k (0 to SILKFrames−1)
// of the given channel in the given Opus frame: whether the encoder found
// that 20 ms (or 10 ms) active. Indices out of range and frames without a
// header read as false.
func (h *SILKHeader) VAD(frame, channel, k int) bool {
	if channel < 0 || channel >= int(h.channels) || k < 0 || k >= int(h.perFrame) {
		return false
	}
	return h.bit(frame, channel*(int(h.perFrame)+1)+k)
}

// LBRR reports the LBRR flag of the given channel in the given Opus frame:
// whether the frame carries low-bitrate redundant copies (in-band FEC) of
// the SILK frames that came before it. Indices out of range and frames
// without a header read as false.
func (h *SILKHeader) LBRR(frame, channel int) bool {
	if channel < 0 || channel >= int(h.channels) {
		return false
	}
	return h.bit(frame, channel*(int(h.perFrame)+1)+int(h.perFrame))
}

// Active reports whether any VAD flag of any frame and channel is set.
func (h *SILKHeader) Active() bool {
	vad, _ := h.masks()
	for i := range int(h.frames) {
		if h.coded&(1<<i) != 0 && h.first[i]&vad != 0 {
			return true
		}
	}
	return false
}

// HasLBRR reports whether the first Opus frame has the LBRR flag set on
// either channel: whether the packet carries in-band FEC for the packet
// before it, as HasLBRR(packet) does.
func (h *SILKHeader) HasLBRR() bool {
	_, lbrr := h.masks()
	return h.coded&1 != 0 && h.first[0]&lbrr != 0
}

// masks returns the bits of a frame's first byte that hold VAD flags and
// those that hold LBRR flags, for the header's layout.
func (h *SILKHeader) masks() (vad, lbrr byte) {
	if h.perFrame < 1 || h.perFrame > MaxSILKFrames || h.channels < 1 || h.channels > 2 {
		return 0, 0 // the zero SILKHeader
	}
	m := headerMasks[h.perFrame-1][h.channels-1]
	return m[0], m[1]
}

// headerMasks holds, per SILK frame count (1 to 3) and channel count, the
// VAD and LBRR bits of a frame's first byte.
var headerMasks = func() (m [MaxSILKFrames][2][2]byte) {
	for per := 1; per <= MaxSILKFrames; per++ {
		for channels := 1; channels <= 2; channels++ {
			var vad, lbrr byte
			for c := range channels {
				for k := range per {
					vad |= 0x80 >> (c*(per+1) + k)
				}
				lbrr |= 0x80 >> (c*(per+1) + per)
			}
			m[per-1][channels-1] = [2]byte{vad, lbrr}
		}
	}
	return m
}()

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
// which a decoder conceals) is inactive too. It is false for a CELT-only
// packet, which has no VAD flags (so its activity is unknown and it is
// taken as active), and for an invalid packet. A buffer may drop or
// stretch an inactive packet with little audible effect.
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
// WebRtcOpus_PacketHasFec reads it). The LBRR data of later frames repeats
// frames of the same packet, which is no help for a lost one
// (SILKHeader.AnyLBRR reports those). It is false for CELT-only and
// invalid packets and when the first frame has no header.
func HasLBRR(packet []byte) bool {
	h, err := ParseSILKHeader(packet)
	return err == nil && h.HasLBRR()
}
