// Package opusfile wraps the reference Ogg Opus reader, libopusfile,
// through cgo, as the peer the seeking tests compare OggReader with: open a
// file in memory (op_open_memory), its links and their playback lengths
// (op_link_count, op_pcm_total), seeking to a sample (op_pcm_seek,
// op_pcm_tell, op_current_link) and decoding (op_read_stereo, without
// dithering).
package opusfile

/*
#cgo CFLAGS: -I/usr/include/opus
#cgo LDFLAGS: -lopusfile
#include <stdlib.h>
#include <string.h>
#include <opusfile.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// ErrOpusfile is wrapped by every error this package returns.
var ErrOpusfile = errors.New("opusfile")

// File is an Ogg Opus stream opened by libopusfile on a copy of its bytes
// held in C memory. It is not safe for concurrent use.
type File struct {
	of  *C.OggOpusFile
	mem unsafe.Pointer
}

// Open opens data as an Ogg Opus stream with op_open_memory, with
// dithering off (op_set_dither_enabled): opusfile seeds its dither from the
// first link's serial number, so with it the same packets in files of
// different serials would decode a few units apart.
func Open(data []byte) (*File, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrOpusfile)
	}
	mem := C.CBytes(data)
	var e C.int
	of := C.op_open_memory((*C.uchar)(mem), C.size_t(len(data)), &e)
	if of == nil {
		C.free(mem)
		return nil, fmt.Errorf("%w: op_open_memory: error %d", ErrOpusfile, int(e))
	}
	C.op_set_dither_enabled(of, 0)
	return &File{of: of, mem: mem}, nil
}

// Close frees the stream and its copy of the bytes.
func (f *File) Close() {
	if f.of != nil {
		C.op_free(f.of)
		C.free(f.mem)
		f.of, f.mem = nil, nil
	}
}

// LinkCount returns the number of links of the stream (op_link_count).
func (f *File) LinkCount() int { return int(C.op_link_count(f.of)) }

// CurrentLink returns the index, from 0, of the link being read
// (op_current_link).
func (f *File) CurrentLink() int { return int(C.op_current_link(f.of)) }

// PCMTotal returns the playback length in 48 kHz samples of link li, or
// of the whole stream for li −1 (op_pcm_total).
func (f *File) PCMTotal(li int) (int64, error) {
	n := int64(C.op_pcm_total(f.of, C.int(li)))
	if n < 0 {
		return 0, fmt.Errorf("%w: op_pcm_total(%d): error %d", ErrOpusfile, li, n)
	}
	return n, nil
}

// SeekPCM moves to playback sample pos of the whole stream (op_pcm_seek).
func (f *File) SeekPCM(pos int64) error {
	if r := C.op_pcm_seek(f.of, C.ogg_int64_t(pos)); r != 0 {
		return fmt.Errorf("%w: op_pcm_seek(%d): error %d", ErrOpusfile, pos, int(r))
	}
	return nil
}

// Tell returns the playback sample the next decoded sample is at
// (op_pcm_tell).
func (f *File) Tell() int64 { return int64(C.op_pcm_tell(f.of)) }

// ReadStereo decodes up to n samples per channel, downmixed or upmixed to
// stereo, interleaved (op_read_stereo), stopping early at the end of the
// stream.
func (f *File) ReadStereo(n int) ([]int16, error) {
	out := make([]int16, 0, 2*n)
	buf := make([]int16, 2*5760)
	for len(out) < 2*n {
		want := min(len(buf), 2*n-len(out))
		got := int(C.op_read_stereo(f.of, (*C.opus_int16)(unsafe.Pointer(&buf[0])), C.int(want)))
		if got < 0 {
			return out, fmt.Errorf("%w: op_read_stereo: error %d", ErrOpusfile, got)
		}
		if got == 0 {
			break
		}
		out = append(out, buf[:2*got]...)
	}
	return out, nil
}
