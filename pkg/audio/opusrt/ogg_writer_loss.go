package opusrt

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// MaxLossFill is the most loss one WriteLoss call fills: a gap longer than
// a minute is a discontinuity (a sender restarted, a stamp jumped), not
// audio to keep, and filling hours of it would cost 500 packets a minute
// and the time to write them. The rest of a longer loss is dropped from
// the file's timeline.
const MaxLossFill = time.Minute

// WriteLoss records d of lost audio, so the file keeps the real timeline:
// it writes TOC-only packets in the configuration of the last frame
// written (20 ms CELT before any), which decoders conceal. Code 3 packets
// carry up to 120 ms each in two bytes (and two bytes more per extra
// stream of a multistream header). At most MaxLossFill is filled per call;
// the rest of a longer d is dropped, not carried. d ≤ 0 writes nothing.
//
// d plus the rounding error carried from earlier calls is rounded to the
// nearest whole number of frames, and at least one frame when that sum is
// positive; the new rounding error is carried into the next WriteLoss, so
// the file's length does not drift from the timeline however the losses
// fall. So a d > 0 writes nothing when earlier fills, rounded up, already
// ran ahead of the timeline by d or more. After Close WriteLoss returns an
// error wrapping ErrDone.
func (ow *OggWriter) WriteLoss(d time.Duration) error {
	if err := ow.check("WriteLoss"); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	d = min(d, MaxLossFill)
	if err := ow.start(ow.last.Channels()); err != nil {
		return err
	}
	frame := ow.last.FrameDuration()
	total := d + ow.carry // |carry| ≤ one frame: no overflow
	var n int64
	if total > 0 {
		n = max(int64((total+frame/2)/frame), 1)
	}
	ow.carry = total - time.Duration(n)*frame
	ow.loss += time.Duration(n) * frame
	return ow.fill(n)
}

// fill writes n TOC-only frames in the configuration of the last frame, as
// few packets as code 3 allows.
func (ow *OggWriter) fill(n int64) error {
	perPacket := int64(opus.MaxPacketSamples / ow.last.FrameSamples())
	for n > 0 {
		m := min(n, perPacket)
		ow.scr = appendLossPacket(ow.scr[:0], ow.last, int(m), ow.streams, ow.head.CoupledCount)
		if err := ow.packet(ow.scr, int(m)*ow.last.FrameSamples()); err != nil {
			return err
		}
		n -= m
	}
	return nil
}

// appendLossPacket appends a packet of m empty frames (1 ≤ m ≤ 48) of the
// configuration of toc: code 0 for one frame, code 3 CBR for more. With
// more than one stream it is a multistream packet (RFC 6716 Appendix B):
// every stream but the last self-delimited (a frame length of 0 added),
// the coupled streams first and stereo.
func appendLossPacket(dst []byte, toc opus.TOC, m, streams, coupled int) []byte {
	for s := range streams {
		stereo := toc.Stereo()
		if streams > 1 {
			stereo = s < coupled
		}
		if m == 1 {
			dst = append(dst, byte(opus.MakeTOC(toc.Config(), stereo, 0)))
		} else {
			dst = append(dst, byte(opus.MakeTOC(toc.Config(), stereo, 3)), byte(m)) // CBR, no padding
		}
		if s < streams-1 {
			dst = append(dst, 0) // self-delimited: the frame length
		}
	}
	return dst
}
