package oggopus

import "github.com/haivivi/giztoy/pkg/audio/codec/opus"

// checkPacket returns the length in 48 kHz samples of an audio packet of a
// link with the given number of Opus streams per packet, and nil when it
// is valid Opus (RFC 6716 §3.4; for more than one stream, a multistream
// packet in the self-delimited framing of Appendix B, every stream valid
// and as long as the others), or the reason it is not.
func checkPacket(data []byte, streams int) (int, error) {
	if streams > 1 {
		n, err := opus.MultistreamSamples(data, streams)
		if err != nil {
			return opus.PacketSamples(data), err
		}
		return n, nil
	}
	if err := opus.Validate(data); err != nil {
		return opus.PacketSamples(data), err
	}
	return opus.PacketSamples(data), nil
}
