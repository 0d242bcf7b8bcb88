package opusrt

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// FrameReader is a source of frames and losses: Buffer, RealtimeBuffer and
// OggReader all satisfy it. Frame returns the next frame with loss 0, or a
// nil frame and the duration of audio lost before the next one, or an
// error; io.EOF ends the source.
type FrameReader interface {
	Frame() (Frame, time.Duration, error)
}

// OggWriter writes Opus frames to an Ogg Opus stream (RFC 7845).
//
// Nothing is written until the first Write, WriteLoss or Close: the
// channel count comes from the first frame's stereo flag unless
// WithChannels or WithHeader sets it. OpusHead goes alone on the first
// page, OpusTags on its own page(s), then the audio packs many packets per
// page: a page ends at 255 lacing values or WithMaxPageDuration of audio.
//
// Granule positions count as libopusenc counts them: the stream starts at
// granule 0, and a page's granule is the 48 kHz samples of every packet up
// to the last one completed on it, every frame of a multi-frame packet
// counted; a page on which no packet completes has granule −1. The
// pre-skip is inside the first packets (the decoder's warm-up, which
// players drop), so a file plays final granule − pre-skip samples: the
// packets' samples less the pre-skip and any end trimming (TrimEnd).
//
// A stream with no audio is written as opusenc writes one: a packet (a
// TOC-only packet, which decoders conceal) with final granule = pre-skip,
// so that every player opens it and plays nothing; never headers alone.
//
// The last page is held back until Close (or NextLink), which flags it
// end-of-stream, so the file is complete on any io.Writer, seekable or
// not. Flush writes what is held at once. Each page reaches w in one Write
// call.
//
// An OggWriter is not safe for concurrent use.
type OggWriter struct {
	w   io.Writer
	pw  *ogg.PageWriter
	cfg oggConfig

	head    OggHeader // the link's header; Channels 0 until its first frame
	tags    OggTags   // the link's tags
	streams int       // Opus streams per packet, from head
	serial  uint32    // the link's serial
	started bool      // the link's headers are written
	closed  bool      // Close called
	err     error     // sticky write error

	granule   int64 // 48 kHz samples of the link's packets
	pageStart int64 // granule where the page being built started
	maxPage   int64 // most samples a page holds
	packets   int64 // the link's audio packets
	trim      int64 // TrimEnd's samples, for this link

	last  opus.TOC      // configuration of the last frame, for loss
	carry time.Duration // rounding error of loss filling carried on
	scr   []byte        // header and loss packet scratch

	frames  int64         // frames written, every link
	loss    time.Duration // loss filled, every link
	samples int64         // 48 kHz samples written, every link
}

// NewOggWriter returns an OggWriter that writes to w. sampleRate is the
// sample rate of the original input, recorded in OpusHead for information
// (0 when unknown); it does not change the stream, which is always 48 kHz.
// A negative sampleRate, a nil w or an invalid option is an error.
func NewOggWriter(w io.Writer, sampleRate int, opts ...OggOption) (*OggWriter, error) {
	cfg := oggConfig{head: OggHeader{PreSkip: DefaultPreSkip, InputSampleRate: sampleRate}}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	switch {
	case w == nil:
		return nil, errors.New("opusrt: NewOggWriter: nil io.Writer")
	case sampleRate < 0:
		return nil, fmt.Errorf("opusrt: NewOggWriter: negative sample rate %d", sampleRate)
	case cfg.err != nil:
		return nil, cfg.err
	}
	// A header without channels yet takes them from the first frame:
	// check the rest now.
	check := cfg.head
	if check.Channels == 0 && check.MappingFamily == oggopus.FamilyRTP {
		check.Channels = 1
	}
	if err := check.Validate(); err != nil {
		return nil, fmt.Errorf("opusrt: NewOggWriter: %w", err)
	}
	if cfg.tags.Vendor == "" {
		cfg.tags.Vendor = DefaultVendor
	}
	if err := cfg.tags.Validate(); err != nil {
		return nil, fmt.Errorf("opusrt: NewOggWriter: %w", err)
	}
	if cfg.maxPage <= 0 {
		cfg.maxPage = DefaultMaxPageDuration
	}
	if !cfg.serialOK {
		var b [4]byte
		rand.Read(b[:])
		cfg.serial = binary.LittleEndian.Uint32(b[:])
	}
	ow := &OggWriter{
		w:       w,
		cfg:     cfg,
		serial:  cfg.serial,
		maxPage: max(durationSamples(cfg.maxPage), 1),
		// Loss before any frame: 20 ms CELT fullband frames.
		last: opus.MakeTOC(31, false, 0),
	}
	ow.setLink(cfg.head, cfg.tags)
	return ow, nil
}

// Serial returns the serial number of the current link.
func (ow *OggWriter) Serial() uint32 { return ow.serial }

// Header returns the OpusHead of the current link; until its first frame
// its Channels may be 0 (taken from that frame). The caller must not
// modify its ChannelMapping.
func (ow *OggWriter) Header() OggHeader { return ow.head }

// Granule returns the granule position after the last packet written to
// the current link: the 48 kHz samples of its packets, pre-skip included.
func (ow *OggWriter) Granule() int64 { return ow.granule }

// Duration returns the audio written so far, every link and loss fill
// included: the sum of the packets' durations, the timeline the file
// covers. Players play Duration less each link's pre-skip and end
// trimming. It saturates at 292 years instead of overflowing.
func (ow *OggWriter) Duration() time.Duration { return samplesDuration(ow.samples) }

// Write adds a frame to the stream. An invalid frame (RFC 6716 §3.4; a
// multistream packet of the header's StreamCount streams when it has more
// than one), or one larger than the Ogg Opus packet bound
// (oggopus.MaxPacketSize per stream, which the OggReader also keeps), is
// an error wrapping ErrInvalidFrame, and nothing of it is written; after
// Close Write returns an error wrapping ErrDone. A stereo frame in a mono
// stream, or the reverse, is written as it is: decoders mix it to the
// header's channel count. The frame is copied: the caller may reuse it.
func (ow *OggWriter) Write(frame Frame) error {
	if err := ow.check("Write"); err != nil {
		return err
	}
	samples, err := ow.frameSamples(frame)
	if err != nil {
		return err
	}
	if err := ow.start(frame.TOC().Channels()); err != nil {
		return err
	}
	ow.last = frame.TOC()
	ow.frames++
	return ow.packet(frame, samples)
}

// frameSamples validates a frame for the current link and returns its
// length in 48 kHz samples.
func (ow *OggWriter) frameSamples(frame Frame) (int, error) {
	if limit := oggopus.MaxPacketSize * ow.streams; len(frame) > limit {
		return 0, errorf(ErrInvalidFrame, "packet of %d bytes, more than the %d an Ogg Opus packet of %d stream(s) may hold (oggopus.MaxPacketSize)",
			len(frame), limit, ow.streams)
	}
	if ow.streams > 1 {
		n, err := opus.MultistreamSamples(frame, ow.streams)
		if err != nil {
			return 0, &frameError{err: err}
		}
		return n, nil
	}
	if err := frame.validate(); err != nil {
		return 0, err
	}
	return frame.Samples(), nil
}

func (ow *OggWriter) check(method string) error {
	if ow.err != nil {
		return ow.err
	}
	if ow.closed {
		return errorf(ErrDone, "OggWriter.%s after Close", method)
	}
	return nil
}

// packet writes one audio packet of the given length in samples.
func (ow *OggWriter) packet(p []byte, samples int) error {
	if ow.pw.Pending() == 0 {
		ow.pageStart = ow.granule
	}
	seq := ow.pw.Sequence()
	before := ow.granule
	ow.granule += int64(samples)
	ow.samples += int64(samples)
	ow.packets++
	if err := ow.pw.WritePacket(p, ow.granule); err != nil {
		return ow.fail(err)
	}
	if ow.pw.Sequence() != seq && ow.pw.Pending() > 0 {
		// The packet filled a page and went on onto a new one.
		ow.pageStart = before
	}
	if ow.pw.Pending() > 0 && ow.granule-ow.pageStart >= ow.maxPage {
		if err := ow.pw.EndPage(); err != nil {
			return ow.fail(err)
		}
	}
	return nil
}

func (ow *OggWriter) fail(err error) error {
	ow.err = fmt.Errorf("opusrt: OggWriter: %w", err)
	return ow.err
}

// WriteFrom copies every frame from src to the stream and fills every loss
// src reports with WriteLoss, until src returns io.EOF. It returns the
// number of frames written and the duration of loss filled. An error other
// than io.EOF, from src or from writing, ends the copy and is returned,
// except one wrapping ErrHeader: an OggReader says so of a link whose
// header is damaged, and reads on, so the copy goes on with that link's
// audio. (It is not named ReadFrom: src is no io.Reader.)
//
// From an *OggReader, the copy keeps what the source's links are: each
// link's header (channels, mapping family and table, output gain, input
// rate, pre-skip), tags and end trimming, and a new link (NextLink) where
// the source has one, so that it decodes sample-identical to the source.
// It reads the source link by link (Multistream(false)) from the link it
// is in, and leaves its Multistream setting as it found it.
func (ow *OggWriter) WriteFrom(src FrameReader) (frames int64, loss time.Duration, err error) {
	if or, ok := src.(*OggReader); ok {
		return ow.copyOgg(or)
	}
	return ow.copyFrames(src)
}

// copyFrames copies src's frames and losses until it ends.
func (ow *OggWriter) copyFrames(src FrameReader) (frames int64, loss time.Duration, err error) {
	f0, l0 := ow.frames, ow.loss
	for {
		frame, lost, err := src.Frame()
		if errors.Is(err, ErrHeader) {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return ow.frames - f0, ow.loss - l0, err
		}
		if lost > 0 {
			if err := ow.WriteLoss(lost); err != nil {
				return ow.frames - f0, ow.loss - l0, err
			}
		}
		if frame != nil {
			if err := ow.Write(frame); err != nil {
				return ow.frames - f0, ow.loss - l0, err
			}
		}
	}
}

// Flush ends the page being built and writes every page held, so what was
// written so far reaches w now (a live stream, or a file that survives a
// crash). Before the first frame there is nothing to flush. Flushing often
// costs a page header each time.
func (ow *OggWriter) Flush() error {
	if err := ow.check("Flush"); err != nil {
		return err
	}
	if !ow.started {
		return nil
	}
	if err := ow.pw.Flush(); err != nil {
		return ow.fail(err)
	}
	return nil
}

// TrimEnd sets how many 48 kHz samples at the end of the current link
// players must not play: the padding an encoder adds to fill its last
// frame and flush its look-ahead (RFC 7845 §4.4, end trimming). Close (or
// NextLink) applies it by lowering the last page's granule position, also
// when that page is the link's only audio page, by at most the samples
// that end on that page and never below the pre-skip; it has no effect
// when a Flush already wrote the last packet. A copy of a file keeps the
// original's length by trimming what the original trimmed. Duration does
// not count it.
func (ow *OggWriter) TrimEnd(samples int) error {
	if samples < 0 {
		return fmt.Errorf("opusrt: OggWriter.TrimEnd: negative trim %d", samples)
	}
	ow.trim = int64(samples)
	return nil
}

// Close ends the stream: it ends the current link as NextLink does — its
// headers if nothing was written yet, a packet if it has no audio, the
// held page flagged end-of-stream with its end trimming (or, when Flush
// left nothing held, an empty end-of-stream page with granule −1). It
// does not close w. Calling Close again does nothing and returns nil, or
// the write error Close met.
func (ow *OggWriter) Close() error {
	if ow.err != nil {
		return ow.err
	}
	if ow.closed {
		return nil
	}
	ow.closed = true
	return ow.endLink()
}
