package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

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

// output is an output file being written. Commit makes it final; Abort
// removes a partly written file.
type output struct {
	*bufio.Writer
	name string
	f    *os.File // nil for stdout
}

// createOutput creates name for writing; "-" is stdout. An existing file is
// replaced.
func createOutput(e *env, name string) (*output, error) {
	if name == "-" {
		return &output{Writer: bufio.NewWriterSize(e.stdout, 64<<10), name: "-"}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	return &output{Writer: bufio.NewWriterSize(f, 64<<10), name: name, f: f}, nil
}

// Sync writes what is buffered through to the file.
func (o *output) Sync() error {
	if err := o.Flush(); err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	return nil
}

// Commit flushes and closes the file.
func (o *output) Commit() error {
	err := o.Flush()
	if o.f != nil {
		if cerr := o.f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	return nil
}

// Abort closes and removes a file that could not be completed.
func (o *output) Abort() {
	if o.f != nil {
		o.f.Close()
		os.Remove(o.name)
	}
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
