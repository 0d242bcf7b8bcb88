package main

import (
	"context"
	"io"
)

// ctxReader is a reader (stdin) whose Read returns errInterrupted as soon
// as ctx is done, even while the read underneath blocks (a pipe nobody
// writes to): the blocked read is left to its goroutine, which ends with
// the process. Data it reads after that is dropped.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

type ioResult struct {
	n   int
	err error
}

func (c ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, errInterrupted
	}
	buf := make([]byte, len(p)) // the goroutine's own: p is the caller's once Read returns
	ch := make(chan ioResult, 1)
	go func() {
		n, err := c.r.Read(buf)
		ch <- ioResult{n, err}
	}()
	select {
	case r := <-ch:
		return copy(p, buf[:r.n]), r.err
	case <-c.ctx.Done():
		return 0, errInterrupted
	}
}

// ctxWriter is a writer (stdout) whose Write returns errInterrupted as
// soon as ctx is done, even while the write underneath blocks (a pipe
// nobody reads).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, errInterrupted
	}
	buf := append([]byte(nil), p...)
	ch := make(chan ioResult, 1)
	go func() {
		n, err := c.w.Write(buf)
		ch <- ioResult{n, err}
	}()
	select {
	case r := <-ch:
		return r.n, r.err
	case <-c.ctx.Done():
		return 0, errInterrupted
	}
}

// interruptible returns e with stdin and stdout that give way when ctx is
// done, so that a signal stops a run blocked on a pipe too.
func interruptible(ctx context.Context, e *env) *env {
	ie := *e
	if e.stdin != nil {
		ie.stdin = ctxReader{ctx, e.stdin}
	}
	if e.stdout != nil {
		ie.stdout = ctxWriter{ctx, e.stdout}
	}
	return &ie
}
