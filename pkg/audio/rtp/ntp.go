package rtp

import (
	"math"
	"time"
)

// NTPTime is a wall-clock time in the 64-bit NTP format RTCP uses
// (RFC 3550 §4): seconds since 1900-01-01 UTC in the upper 32 bits, the
// fraction of a second in the lower 32.
type NTPTime uint64

// ntpUnixOffset is the seconds from the NTP epoch (1900) to the Unix epoch.
const ntpUnixOffset = 2208988800

// NTPTimeOf returns t in NTP format, rounded to the nearest 2⁻³² s. Times
// outside the NTP era 0 (1900–2036) wrap, as on the wire.
func NTPTimeOf(t time.Time) NTPTime {
	secs := uint64(t.Unix() + ntpUnixOffset)
	frac := (uint64(t.Nanosecond())<<32 + 5e8) / 1e9
	return NTPTime(secs<<32 + frac)
}

// Time returns n as a time.Time, taking it to lie in NTP era 0 (from 1900
// to 2036-02-07).
func (n NTPTime) Time() time.Time {
	secs := int64(n>>32) - ntpUnixOffset
	nanos := (uint64(n&0xFFFFFFFF)*1e9 + 1<<31) >> 32
	return time.Unix(secs, int64(nanos))
}

// Middle returns the middle 32 bits of n: 16 bits of seconds and 16 of
// fraction, the compact form of LSR and of the round-trip computation
// (RFC 3550 §6.4.1), in 1/65536 s.
func (n NTPTime) Middle() uint32 { return uint32(n >> 16) }

// ShortDuration returns d in the compact NTP unit of DLSR, 1/65536 s,
// rounded, clamped to what 32 bits hold (about 18 hours); negative is 0.
func ShortDuration(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	v := math.Round(d.Seconds() * 65536)
	if v >= math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(v)
}

// shortToDuration converts 1/65536 s units to a time.Duration.
func shortToDuration(v uint32) time.Duration {
	return time.Duration((int64(v)*int64(time.Second) + 1<<15) >> 16)
}

// RoundTripTime returns the round trip a report block measures
// (RFC 3550 §6.4.1): the report's arrival A, minus the LSR it echoes, minus
// the DLSR the reporter waited, all in the middle 32 bits of NTP time, so
// the sender needs only its own clock. ok is false when the block echoes no
// SR (LSR 0) or the result is negative (the block does not answer an SR of
// this clock, or is older than 9 hours), which no estimate should absorb.
func RoundTripTime(arrival time.Time, rb ReportBlock) (rtt time.Duration, ok bool) {
	if rb.LastSR == 0 {
		return 0, false
	}
	v := NTPTimeOf(arrival).Middle() - rb.LastSR - rb.DelaySinceLastSR
	if int32(v) < 0 {
		return 0, false
	}
	return shortToDuration(v), true
}
