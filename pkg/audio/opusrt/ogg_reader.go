package opusrt

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// The errors NewOggReader fails with for input it cannot read as Ogg Opus;
// errors returned wrap them. They are oggopus.ErrNotOgg and
// oggopus.ErrNotOpus: errors of either package match them.
var (
	// ErrNotOgg reports input with no valid Ogg page in its first 64 KiB,
	// an empty input included.
	ErrNotOgg = oggopus.ErrNotOgg
	// ErrNotOpus reports an Ogg stream in which no logical stream is Opus.
	ErrNotOpus = oggopus.ErrNotOpus
)

// OggReader reads the Opus packets of an Ogg Opus stream (RFC 7845).
//
// NewOggReader reads up to the end of the headers of the first Opus
// logical stream; Header and Tags hold them. Frame then returns the audio
// packets in order. Damage is skipped, not fatal: garbage between pages is
// passed over by resynchronising on the next valid page, a page with a bad
// CRC is dropped, a packet that is not valid Opus is skipped, and where
// audio is missing (a page sequence gap, a dropped page) Frame reports the
// loss, measured from granule positions, before the next packet.
//
// A chained stream (Ogg Opus files end to end) is read through: each new
// link's headers are parsed, replacing Header and Tags, and not returned.
// A link whose OpusHead page was lost is still read, after the page of
// its stream that follows the last link's end. Link tells which link is
// being read, and Multistream(false) stops Frame at the end of each link,
// as gzip.Reader.Multistream does, for a caller that handles links one by
// one (NextLink). Other logical streams multiplexed with the Opus one are
// ignored; of several Opus streams in one link only the first is read.
//
// The reading decisions are oggopus.Demuxer's, which opusrt info uses too.
// Memory is bounded whatever the input: pages are read through a buffer
// of at most 128 KiB and a packet larger than any Opus packet
// (oggopus.MaxPacketSize per stream) is dropped.
//
// An OggReader is not safe for concurrent use.
type OggReader struct {
	// Header is the OpusHead of the link being read.
	Header OggHeader
	// Tags is the OpusTags of the link being read.
	Tags OggTags

	d      *oggopus.Demuxer
	src    io.Reader            // the input, for a seek back to the first link
	origin int64                // where the first link begins in src, if it can seek
	base   oggopus.DemuxerStats // what the Demuxers a seek replaced counted
	single bool                 // Multistream(false): Frame stops at the end of each link
	atEnd  bool                 // Frame returned io.EOF at the end of a link

	held       Frame // a frame whose loss Frame returned first
	heldEnd    int64
	hasHeld    bool
	lost       int64 // loss of invalid packets, reported before the next
	granule    int64 // at the end of the last frame returned
	warn       error // a damaged link header, returned once before its audio
	discarding int64 // samples still to discard after a seek (Seek)

	stats OggReaderStats
}

// NewOggReader returns an OggReader that reads from r, after reading the
// OpusHead and OpusTags headers of the first Opus logical stream. It fails
// with an error wrapping ErrNotOgg when the first 64 KiB of r hold no valid
// Ogg page (an empty r included), ErrNotOpus when the Ogg stream carries no
// Opus stream, ErrHeader when the Opus headers are malformed, and
// io.ErrUnexpectedEOF when r ends before the headers do.
func NewOggReader(r io.Reader) (*OggReader, error) {
	or := &OggReader{src: r, granule: -1}
	if rs, ok := r.(io.ReadSeeker); ok {
		or.origin, _ = rs.Seek(0, io.SeekCurrent)
	}
	or.d = oggopus.NewDemuxer(r)
	l, err := or.d.NextLink()
	if err != nil {
		return nil, readerErr(err)
	}
	or.Header, or.Tags = l.Header, l.Tags
	return or, nil
}

// Frame returns the next audio packet with loss 0, or, where audio is
// missing before the next packet, a nil frame and the duration lost. The
// frame is the caller's to keep: no later call overwrites it.
//
// At the end of the stream Frame returns io.EOF, also when the stream ends
// on a page boundary without its end-of-stream flag (a recording cut
// short). When the input ends inside a page or inside a packet continued
// across pages, it first returns every complete packet, then
// io.ErrUnexpectedEOF once, then io.EOF.
//
// A link after the first whose OpusHead is lost or malformed, or whose
// OpusTags is malformed, is said once by an error wrapping ErrHeader
// before the link's audio, which the next call goes on to read (with the
// last good header in Header; Stats counts BadHeaders): a loop that stops
// on any error stops there, one that stops only on io.EOF reads it all.
// Any other error — the underlying reader's — is returned once, and io.EOF
// after it.
//
// A loss is measured from granule positions, and is never more than
// DefaultResyncThreshold: a gap the granules claim is longer (a corrupt or
// hostile granule) is a discontinuity, counted in Stats and not reported
// as loss, so no copy fills hours of silence.
func (or *OggReader) Frame() (Frame, time.Duration, error) {
	if or.hasHeld {
		or.hasHeld = false
		or.granule = or.heldEnd
		or.stats.Frames++
		return or.held, 0, nil
	}
	for {
		if or.warn != nil {
			w := or.warn
			or.warn = nil
			return nil, 0, w
		}
		data, granule, lost, valid, err := or.d.NextPacket()
		switch {
		case err == nil && valid && lost == 0 && or.lost == 0:
			// The common packet: valid, nothing lost before it.
			or.granule = granule
			or.stats.Frames++
			return Frame(data), 0, nil // the caller's to keep (oggopus.Packet.Data)
		case err == io.EOF && (or.single || or.atEnd):
			or.atEnd = true
			return nil, 0, io.EOF
		case err == io.EOF:
			if err := or.next(); err != nil {
				return nil, 0, err
			}
			continue
		case err == io.ErrUnexpectedEOF:
			return nil, 0, err
		case err != nil:
			return nil, 0, readerErr(err)
		}
		or.lost = min(or.lost+lost, oggopus.MaxGap) // at most MaxGap per event
		if !valid {
			continue // counted by the Demuxer
		}
		if lost := or.lost; lost > 0 {
			or.lost = 0
			d := opusSamplesDuration(lost)
			or.stats.LossEvents++
			or.stats.Lost = min(or.stats.Lost, 1<<63-1-d) + d // saturating
			or.held, or.heldEnd, or.hasHeld = Frame(data), granule, true
			return nil, d, nil
		}
		or.granule = granule
		or.stats.Frames++
		return Frame(data), 0, nil
	}
}

// next moves to the next link once the current one has ended: io.EOF at
// the end of the input.
func (or *OggReader) next() error {
	l, err := or.d.NextLink()
	if l == nil {
		or.atEnd = true
		if err == io.EOF {
			return io.EOF
		}
		return readerErr(err)
	}
	or.Header, or.Tags = l.Header, l.Tags
	or.granule = -1
	if err != nil {
		return readerErr(err) // not fatal: the link's audio follows
	}
	return nil
}

// opusSamplesDuration converts 48 kHz samples, at most oggopus.MaxGap, to
// a duration.
func opusSamplesDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / 48000
}

// readerError is an error of the Demuxer or the underlying reader, said
// with the opusrt prefix and wrapping the original.
type readerError struct {
	msg string
	err error
}

func (e *readerError) Error() string { return e.msg }
func (e *readerError) Unwrap() error { return e.err }

// readerErr gives err the opusrt prefix, in place of the codec package's.
func readerErr(err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return err
	}
	var re *readerError
	if errors.As(err, &re) {
		return err
	}
	msg := err.Error()
	for _, p := range []string{"opusrt: ", "oggopus: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return &readerError{msg: "opusrt: " + msg, err: err}
}
