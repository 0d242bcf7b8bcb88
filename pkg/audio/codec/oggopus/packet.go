package oggopus

import "github.com/haivivi/giztoy/pkg/audio/codec/opus"

// checkPacket returns the length in 48 kHz samples of an audio packet of a
// link with the given number of Opus streams per packet, and nil when it
// is valid Opus (RFC 6716 §3.4), or the reason it is not.
func checkPacket(data []byte, streams int) (int, error) {
	if streams > 1 {
		// The first stream's TOC (and, for code 3, count byte) come first
		// in the self-delimited framing too: they give the duration.
		if len(data) == 0 {
			return 0, opus.Validate(data)
		}
		return opus.PacketSamples(data), nil
	}
	if err := opus.Validate(data); err != nil {
		return opus.PacketSamples(data), err
	}
	return opus.PacketSamples(data), nil
}
