package main

import (
	"fmt"
	"strings"
	"time"
)

// wrapped is an error with a message of its own that wraps one of the
// library's sentinel errors, so callers can branch on it with errors.Is.
type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

// wrapf returns an error that reads as format says and wraps err.
func wrapf(err error, format string, args ...any) error {
	return wrapped{fmt.Sprintf(format, args...), err}
}

func trimPrefix(err error) string {
	s := err.Error()
	for _, p := range []string{"opusrt: ", "oggopus: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// durationString formats seconds as opusinfo does, m:ss.mmm, with hours
// when there are any.
func durationString(sec float64) string {
	d := time.Duration(1<<63 - 1) // the longest a Duration holds (292 years)
	if ns := sec * float64(time.Second); ns < float64(d) {
		d = time.Duration(ns)
	}
	d = d.Truncate(time.Millisecond)
	h := d / time.Hour
	m := (d % time.Hour) / time.Minute
	s := float64(d%time.Minute) / float64(time.Second)
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%06.3f", h, m, s)
	}
	return fmt.Sprintf("%d:%06.3f", m, s)
}
