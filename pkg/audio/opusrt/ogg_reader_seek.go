package opusrt

import (
	"fmt"
	"io"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// ErrNotSeekable reports a seek on an OggReader whose input cannot seek
// (no io.ReadSeeker, or a pipe). It is oggopus.ErrNotSeekable.
var ErrNotSeekable = oggopus.ErrNotSeekable

// OggPreRoll is the audio, in 48 kHz samples, that a decoder should decode
// before a seek target so that its output has converged there (RFC 7845
// §4.6): 80 ms.
const OggPreRoll = oggopus.PreRoll

// SeekSamples moves the reader to playback position pos of the stream, in
// 48 kHz samples from the first sample a player outputs (the
// pre-skip not counted), as opusfile's op_pcm_seek does: bisection on the
// granule positions of a link's pages, in a few reads of the input. The
// next Frame is the one that holds the sample OggPreRoll before pos (or
// the link's first, near its start), so a decoder converges before pos;
// discard is how many samples to drop from the decoded output, counted
// from the start of that frame, to reach pos (pre-roll and pre-skip
// included). pos is a position in the whole stream, as op_pcm_seek's is:
// it counts from the start of the first link, whatever link is being
// read, and past a link's end on into the links after it (a chain's
// samples end to end); Link, Header and Tags then tell the link it is in.
// A seek from a later link reads the input over from the first link's
// start (the first link's headers again, then the chain's links are found
// by bisection, as opusfile finds them).
// Past the end of the input, Frame returns io.EOF. The reader must have
// been made on an io.ReadSeeker (ErrNotSeekable otherwise).
func (or *OggReader) SeekSamples(pos int64) (discard int64, err error) {
	if or.d.Link().Number > 1 {
		if err := or.rewind(); err != nil {
			return 0, readerErr(err)
		}
	}
	discard, err = or.d.SeekSamples(pos)
	if err != nil {
		return 0, readerErr(err)
	}
	or.hasHeld, or.held, or.lost, or.warn = false, nil, 0, nil
	or.granule, or.atEnd = -1, false
	l := or.d.Link()
	or.Header, or.Tags = l.Header, l.Tags // a later link's, past the first
	return discard, nil
}

// rewind makes the reader read its input over from the first link: a new
// Demuxer from where the first one began, past the first link's headers.
// What the one it replaces counted is kept in base.
func (or *OggReader) rewind() error {
	rs, ok := or.src.(io.ReadSeeker)
	if !ok {
		return ErrNotSeekable
	}
	if _, err := rs.Seek(or.origin, io.SeekStart); err != nil {
		return fmt.Errorf("opusrt: seeking: %w", err)
	}
	d := oggopus.NewDemuxer(rs)
	if _, err := d.NextLink(); err != nil {
		return err
	}
	or.base = sumStats(or.base, or.d.Stats())
	or.d = d
	return nil
}

// PlaybackSamples returns the playback length of the link being read in
// 48 kHz samples, what a player outputs, without reading the stream
// through: from the granule position of its last page, found by reading
// the input backwards from its end (opusfile's way). It needs an input
// that can seek (ErrNotSeekable otherwise) and, for a chain, works for its
// last link only: an earlier link's length is Link().PlaybackSamples()
// once the link is read. The reader then reads on where it was.
func (or *OggReader) PlaybackSamples() (int64, error) {
	n, err := or.d.PlaybackSamples()
	return n, readerErr(err)
}
