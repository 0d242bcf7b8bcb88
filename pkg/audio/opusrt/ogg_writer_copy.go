package opusrt

import (
	"errors"
	"io"
	"time"
)

// copyOgg is WriteFrom of an OggReader: link by link, each with its
// header, tags and end trimming.
func (ow *OggWriter) copyOgg(or *OggReader) (frames int64, loss time.Duration, err error) {
	f0, l0 := ow.frames, ow.loss
	done := func(err error) (int64, time.Duration, error) { return ow.frames - f0, ow.loss - l0, err }
	single := or.single
	or.Multistream(false)
	defer or.Multistream(!single)
	for {
		l := or.Link()
		if err := ow.NextLink(l.Header, l.Tags); err != nil {
			return done(err)
		}
		if _, _, err := ow.copyFrames(or); err != nil {
			return done(err)
		}
		l = or.Link()
		if err := ow.TrimEnd(int(min(l.EndTrim, 1<<31-1))); err != nil {
			return done(err)
		}
		switch err := or.NextLink(); {
		case err == io.EOF:
			return done(nil)
		case err != nil && !errors.Is(err, ErrHeader):
			return done(err)
		}
	}
}
