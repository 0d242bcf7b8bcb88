// Package libogg wraps the reference Ogg library, libogg, through cgo as a
// peer in the side-by-side benchmarks: a Writer that packs packets into
// pages (ogg_stream_packetin, ogg_stream_pageout), a Reader that takes them
// out again (ogg_sync_pageout, ogg_stream_packetout), and libogg's page
// CRC (ogg_page_checksum_set).
//
// Each Go call makes one cgo call that does as much as it can (a packet in
// and every page it completes out; a batch of packets out), the way a
// careful cgo user amortises the cost of crossing into C.
package libogg

/*
#cgo LDFLAGS: -logg
#include <stdlib.h>
#include <string.h>
#include <ogg/ogg.h>

// copy_page appends page og to out (capacity cap at *n) and returns 0, or
// -1 when it does not fit.
static int copy_page(ogg_page *og, unsigned char *out, long cap, long *n) {
	if (*n + og->header_len + og->body_len > cap) return -1;
	memcpy(out + *n, og->header, og->header_len);
	*n += og->header_len;
	memcpy(out + *n, og->body, og->body_len);
	*n += og->body_len;
	return 0;
}

// w_packet puts one packet into the stream and copies every page that
// is complete (flush: every page held) to out. It returns the bytes
// copied, or -1 on error.
static long w_packet(ogg_stream_state *os, unsigned char *data, long len,
		ogg_int64_t granule, int bos, int eos, int flush, ogg_int64_t packetno,
		unsigned char *out, long cap) {
	ogg_packet op;
	ogg_page og;
	long n = 0;
	op.packet = data;
	op.bytes = len;
	op.b_o_s = bos;
	op.e_o_s = eos;
	op.granulepos = granule;
	op.packetno = packetno;
	if (len >= 0 && ogg_stream_packetin(os, &op) != 0) return -1;
	for (;;) {
		int got = flush ? ogg_stream_flush(os, &og) : ogg_stream_pageout(os, &og);
		if (got == 0) break;
		if (copy_page(&og, out, cap, &n) != 0) return -1;
	}
	return n;
}

// r_state is a reader: the sync layer, one logical stream, and whether
// the stream was found.
typedef struct {
	ogg_sync_state oy;
	ogg_stream_state os;
	int have_stream;
} r_state;

// r_feed copies len bytes of input into the sync layer.
static int r_feed(r_state *st, unsigned char *in, long len) {
	char *buf = ogg_sync_buffer(&st->oy, len);
	if (buf == NULL) return -1;
	memcpy(buf, in, len);
	return ogg_sync_wrote(&st->oy, len);
}

// r_packets copies up to maxn packets of the first logical stream into
// out, their sizes into sizes, and returns how many; 0 means more input
// is needed. A hole in the data counts as a packet of size -1.
static long r_packets(r_state *st, unsigned char *out, long cap, long *sizes, long maxn) {
	long n = 0, k = 0;
	ogg_page og;
	ogg_packet op;
	while (k < maxn) {
		if (st->have_stream) {
			int got = ogg_stream_packetpeek(&st->os, &op);
			if (got > 0 && n + op.bytes > cap) break;
			got = ogg_stream_packetout(&st->os, &op);
			if (got < 0) { sizes[k++] = -1; continue; }
			if (got > 0) {
				memcpy(out + n, op.packet, op.bytes);
				n += op.bytes;
				sizes[k++] = op.bytes;
				continue;
			}
		}
		if (ogg_sync_pageout(&st->oy, &og) != 1) break;
		if (!st->have_stream) {
			ogg_stream_init(&st->os, ogg_page_serialno(&og));
			st->have_stream = 1;
		}
		ogg_stream_pagein(&st->os, &og);
	}
	return k;
}

static r_state *r_new(void) {
	r_state *st = calloc(1, sizeof(r_state));
	ogg_sync_init(&st->oy);
	return st;
}

static void r_free(r_state *st) {
	ogg_sync_clear(&st->oy);
	if (st->have_stream) ogg_stream_clear(&st->os);
	free(st);
}

// checksum sets the CRC of the page made of header and body, as libogg
// computes it, and returns it.
static unsigned int checksum(unsigned char *header, long hlen, unsigned char *body, long blen) {
	ogg_page og;
	og.header = header;
	og.header_len = hlen;
	og.body = body;
	og.body_len = blen;
	ogg_page_checksum_set(&og);
	return (unsigned int)header[22] | (unsigned int)header[23] << 8 |
		(unsigned int)header[24] << 16 | (unsigned int)header[25] << 24;
}
*/
import "C"

import (
	"errors"
	"io"
	"unsafe"
)

// ErrLibogg reports a call into libogg that failed.
var ErrLibogg = errors.New("libogg: call failed")

// ptr returns the address of b's first byte for C, or nil when b is empty.
func ptr(b []byte) *C.uchar {
	if len(b) == 0 {
		return nil
	}
	return (*C.uchar)(unsafe.Pointer(&b[0]))
}

// Writer packs packets into the pages of one logical stream with libogg
// and writes each batch of completed pages to w in one Write call.
type Writer struct {
	w        io.Writer
	os       *C.ogg_stream_state
	out      []byte
	packetno int64
	closed   bool
}

// NewWriter returns a Writer of the logical stream serial.
func NewWriter(w io.Writer, serial uint32) *Writer {
	os := (*C.ogg_stream_state)(C.calloc(1, C.size_t(unsafe.Sizeof(C.ogg_stream_state{}))))
	C.ogg_stream_init(os, C.int(int32(serial)))
	return &Writer{w: w, os: os, out: make([]byte, 256<<10)}
}

// WritePacket adds a packet whose end is at granule. libogg decides where
// pages end (about every 4 KiB of body); flush ends the page now, as
// stream headers need.
func (w *Writer) WritePacket(p []byte, granule int64, flush bool) error {
	return w.packet(p, granule, false, flush)
}

func (w *Writer) packet(p []byte, granule int64, eos, flush bool) error {
	bos := 0
	if w.packetno == 0 {
		bos = 1
	}
	var eosFlag, flushFlag C.int
	if eos {
		eosFlag = 1
	}
	if flush {
		flushFlag = 1
	}
	n := C.w_packet(w.os, ptr(p), C.long(len(p)), C.ogg_int64_t(granule), C.int(bos), eosFlag,
		flushFlag, C.ogg_int64_t(w.packetno), ptr(w.out), C.long(len(w.out)))
	if n < 0 {
		return ErrLibogg
	}
	w.packetno++
	if n > 0 {
		if _, err := w.w.Write(w.out[:n]); err != nil {
			return err
		}
	}
	return nil
}

// Close writes the last packet p with the end-of-stream flag and flushes
// every page, then frees the stream. It does not close w.
func (w *Writer) Close(last []byte, granule int64) error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.packet(last, granule, true, true)
	C.ogg_stream_clear(w.os)
	C.free(unsafe.Pointer(w.os))
	return err
}

// Reader reads the packets of the first logical stream of an Ogg stream
// with libogg. The packets it returns are copied into Go memory the caller
// may keep.
type Reader struct {
	r     io.Reader
	st    *C.r_state
	in    []byte
	free  []byte // memory for the next batch; what is handed out is never reused
	batch []byte
	sizes []C.long
	next  int // index in sizes of the next packet to return
	count int // packets in the batch
	eof   bool
}

const (
	readerBatch = 64       // packets per cgo call
	slabSize    = 64 << 10 // memory allocated at a time for packets
	minFree     = 8 << 10  // below this a new slab is allocated
)

// NewReader returns a Reader of r. Call Close to free libogg's state.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, st: C.r_new(), in: make([]byte, 8<<10), sizes: make([]C.long, readerBatch)}
}

// Packet returns the next packet, every packet of the stream included
// (OpusHead and OpusTags first). A hole in the data is a nil packet and a
// nil error. At the end it returns io.EOF.
func (r *Reader) Packet() ([]byte, error) {
	for r.next == r.count {
		if len(r.free) < minFree {
			r.free = make([]byte, slabSize)
		}
		r.count = int(C.r_packets(r.st, ptr(r.free), C.long(len(r.free)), &r.sizes[0], C.long(len(r.sizes))))
		r.next = 0
		if r.count > 0 {
			used := 0
			for _, s := range r.sizes[:r.count] {
				used += max(int(s), 0)
			}
			r.batch, r.free = r.free[:used:used], r.free[used:]
			break
		}
		if r.eof {
			return nil, io.EOF
		}
		n, err := r.r.Read(r.in)
		if n > 0 && C.r_feed(r.st, ptr(r.in), C.long(n)) != 0 {
			return nil, ErrLibogg
		}
		if err == io.EOF {
			r.eof = true
		} else if err != nil {
			return nil, err
		}
	}
	size := int(r.sizes[r.next])
	r.next++
	if size < 0 {
		return nil, nil
	}
	p := r.batch[:size:size]
	r.batch = r.batch[size:]
	return p, nil
}

// Close frees libogg's state.
func (r *Reader) Close() error {
	if r.st != nil {
		C.r_free(r.st)
		r.st = nil
	}
	return nil
}

// Checksum computes the CRC of the page whose header (27 bytes and the
// lacing values) and body are given, with ogg_page_checksum_set, which
// also stores it in header[22:26].
func Checksum(header, body []byte) uint32 {
	return uint32(C.checksum(ptr(header), C.long(len(header)), ptr(body), C.long(len(body))))
}
