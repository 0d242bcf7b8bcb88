package ogg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrClosed reports a write to a closed PageWriter.
var ErrClosed = errors.New("ogg: write to closed PageWriter")

// PageWriter packs the packets of one logical stream into pages and writes
// them to an io.Writer.
//
// A page is completed when it holds 255 lacing values or when EndPage,
// Flush or Close is called. A packet of any length is split across as many
// pages as it needs, and one whose length is a multiple of 255 ends with a
// lacing value of 0. The first page is flagged BOS.
//
// The last completed page is held back, not written, until a later page
// completes or Flush or Close is called, so that Close can flag the real
// last page EOS even when the io.Writer cannot seek. Each page reaches the
// io.Writer in a single Write call.
//
// Once its buffers have grown to the largest page written, a PageWriter
// allocates nothing. It is not safe for concurrent use.
type PageWriter struct {
	w   io.Writer
	err error // sticky: a failed write or Close

	serial uint32
	seq    uint32 // sequence number of the page being built

	// The page being built.
	lacing    [MaxSegments]byte
	nseg      int
	body      []byte
	granule   int64 // of the last packet completed on it, -1 if none
	continued bool  // it starts with the rest of a packet

	held []byte // the last completed page, encoded; empty if none
}

// NewPageWriter returns a PageWriter that writes the pages of the logical
// stream with the given serial number to w.
func NewPageWriter(w io.Writer, serial uint32) *PageWriter {
	return &PageWriter{w: w, serial: serial, granule: -1}
}

// Serial returns the serial number of the stream.
func (pw *PageWriter) Serial() uint32 { return pw.serial }

// Sequence returns the sequence number the next completed page will carry;
// it is also the number of pages completed so far.
func (pw *PageWriter) Sequence() uint32 { return pw.seq }

// Pending returns the number of lacing values on the page being built: 0
// when the next packet starts a new page.
func (pw *PageWriter) Pending() int { return pw.nseg }

// WritePacket adds one packet to the stream. granule is the stream's
// granule position at the end of the packet; it becomes the granule of the
// page on which the packet completes unless a later packet completes there
// too. The packet is copied: p may be reused when WritePacket returns.
func (pw *PageWriter) WritePacket(p []byte, granule int64) error {
	if pw.err != nil {
		return pw.err
	}
	for {
		free := MaxSegments - pw.nseg
		if free == 0 {
			// A page filled by the previous packet's 255s: its end
			// (the last lacing value) goes on the next page.
			if err := pw.complete(true); err != nil {
				return err
			}
			continue
		}
		full := len(p) / MaxSegmentSize
		if full < free {
			// The packet ends on this page: full 255s and the rest.
			for i := range full {
				pw.lacing[pw.nseg+i] = MaxSegmentSize
			}
			pw.lacing[pw.nseg+full] = byte(len(p) - full*MaxSegmentSize)
			pw.nseg += full + 1
			pw.body = append(pw.body, p...)
			pw.granule = granule
			if pw.nseg == MaxSegments {
				return pw.complete(false)
			}
			return nil
		}
		// Fill the page with 255s and go on with the rest on the next.
		for i := range free {
			pw.lacing[pw.nseg+i] = MaxSegmentSize
		}
		pw.nseg = MaxSegments
		pw.body = append(pw.body, p[:free*MaxSegmentSize]...)
		p = p[free*MaxSegmentSize:]
		if err := pw.complete(true); err != nil {
			return err
		}
	}
}

// EndPage completes the page being built, if it holds anything, so that
// the next packet starts a new page. The completed page is held, as any
// other, until a later page completes or Flush or Close is called.
func (pw *PageWriter) EndPage() error {
	if pw.err != nil {
		return pw.err
	}
	if pw.nseg == 0 {
		return nil
	}
	return pw.complete(false)
}

// Flush completes the page being built and writes every page held.
func (pw *PageWriter) Flush() error {
	if err := pw.EndPage(); err != nil {
		return err
	}
	return pw.writeHeld()
}

// Close completes the page being built, flags the last page EOS and writes
// it. When no page is held (nothing was written, or Flush wrote
// everything), it writes an empty EOS page with granule -1. Close does not
// close the underlying io.Writer. Calling Close again returns nil, or the
// error the first Close met; WritePacket after Close returns ErrClosed.
func (pw *PageWriter) Close() error {
	if pw.err != nil {
		if pw.err == errClosedOK {
			return nil
		}
		return pw.err
	}
	if err := pw.EndPage(); err != nil {
		return err
	}
	if len(pw.held) == 0 {
		pg := Page{Flags: EOS, Granule: -1, Serial: pw.serial, Sequence: pw.seq}
		if pw.seq == 0 {
			pg.Flags |= BOS
		}
		pw.seq++
		pw.held = pg.appendPage(pw.held[:0])
	} else {
		pw.held[5] |= byte(EOS)
		setChecksum(pw.held)
	}
	if err := pw.writeHeld(); err != nil {
		return err
	}
	pw.err = errClosedOK
	return nil
}

// SetHeldGranule sets the granule position of the held page — the last
// completed one, not yet written — so that a writer can lower the final
// granule for end trimming before Close. It reports false, changing
// nothing, when no page is held or the held page has no granule (-1).
func (pw *PageWriter) SetHeldGranule(granule int64) bool {
	if len(pw.held) < HeaderSize || int64(binary.LittleEndian.Uint64(pw.held[6:])) < 0 {
		return false
	}
	binary.LittleEndian.PutUint64(pw.held[6:], uint64(granule))
	setChecksum(pw.held)
	return true
}

// errClosedOK marks a PageWriter closed without error; WritePacket and the
// others report it as ErrClosed.
var errClosedOK = fmt.Errorf("%w", ErrClosed)

// complete encodes the page being built as the held page, writing the page
// held before it. next tells whether the next page continues a packet.
func (pw *PageWriter) complete(next bool) error {
	if err := pw.writeHeld(); err != nil {
		return err
	}
	pg := Page{
		Granule:  pw.granule,
		Serial:   pw.serial,
		Sequence: pw.seq,
		Lacing:   pw.lacing[:pw.nseg],
		Body:     pw.body,
	}
	if pw.seq == 0 {
		pg.Flags |= BOS
	}
	if pw.continued {
		pg.Flags |= Continued
	}
	pw.held = pg.appendPage(pw.held[:0])
	pw.seq++
	pw.nseg = 0
	pw.body = pw.body[:0]
	pw.granule = -1
	pw.continued = next
	return nil
}

// writeHeld writes the held page, if any.
func (pw *PageWriter) writeHeld() error {
	if len(pw.held) == 0 {
		return nil
	}
	if _, err := pw.w.Write(pw.held); err != nil {
		pw.err = fmt.Errorf("ogg: writing page %d of stream %#x: %w", pw.seq-1, pw.serial, err)
		return pw.err
	}
	pw.held = pw.held[:0]
	return nil
}
