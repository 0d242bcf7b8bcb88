package ogg

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrNoPage reports that a PageReader skipped more bytes than its limit
// (see SetSkipLimit) without finding a valid page.
var ErrNoPage = errors.New("ogg: no page found")

// The read buffer starts at minBufSize, room for a few pages of most
// streams, and grows as a page needs it up to bufSize, two of the largest
// pages. Starting small spares a reader of small pages most of the
// buffer's allocation and clearing.
const (
	minBufSize = 16 << 10
	bufSize    = 1 << 17
)

// PageReaderStats counts what a PageReader has read and skipped.
type PageReaderStats struct {
	// Pages is the number of valid pages returned.
	Pages int64
	// BadPages is the number of page headers whose CRC did not match, or
	// that the input ended inside of, and that were skipped.
	BadPages int64
	// Skipped is the number of bytes skipped while resynchronising: garbage
	// between pages and the bytes of bad pages.
	Skipped int64
}

// PageReader reads Ogg pages from an io.Reader. It finds each page by its
// capture pattern "OggS", checks its CRC, and skips garbage and pages
// whose CRC does not match, resynchronising on the next valid page; Stats
// counts what it skipped.
//
// It reads in chunks into a buffer of 16 KiB that grows, as pages need
// it, to at most 128 KiB, whatever the input. It is not safe for
// concurrent use.
type PageReader struct {
	r     io.Reader
	buf   []byte
	start int   // first unread byte in buf
	end   int   // end of the bytes read into buf
	err   error // sticky error from r; io.EOF at the end

	stats     PageReaderStats
	skipLimit int64
	run       int64 // bytes skipped since the last valid page
	cut       bool  // a page that the input ended inside was skipped
	done      bool  // io.ErrUnexpectedEOF was returned
}

// NewPageReader returns a PageReader that reads pages from r.
func NewPageReader(r io.Reader) *PageReader {
	return &PageReader{r: r, buf: make([]byte, minBufSize)}
}

// SetSkipLimit makes ReadPage fail with ErrNoPage once it has skipped more
// than n bytes in a row without finding a valid page; n ≤ 0 (the default)
// sets no limit. A reader checking whether its input is Ogg at all sets a
// limit for the first page and lifts it afterwards.
func (pr *PageReader) SetSkipLimit(n int64) { pr.skipLimit = n }

// Stats returns the counts of pages read and bytes skipped so far.
func (pr *PageReader) Stats() PageReaderStats { return pr.stats }

// ReadPage returns the next valid page. The page aliases the reader's
// buffer: it is valid only until the next call to ReadPage.
//
// At the end of the input ReadPage returns io.EOF, or io.ErrUnexpectedEOF
// when the input ended inside a page (once; io.EOF follows). Any other
// error is the underlying reader's, wrapped.
func (pr *PageReader) ReadPage() (Page, error) {
	for {
		if pr.overLimit() {
			return Page{}, fmt.Errorf("%w in %d bytes", ErrNoPage, pr.run)
		}
		data := pr.buf[pr.start:pr.end]
		i := bytes.Index(data, []byte(capturePattern))
		if i < 0 {
			// Keep a tail that may be the start of "OggS".
			keep := min(len(data), len(capturePattern)-1)
			if pr.err != nil {
				keep = 0
			}
			pr.skip(len(data) - keep)
			if pr.err != nil {
				return Page{}, pr.endErr()
			}
			pr.fill(len(capturePattern))
			continue
		}
		pr.skip(i)
		data = pr.buf[pr.start:pr.end]
		if pr.err == nil && (len(data) < HeaderSize || len(data) < HeaderSize+int(data[26])) {
			// Too little to tell the page's length: read more first
			// rather than have pageLen build an error to say so.
			pr.fill(HeaderSize + MaxSegments)
			continue
		}
		n, err := pageLen(data)
		if errors.Is(err, ErrVersion) {
			pr.skipBad(false)
			continue
		}
		if err == nil && n <= len(data) {
			pg, err := parsePage(data[:n])
			if err != nil {
				pr.skipBad(true)
				continue
			}
			if pr.overLimit() {
				return Page{}, fmt.Errorf("%w in %d bytes", ErrNoPage, pr.run)
			}
			pr.start += n
			pr.stats.Pages++
			pr.run = 0
			pr.cut = false
			return pg, nil
		}
		// The page is not all in the buffer yet.
		if pr.err != nil {
			// The input ended inside it: it may be garbage that looks
			// like a page, so look for a later page inside it.
			pr.cut = true
			pr.skipBad(true)
			continue
		}
		need := HeaderSize + MaxSegments // enough to learn the length
		if err == nil {
			need = n
		}
		pr.fill(need)
	}
}

func (pr *PageReader) overLimit() bool {
	return pr.skipLimit > 0 && pr.run > pr.skipLimit
}

// endErr returns the error that ends the input.
func (pr *PageReader) endErr() error {
	if pr.err != io.EOF {
		return fmt.Errorf("ogg: reading pages: %w", pr.err)
	}
	if pr.cut && !pr.done {
		pr.done = true
		return io.ErrUnexpectedEOF
	}
	return io.EOF
}

// skip passes over n bytes of garbage.
func (pr *PageReader) skip(n int) {
	pr.start += n
	pr.stats.Skipped += int64(n)
	pr.run += int64(n)
}

// skipBad passes over the first byte of a capture pattern that does not
// start a valid page, so the search goes on inside it.
func (pr *PageReader) skipBad(counted bool) {
	if counted {
		pr.stats.BadPages++
	}
	pr.skip(1)
}

// fill reads until at least need bytes are unread in the buffer or the
// input ends. need is at most MaxPageSize.
func (pr *PageReader) fill(need int) {
	if pr.start+need > len(pr.buf) {
		buf := pr.buf
		if need > len(buf) {
			buf = make([]byte, min(max(2*len(buf), need), bufSize))
		}
		pr.end = copy(buf, pr.buf[pr.start:pr.end])
		pr.buf, pr.start = buf, 0
	}
	for empty := 0; pr.end-pr.start < need && pr.err == nil; {
		n, err := pr.r.Read(pr.buf[pr.end:])
		if n < 0 || n > len(pr.buf)-pr.end {
			pr.err = errors.New("ogg: reader returned an invalid count")
			return
		}
		pr.end += n
		if err != nil {
			pr.err = err
			return
		}
		if n > 0 {
			// Read what came; the caller asks again if it needs more.
			return
		}
		if empty++; empty >= 100 {
			pr.err = io.ErrNoProgress
		}
	}
}
