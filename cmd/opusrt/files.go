package main

import (
	"bufio"
	encbin "encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
)

// input is an opened input file.
type input struct {
	io.Reader
	name   string // as the user gave it; "-" is stdin
	closer io.Closer
}

func (in *input) Close() error {
	if in.closer == nil {
		return nil
	}
	return in.closer.Close()
}

// openInput opens name: "-" for stdin, "" for the embedded default sample.
// The error says what the user can do about it.
func openInput(e *env, name string) (*input, error) {
	switch name {
	case "-":
		return &input{Reader: bufio.NewReaderSize(e.stdin, 64<<10), name: "-"}, nil
	case "":
		f, err := samples.Open(samples.Speech)
		if err != nil {
			return nil, err
		}
		return &input{Reader: f, name: "(embedded sample " + samples.Speech + ")", closer: f}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory, not an Ogg Opus file", name)
	}
	return &input{Reader: bufio.NewReaderSize(f, 64<<10), name: name, closer: f}, nil
}

// fileError turns an error of os.Open or os.Create into one line that names
// the file and the cause, without Go's "open NAME:" repetition.
func fileError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", name)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied", name)
	}
	return fmt.Errorf("%s: %v", name, err)
}

// checkOutputPath says, in one line, why name cannot be created as an
// output file: its directory is missing or not one, or name is a
// directory.
func checkOutputPath(name string) error {
	dir := filepath.Dir(name)
	if st, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: directory %s does not exist", name, dir)
		}
		return fileError(dir, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%s: %s is not a directory", name, dir)
	}
	if st, err := os.Stat(name); err == nil && st.IsDir() {
		return fmt.Errorf("%s: is a directory", name)
	}
	return nil
}

// output is an output file being written. Commit makes it final; Abort
// throws away what was written.
//
// A file written in one go (simulate) goes to a temporary file beside the
// final one, renamed over it by Commit, so a run that fails leaves an
// existing file as it was. A live recording (recv) is written in place, so
// what was received is on disk as it comes.
type output struct {
	*bufio.Writer
	name string   // as the user gave it
	tmp  string   // the temporary file's name, "" when writing in place
	f    *os.File // nil for stdout
}

// createOutput opens name for writing; "-" is stdout. With atomic, the data
// goes to a temporary file in the same directory until Commit; otherwise an
// existing file is truncated at once.
func createOutput(e *env, name string, atomic bool) (*output, error) {
	if name == "-" {
		return &output{Writer: bufio.NewWriterSize(e.stdout, 64<<10), name: "-"}, nil
	}
	if err := checkOutputPath(name); err != nil {
		return nil, err
	}
	if !atomic {
		f, err := os.Create(name)
		if err != nil {
			return nil, fileError(name, err)
		}
		return &output{Writer: bufio.NewWriterSize(f, 64<<10), name: name, f: f}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return nil, fileError(name, err)
	}
	return &output{Writer: bufio.NewWriterSize(f, 64<<10), name: name, tmp: f.Name(), f: f}, nil
}

// Sync writes what is buffered through to the file.
func (o *output) Sync() error {
	if err := o.Flush(); err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	return nil
}

// Commit flushes and closes the file and, when it was written to a
// temporary file, puts it in place: with the mode of the file it replaces,
// or 0644 for a new one.
func (o *output) Commit() error {
	err := o.Flush()
	if o.f != nil {
		if cerr := o.f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil && o.tmp != "" {
		mode := fs.FileMode(0o644)
		if st, serr := os.Stat(o.name); serr == nil {
			mode = st.Mode().Perm()
		}
		if err = os.Chmod(o.tmp, mode); err == nil {
			err = os.Rename(o.tmp, o.name)
		}
	}
	if err != nil {
		o.removeTemp()
	}
	o.f, o.tmp = nil, "" // done: Abort does nothing now
	if err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	return nil
}

// Abort closes the file and throws away what was written to a temporary
// file (an existing file of the name is left alone). A file written in
// place is closed and kept: a tool never deletes what it recorded.
func (o *output) Abort() {
	if o.f == nil {
		return
	}
	o.f.Close()
	o.removeTemp()
}

func (o *output) removeTemp() {
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// recording is a live recording written in place: every Write goes
// straight to the file (or stdout), unbuffered, so that the OggWriter's
// pages, each written in one call, reach the file whole as they are made. A
// process killed between two writes leaves a file valid up to its last
// page. On a write error, Close cuts a partly written page off the end, so
// the file keeps every whole page written before it.
type recording struct {
	name    string // as the user gave it
	w       io.Writer
	f       *os.File // nil for stdout
	written int64    // bytes that reached w
	whole   int64    // bytes of the writes that succeeded whole
	granule int64    // of the last whole page with one: what the file plays
	err     error    // the first write error
}

// createRecording opens name for a live recording; "-" is stdout. An
// existing file is truncated at once.
func createRecording(e *env, name string) (*recording, error) {
	if name == "-" {
		return &recording{name: "(stdout)", w: e.stdout}, nil
	}
	if err := checkOutputPath(name); err != nil {
		return nil, err
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	return &recording{name: name, w: f, f: f}, nil
}

// Write writes p through; after an error it writes nothing more.
func (r *recording) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.w.Write(p)
	r.written += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		r.err = err
		return n, err
	}
	r.whole = r.written
	// Each page of the OggWriter comes in one Write: its granule position
	// (−1 when no packet ends on it) says how far the file plays.
	if len(p) >= 27 && string(p[:4]) == "OggS" {
		if g := int64(encbin.LittleEndian.Uint64(p[6:14])); g >= 0 {
			r.granule = g
		}
	}
	return n, nil
}

// Kept returns the duration of the packets on the whole pages written (as
// the OggWriter's Duration counts them: pre-skip included).
func (r *recording) Kept() time.Duration {
	return time.Duration(r.granule) * time.Second / 48000
}

// Close closes the file, first cutting off the part of a write that
// failed half way, and returns the first error met, writing or closing.
// The file is kept either way.
func (r *recording) Close() error {
	if r.f == nil {
		return r.err
	}
	if r.err != nil && r.written > r.whole {
		r.f.Truncate(r.whole) // frees space: works on a full disk
	}
	err := r.f.Close()
	r.f = nil
	if r.err != nil {
		return r.err
	}
	return err
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
