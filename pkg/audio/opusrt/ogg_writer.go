package opusrt

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// DefaultMaxPageDuration is the most audio an OggWriter puts on one page
// unless told otherwise: a player or a live listener gets a page at least
// once a second, and the container costs about 0.3 kbit/s.
const DefaultMaxPageDuration = time.Second

// DefaultVendor is the OpusTags vendor string an OggWriter records unless
// told otherwise.
const DefaultVendor = "giztoy opusrt"

// FrameReader is a source of frames and losses: Buffer, RealtimeBuffer and
// OggReader all satisfy it. Frame returns the next frame with loss 0, or a
// nil frame and the duration of audio lost before the next one, or an
// error; io.EOF ends the source.
type FrameReader interface {
	Frame() (Frame, time.Duration, error)
}

// OggOption configures an OggWriter (NewOggWriter).
type OggOption func(*oggConfig)

type oggConfig struct {
	channels int // 0: from the first frame
	preSkip  int
	maxPage  time.Duration
	serial   uint32
	serialOK bool
	vendor   string
	comments []string
}

// WithChannels sets the channel count recorded in OpusHead, 1 or 2, instead
// of taking it from the first frame's stereo flag.
func WithChannels(n int) OggOption { return func(c *oggConfig) { c.channels = n } }

// WithPreSkip sets the pre-skip recorded in OpusHead, in 48 kHz samples
// (0 to 65535): how much decoded audio a player drops from the start. The
// default, DefaultPreSkip, suits packets from libopus. opusinfo warns of a
// pre-skip below 120 (2.5 ms) as implausible for any Opus encoder.
func WithPreSkip(samples int) OggOption { return func(c *oggConfig) { c.preSkip = samples } }

// WithMaxPageDuration sets the most audio one page holds; a page is also
// ended at 255 packets. 0 or less means DefaultMaxPageDuration. Shorter
// pages reach a live listener sooner and cost more bytes.
func WithMaxPageDuration(d time.Duration) OggOption {
	return func(c *oggConfig) { c.maxPage = d }
}

// WithSerial sets the Ogg stream serial number, random by default. Files
// meant to be chained need different serial numbers.
func WithSerial(serial uint32) OggOption {
	return func(c *oggConfig) { c.serial, c.serialOK = serial, true }
}

// WithTags sets the OpusTags vendor string and user comments
// ("NAME=value"). An empty vendor means DefaultVendor.
func WithTags(vendor string, comments ...string) OggOption {
	return func(c *oggConfig) { c.vendor, c.comments = vendor, comments }
}

// OggWriter writes Opus frames to an Ogg Opus stream (RFC 7845).
//
// Nothing is written until the first Write, WriteLoss or Close: the
// channel count comes from the first frame's stereo flag unless
// WithChannels sets it. OpusHead goes alone on the first page, OpusTags on
// its own page, then the audio packs many packets per page: a page ends at
// 255 packets or WithMaxPageDuration of audio. A page's granule position is
// the pre-skip plus the 48 kHz samples of every packet up to the last one
// completed on it, every frame of a multi-frame packet counted, so the
// playback length (final granule − pre-skip, RFC 7845 §4) is the sum of the
// packets' durations: a recording lasts exactly as long as the timeline it
// holds, loss fill included. (libopusenc counts from 0 instead, because its
// first packets hold the encoder's own pre-skip; players decode the same
// samples either way and treat the offset as the stream's start time.)
//
// The last page is held back until Close, which flags it end-of-stream, so
// the file is complete on any io.Writer, seekable or not. Flush writes what
// is held at once. Each page reaches w in one Write call.
//
// An OggWriter is not safe for concurrent use.
type OggWriter struct {
	w   io.Writer
	pw  *ogg.PageWriter
	cfg oggConfig

	sampleRate int
	started    bool  // headers written
	closed     bool  // Close called
	err        error // sticky write error

	granule   int64 // pre-skip + 48 kHz samples written
	pageStart int64 // granule where the page being built started
	maxPage   int64 // most samples a page holds

	last  opus.TOC      // configuration of the last frame, for loss
	carry time.Duration // rounding error of loss filling carried on
	scr   []byte        // header scratch

	frames int64
	loss   time.Duration
	trim   int64 // TrimEnd's samples
}

// NewOggWriter returns an OggWriter that writes to w. sampleRate is the
// sample rate of the original input, recorded in OpusHead for information
// (0 when unknown); it does not change the stream, which is always 48 kHz.
// A negative sampleRate, a nil w or an invalid option is an error.
func NewOggWriter(w io.Writer, sampleRate int, opts ...OggOption) (*OggWriter, error) {
	cfg := oggConfig{preSkip: DefaultPreSkip}
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
	case cfg.channels < 0 || cfg.channels > 2:
		return nil, fmt.Errorf("opusrt: NewOggWriter: %d channels, want 1 or 2", cfg.channels)
	case cfg.preSkip < 0 || cfg.preSkip > 65535:
		return nil, fmt.Errorf("opusrt: NewOggWriter: pre-skip %d out of 0–65535", cfg.preSkip)
	}
	if cfg.maxPage <= 0 {
		cfg.maxPage = DefaultMaxPageDuration
	}
	if cfg.vendor == "" {
		cfg.vendor = DefaultVendor
	}
	if !cfg.serialOK {
		var b [4]byte
		rand.Read(b[:])
		cfg.serial = binary.LittleEndian.Uint32(b[:])
	}
	maxPage := int64(cfg.maxPage) * opus.SampleRate / int64(time.Second)
	return &OggWriter{
		w:          w,
		pw:         ogg.NewPageWriter(w, cfg.serial),
		cfg:        cfg,
		sampleRate: sampleRate,
		maxPage:    max(maxPage, 1),
		granule:    int64(cfg.preSkip),
		pageStart:  int64(cfg.preSkip),
		// Loss before any frame: 20 ms CELT fullband frames.
		last: opus.MakeTOC(31, false, 0),
	}, nil
}

// Serial returns the stream's serial number.
func (ow *OggWriter) Serial() uint32 { return ow.cfg.serial }

// Granule returns the granule position after the last packet written: the
// pre-skip plus the 48 kHz samples written so far.
func (ow *OggWriter) Granule() int64 { return ow.granule }

// Duration returns the audio written so far, loss fill included: the
// playback length of the file once closed.
func (ow *OggWriter) Duration() time.Duration {
	return opus.SamplesDuration(int(ow.granule - int64(ow.cfg.preSkip)))
}

// Write adds a frame to the stream. An invalid frame (RFC 6716 §3.4) is an
// error wrapping ErrInvalidFrame, and nothing of it is written; after Close
// Write returns ErrDone. A stereo frame in a mono stream, or the reverse,
// is written as it is: decoders mix it to the header's channel count. The
// frame is copied: the caller may reuse it.
func (ow *OggWriter) Write(frame Frame) error {
	if err := ow.check(); err != nil {
		return err
	}
	if err := frame.validate(); err != nil {
		return err
	}
	if !ow.started {
		ch := 1
		if frame.IsStereo() {
			ch = 2
		}
		if err := ow.start(ch); err != nil {
			return err
		}
	}
	ow.last = frame.TOC()
	ow.frames++
	return ow.packet(frame, frame.Samples())
}

func (ow *OggWriter) check() error {
	if ow.err != nil {
		return ow.err
	}
	if ow.closed {
		return fmt.Errorf("opusrt: OggWriter: write after Close: %w", ErrDone)
	}
	return nil
}

// start writes the header pages.
func (ow *OggWriter) start(channels int) error {
	ow.started = true
	if ow.cfg.channels != 0 {
		channels = ow.cfg.channels
	}
	h := OggHeader{Channels: channels, PreSkip: ow.cfg.preSkip, InputSampleRate: ow.sampleRate}
	var err error
	if ow.scr, err = h.AppendBinary(ow.scr[:0]); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.WritePacket(ow.scr, 0); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.EndPage(); err != nil {
		return ow.fail(err)
	}
	tags := OggTags{Vendor: ow.cfg.vendor, Comments: ow.cfg.comments}
	if ow.scr, err = tags.AppendBinary(ow.scr[:0]); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.WritePacket(ow.scr, 0); err != nil {
		return ow.fail(err)
	}
	if err := ow.pw.EndPage(); err != nil {
		return ow.fail(err)
	}
	ow.granule, ow.pageStart = int64(ow.cfg.preSkip), int64(ow.cfg.preSkip)
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

// WriteLoss records d of lost audio, so the file keeps the real timeline:
// it writes TOC-only packets in the configuration of the last frame
// written (20 ms CELT before any), which decoders conceal. Code 3 packets
// carry up to 120 ms each in two bytes. d is rounded to the nearest whole
// number of frames, at least one when d is positive, and the rounding
// error is carried into the next WriteLoss, so the file's length does not
// drift from the timeline however the losses fall. d ≤ 0 writes nothing.
func (ow *OggWriter) WriteLoss(d time.Duration) error {
	if err := ow.check(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	if !ow.started {
		if err := ow.start(ow.last.Channels()); err != nil {
			return err
		}
	}
	frame := ow.last.FrameDuration()
	total := d + ow.carry
	var n int64
	if total > 0 {
		n = int64((total + frame/2) / frame)
		n = max(n, 1)
	}
	ow.carry = total - time.Duration(n)*frame
	ow.loss += time.Duration(n) * frame
	perPacket := int64(opus.MaxPacketSamples / ow.last.FrameSamples())
	var pkt [2]byte
	for n > 0 {
		m := min(n, perPacket)
		p := pkt[:1]
		if m == 1 {
			pkt[0] = byte(opus.MakeTOC(ow.last.Config(), ow.last.Stereo(), 0))
		} else {
			pkt[0] = byte(opus.MakeTOC(ow.last.Config(), ow.last.Stereo(), 3))
			pkt[1] = byte(m) // CBR, no padding, m empty frames
			p = pkt[:2]
		}
		if err := ow.packet(p, int(m)*ow.last.FrameSamples()); err != nil {
			return err
		}
		n -= m
	}
	return nil
}

// WriteFrom copies every frame from src to the stream and fills every loss
// src reports with WriteLoss, until src returns io.EOF. It returns the
// number of frames written and the duration of loss filled. An error other
// than io.EOF, from src or from writing, ends the copy and is returned,
// except one wrapping ErrHeader: an OggReader says so of a link whose
// header is damaged, and reads on, so the copy goes on with that link's
// audio. (It is not named ReadFrom: src is no io.Reader.)
func (ow *OggWriter) WriteFrom(src FrameReader) (frames int64, loss time.Duration, err error) {
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
	if err := ow.check(); err != nil {
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

// TrimEnd sets how many 48 kHz samples at the end of the stream players
// must not play: the padding an encoder adds to fill its last frame and
// flush its look-ahead (RFC 7845 §4.4, end trimming). Close applies it by
// lowering the last page's granule position, by at most the samples that
// end on that page and never below the pre-skip; it has no effect when a
// Flush already wrote the last packet. A copy of a file keeps the original's
// length by trimming what the original trimmed. Duration does not count it.
func (ow *OggWriter) TrimEnd(samples int) error {
	if samples < 0 {
		return fmt.Errorf("opusrt: OggWriter.TrimEnd: negative trim %d", samples)
	}
	ow.trim = int64(samples)
	return nil
}

// Close ends the stream: it writes the headers if nothing was written yet,
// then the held page flagged end-of-stream (or, when Flush left nothing
// held, an empty end-of-stream page). It does not close w. Calling Close
// again does nothing and returns nil, or the write error Close met.
func (ow *OggWriter) Close() error {
	if ow.err != nil {
		return ow.err
	}
	if ow.closed {
		return nil
	}
	ow.closed = true
	if !ow.started {
		ch := ow.cfg.channels
		if ch == 0 {
			ch = 1
		}
		if err := ow.start(ch); err != nil {
			return err
		}
	}
	if ow.trim > 0 {
		if err := ow.pw.EndPage(); err != nil {
			return ow.fail(err)
		}
		trim := min(ow.trim, ow.granule-ow.pageStart, ow.granule-int64(ow.cfg.preSkip))
		ow.pw.SetHeldGranule(ow.granule - trim)
	}
	if err := ow.pw.Close(); err != nil {
		return ow.fail(err)
	}
	return nil
}
