package opusrt

import (
	"io"

	"github.com/haivivi/giztoy/pkg/audio/codec/oggopus"
)

// OggLink is one link of a chained Ogg Opus stream: its number, serial
// number, header and tags, and where its audio lies on the granule
// timeline (start, final position, end trimming, playback length). It is
// oggopus.Link, where its fields are documented.
type OggLink = oggopus.Link

// Link returns the link being read: after NewOggReader the first, and the
// next one once Frame has read into it (Number tells them apart). Its
// positions grow as the link is read; EndTrim and the final FinalGranule
// are known once its end is read (Ended), which with Multistream(false) is
// when Frame returns io.EOF. The result is a copy.
func (or *OggReader) Link() OggLink {
	l := *or.d.Link()
	l.Header.ChannelMapping = append([]byte(nil), l.Header.ChannelMapping...)
	return l
}

// Multistream sets whether Frame reads a chained stream through, link
// after link (true, the default), or stops with io.EOF at the end of each
// link (false), as gzip.Reader.Multistream does: NextLink then moves to
// the next one. A caller that copies or cuts links one by one needs the
// second, to read each link's end (Link) before the next begins.
func (or *OggReader) Multistream(ok bool) {
	or.single = !ok
	if ok {
		or.atEnd = false
	}
}

// NextLink moves to the next link, passing over what is left of the
// current one; Header, Tags and Link become the new link's. At the end of
// the input it returns io.EOF. A link whose header is lost or malformed
// is returned with an error wrapping ErrHeader (its audio can still be
// read, with the last good Header); another error ends the input.
func (or *OggReader) NextLink() error {
	or.hasHeld, or.lost, or.warn = false, 0, nil
	or.atEnd = false
	err := or.next()
	if err == io.EOF {
		or.atEnd = true
	}
	return err
}

// Granule returns the granule position at the end of the last frame Frame
// returned (48 kHz samples on its link's timeline), or −1 when it is not
// known: before the first frame of a link, or before any page with a
// granule position was read.
func (or *OggReader) Granule() int64 { return or.granule }
