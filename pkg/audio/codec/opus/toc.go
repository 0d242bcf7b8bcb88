// Package opus reads the Opus packet format of RFC 6716 §3: the TOC byte,
// the frame packing of codes 0 to 3, and the packet validity rules R1–R7.
//
// It decodes no audio. It tells how long a packet plays, how many frames it
// carries and where they lie, and whether a decoder must accept it; for
// SILK-only and hybrid packets it reads the SILK header bits the encoder
// sets (RFC 6716 §4.2.3): voice activity and in-band FEC (IsInactive,
// HasLBRR, ParseSILKHeader). It splits and validates the multistream
// packets of channel mapping family 1 (RFC 7845 §5.1.1), whose streams but
// the last use the self-delimited framing of RFC 6716 Appendix B (Streams,
// ValidateMultistream, ParseSelfDelimited), and builds them
// (AppendMultistream). Nothing here allocates but the Append functions, and
// those only as append does: a Packet is a value that points into the
// caller's bytes.
package opus

import (
	"math"
	"time"
)

// Mode is the coding mode a TOC configuration selects (RFC 6716 §3.1).
type Mode uint8

// The three Opus coding modes.
const (
	ModeSILK   Mode = iota // SILK-only: linear prediction, for speech.
	ModeHybrid             // SILK below 8 kHz plus CELT above it.
	ModeCELT               // CELT-only: transform coding, low delay.
)

// String returns the mode's name as RFC 6716 writes it.
func (m Mode) String() string {
	switch m {
	case ModeSILK:
		return "SILK"
	case ModeHybrid:
		return "Hybrid"
	case ModeCELT:
		return "CELT"
	}
	return "Mode(?)"
}

// Bandwidth is the audio bandwidth a TOC configuration selects.
type Bandwidth uint8

// The five Opus bandwidths, by their audio bandwidth and effective sample rate.
const (
	Narrowband    Bandwidth = iota // 4 kHz audio, 8 kHz sample rate.
	Mediumband                     // 6 kHz audio, 12 kHz sample rate.
	Wideband                       // 8 kHz audio, 16 kHz sample rate.
	SuperWideband                  // 12 kHz audio, 24 kHz sample rate.
	Fullband                       // 20 kHz audio, 48 kHz sample rate.
)

// String returns the bandwidth's abbreviation as RFC 6716 Table 1 writes it.
func (b Bandwidth) String() string {
	switch b {
	case Narrowband:
		return "NB"
	case Mediumband:
		return "MB"
	case Wideband:
		return "WB"
	case SuperWideband:
		return "SWB"
	case Fullband:
		return "FB"
	}
	return "Bandwidth(?)"
}

// SampleRate returns the effective sample rate of the bandwidth in Hz.
func (b Bandwidth) SampleRate() int {
	switch b {
	case Narrowband:
		return 8000
	case Mediumband:
		return 12000
	case Wideband:
		return 16000
	case SuperWideband:
		return 24000
	case Fullband:
		return 48000
	}
	return 0
}

// TOC is the table-of-contents byte that starts every Opus packet
// (RFC 6716 §3.1): a 5-bit configuration, the stereo flag and a 2-bit code.
//
//	 0 1 2 3 4 5 6 7
//	+-+-+-+-+-+-+-+-+
//	| config  |s| c |
//	+-+-+-+-+-+-+-+-+
type TOC byte

// MakeTOC builds a TOC byte from its three fields. config is 0–31 and code
// 0–3; other bits are masked off.
func MakeTOC(config int, stereo bool, code int) TOC {
	t := TOC(config&0x1f) << 3
	if stereo {
		t |= 0x04
	}
	return t | TOC(code&0x03)
}

// Config returns the configuration number, 0 to 31 (RFC 6716 Table 2).
func (t TOC) Config() int { return int(t >> 3) }

// Stereo reports whether the packet codes two channels.
func (t TOC) Stereo() bool { return t&0x04 != 0 }

// Channels returns 2 for a stereo packet and 1 for a mono one.
func (t TOC) Channels() int {
	if t.Stereo() {
		return 2
	}
	return 1
}

// Code returns the frame-count code, 0 to 3: 0 is one frame, 1 two frames
// of equal size, 2 two frames of different sizes, 3 an arbitrary number.
func (t TOC) Code() int { return int(t & 0x03) }

// Mode returns the coding mode of the configuration.
func (t TOC) Mode() Mode {
	switch c := t.Config(); {
	case c < 12:
		return ModeSILK
	case c < 16:
		return ModeHybrid
	default:
		return ModeCELT
	}
}

// Bandwidth returns the audio bandwidth of the configuration.
func (t TOC) Bandwidth() Bandwidth {
	switch c := t.Config(); {
	case c < 4:
		return Narrowband
	case c < 8:
		return Mediumband
	case c < 12:
		return Wideband
	case c < 14:
		return SuperWideband
	case c < 16:
		return Fullband
	case c < 20:
		return Narrowband
	case c < 24:
		return Wideband
	case c < 28:
		return SuperWideband
	default:
		return Fullband
	}
}

// FrameSamples returns the length of one frame in 48 kHz samples: 120, 240,
// 480, 960, 1920 or 2880.
func (t TOC) FrameSamples() int {
	c := t.Config()
	switch {
	case c < 12: // SILK: 10, 20, 40, 60 ms
		return [4]int{480, 960, 1920, 2880}[c&3]
	case c < 16: // Hybrid: 10, 20 ms
		return [2]int{480, 960}[c&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		return [4]int{120, 240, 480, 960}[c&3]
	}
}

// FrameDuration returns the length of one frame: 2.5, 5, 10, 20, 40 or 60 ms.
func (t TOC) FrameDuration() time.Duration {
	return SamplesDuration(t.FrameSamples())
}

// SamplesDuration converts a count of 48 kHz samples to a duration,
// truncated toward zero to the nanosecond. It is exact for every int and
// saturates at the extremes: counts beyond about ±4.4×10^14 samples (292
// years) give the largest or smallest Duration, never a wrapped one.
func SamplesDuration(samples int) time.Duration {
	// samples × 10^9 / 48000 = samples × 62500 / 3, computed on the quotient
	// and remainder of samples / 3 so that no product can overflow.
	const nsPer3 = int64(time.Second) * 3 / SampleRate // 62500
	s := int64(samples)
	q, r := s/3, s%3 // r has the sign of s
	extra := r * nsPer3 / 3
	// extra has the sign of s too, so the bound computed cannot overflow.
	if s >= 0 && q > (math.MaxInt64-extra)/nsPer3 {
		return math.MaxInt64
	}
	if s < 0 && q < (math.MinInt64-extra)/nsPer3 {
		return math.MinInt64
	}
	return time.Duration(q*nsPer3 + extra)
}

// DurationSamples converts a duration to a count of 48 kHz samples,
// truncated toward zero. It is exact for every Duration and cannot
// overflow: the longest Duration is about 4.4×10^14 samples.
func DurationSamples(d time.Duration) int64 {
	// d × 48000 / 10^9 = d × 3 / 62500, on the quotient and remainder.
	const nsPer3 = int64(time.Second) * 3 / SampleRate
	q, r := int64(d)/nsPer3, int64(d)%nsPer3
	return q*3 + r*3/nsPer3
}

// SampleRate is the rate, in Hz, of the sample counts this package uses
// (and of Ogg Opus granule positions).
const SampleRate = 48000
