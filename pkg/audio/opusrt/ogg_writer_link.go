package opusrt

import (
	"fmt"
	"slices"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// NextLink ends the current link of the stream and begins a new one, as
// concatenated Ogg Opus files chain (RFC 7845 §3): the current link gets
// its end trimming (TrimEnd) and its last page flagged end-of-stream, and
// the next frames go to a new logical stream with the next serial number,
// header h and tags t, its granules counted from 0 again. A copy of a
// chained file keeps its links this way (WriteFrom).
//
// Before anything was written to the current link — no Write or WriteLoss
// since NewOggWriter or the last NextLink — NextLink does not end a link
// of nothing: it sets the header and tags of the current one instead. So a
// copy may call it at every link it reads, the first included.
//
// h must be valid (oggopus.Header.Validate: its Channels set); its Version
// is ignored. t is written as it is: an empty vendor stays empty, binary
// data is kept; tags beyond oggopus.MaxTagsSize or oggopus.MaxComments are
// an error. Either error wraps ErrHeader and changes nothing; after Close
// NextLink returns an error wrapping ErrDone. h and t are copied.
func (ow *OggWriter) NextLink(h OggHeader, t OggTags) error {
	if err := ow.check("NextLink"); err != nil {
		return err
	}
	if err := h.Validate(); err != nil {
		return fmt.Errorf("opusrt: OggWriter.NextLink: %w", err)
	}
	if err := t.Validate(); err != nil {
		return fmt.Errorf("opusrt: OggWriter.NextLink: %w", err)
	}
	if ow.started {
		if err := ow.endLink(); err != nil {
			return err
		}
		ow.serial++
	}
	ow.setLink(h, t)
	return nil
}

// setLink makes h and t, copied, the header and tags of a link not begun.
func (ow *OggWriter) setLink(h OggHeader, t OggTags) {
	ow.head = h
	ow.head.Version = 1
	ow.head.ChannelMapping = slices.Clone(h.ChannelMapping)
	ow.tags = OggTags{Vendor: t.Vendor, Comments: slices.Clone(t.Comments), Binary: slices.Clone(t.Binary)}
	ow.streams = ow.head.Streams()
	ow.pw = ogg.NewPageWriter(ow.w, ow.serial)
	ow.started = false
	ow.granule, ow.pageStart, ow.packets, ow.trim = 0, 0, 0, 0
	ow.carry = 0
}

// start writes the header pages of the link unless they are written;
// channels is the count to record when no option set one.
func (ow *OggWriter) start(channels int) error {
	if ow.started {
		return nil
	}
	ow.started = true
	if ow.head.Channels == 0 {
		ow.head.Channels = channels
	}
	if ow.frames == 0 {
		// Loss before any frame: 20 ms CELT fullband, stereo if the
		// header is.
		ow.last = opus.MakeTOC(31, ow.head.Channels == 2, 0)
	}
	var err error
	if ow.scr, err = ow.head.AppendBinary(ow.scr[:0]); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.WritePacket(ow.scr, 0); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.EndPage(); err != nil {
		return ow.fail(err)
	}
	if ow.scr, err = ow.tags.AppendBinary(ow.scr[:0]); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.WritePacket(ow.scr, 0); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.EndPage(); err != nil {
		return ow.fail(err)
	}
	return nil
}

// endLink finishes the current link: its headers if none were written, a
// packet if it has none (as opusenc writes an empty input: final granule =
// pre-skip) or fill up to the pre-skip if its audio is shorter, its end
// trimming, and its last page flagged EOS.
func (ow *OggWriter) endLink() error {
	if err := ow.start(ow.last.Channels()); err != nil {
		return err
	}
	trim := ow.trim
	if pre := int64(ow.head.PreSkip); ow.packets == 0 || ow.granule < pre {
		// No audio, or less than the decoder's delay: enough concealed
		// frames to hold the pre-skip, trimmed to it, so the link plays
		// nothing and every player opens it.
		frame := int64(ow.last.FrameSamples())
		n := (pre - ow.granule + frame - 1) / frame
		if ow.packets == 0 {
			n = max(n, 1)
		}
		before := ow.granule
		if err := ow.fill(n); err != nil {
			return err
		}
		ow.samples -= ow.granule - before // no audio on the timeline
		trim = ow.granule - pre
	}
	if trim > 0 {
		if err := ow.pw.EndPage(); err != nil {
			return ow.fail(err)
		}
		// Never below the page before (granules do not go back) nor
		// below the pre-skip (a negative playback length).
		trim = min(trim, ow.granule-max(ow.pageStart, int64(ow.head.PreSkip)))
		if trim > 0 {
			ow.pw.SetHeldGranule(ow.granule - trim)
		}
	}
	if err := ow.pw.Close(); err != nil {
		return ow.fail(err)
	}
	return nil
}
