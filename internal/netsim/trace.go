package netsim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// A trace is a network recorded or written by hand: one line per packet,
// in send order, each the packet's one-way delay in milliseconds (a
// decimal: "41", "40.25") or the word "lost". Blank lines and lines
// starting with "#" are ignored; spaces around a value are too, and a
// byte order mark at the start. A trace
// is the whole network: a packet arrives its delay after it is sent,
// whatever the packets around it do, so packets change order when a
// delay falls by more than the time between them, and none is
// duplicated. The trace repeats when more packets are sent than it has
// lines.
//
//	# 20 ms frames over a link that steps from 40 to 140 ms
//	40
//	41.5
//	lost
//	140

// MaxTraceDelay is the longest delay a trace may give a packet.
const MaxTraceDelay = time.Hour

// MaxTraceLen is the most packets a trace may hold (93 hours of 20 ms
// packets; 128 MiB of delays), so that a trace's memory is bounded.
const MaxTraceLen = 1 << 24

// ErrTrace is wrapped by the errors ParseTrace returns for a trace that
// does not parse.
var ErrTrace = errors.New("netsim: bad trace")

// traceLost marks a lost packet in Trace.delays.
const traceLost = time.Duration(-1)

// Trace is a parsed trace: the delay of each packet, or its loss.
type Trace struct {
	delays []time.Duration // traceLost for a lost packet
	lost   int
}

// ParseTrace reads a trace. An error names the line (from 1) and wraps
// ErrTrace, or is the reader's.
func ParseTrace(r io.Reader) (*Trace, error) {
	sc := bufio.NewScanner(r)
	t := &Trace{}
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if line == 1 {
			s = strings.TrimPrefix(s, "\uFEFF") // a byte order mark, as some editors write
		}
		s = strings.TrimSpace(s)
		if s == "" || s[0] == '#' {
			continue
		}
		if len(t.delays) >= MaxTraceLen {
			return nil, fmt.Errorf("%w: line %d: more than %d packets", ErrTrace, line, MaxTraceLen)
		}
		if strings.EqualFold(s, "lost") {
			t.delays = append(t.delays, traceLost)
			t.lost++
			continue
		}
		d, err := parseMillis(s)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %q: %v", ErrTrace, line, shorten(s), err)
		}
		t.delays = append(t.delays, d)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%w: line %d: longer than %d bytes", ErrTrace, line+1, bufio.MaxScanTokenSize)
		}
		return nil, err
	}
	if len(t.delays) == 0 {
		return nil, fmt.Errorf("%w: no packets (want one line per packet: a delay in ms, or \"lost\")", ErrTrace)
	}
	return t, nil
}

// parseMillis parses a decimal number of milliseconds: digits, with an
// optional fraction; no sign, exponent or unit.
func parseMillis(s string) (time.Duration, error) {
	if len(s) > 1 && s[0] == '-' && s[1] >= '0' && s[1] <= '9' {
		return 0, errors.New("a negative delay: a packet cannot arrive before it is sent")
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return 0, errors.New("want a delay in milliseconds (a decimal such as 40 or 40.5) or \"lost\"")
		}
	}
	if digits == 0 {
		return 0, errors.New("want a delay in milliseconds (a decimal such as 40 or 40.5) or \"lost\"")
	}
	ms, err := strconv.ParseFloat(s, 64)
	if err != nil || ms > float64(MaxTraceDelay/time.Millisecond) {
		return 0, fmt.Errorf("a delay of more than %v", MaxTraceDelay)
	}
	return time.Duration(math.Round(ms * float64(time.Millisecond))), nil
}

// shorten cuts a long value for an error message.
func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// Len returns the number of packets in the trace.
func (t *Trace) Len() int { return len(t.delays) }

// Lost returns the number of packets the trace loses.
func (t *Trace) Lost() int { return t.lost }

// Delay returns the delay of the trace's packet i (from 0; the trace
// repeats), and false when the trace loses it.
func (t *Trace) Delay(i int) (time.Duration, bool) {
	d := t.delays[i%len(t.delays)]
	return d, d != traceLost
}

// String describes the trace in one line, as the opusrt command prints it.
func (t *Trace) String() string {
	return fmt.Sprintf("trace of %d packets, %d lost", len(t.delays), t.lost)
}

// TraceLink sends packets through a trace: the first packet sent takes the
// trace's first line, and so on, the trace repeating. It is not safe for
// concurrent use.
type TraceLink struct {
	t    *Trace
	next int
}

// NewTraceLink returns a link that plays t from its first line.
func NewTraceLink(t *Trace) *TraceLink { return &TraceLink{t: t} }

// AppendSend sends one packet at time at and appends when it arrives to
// dst: nothing when the trace loses it.
func (l *TraceLink) AppendSend(dst []time.Time, at time.Time) []time.Time {
	if d, ok := l.take(); ok {
		return append(dst, at.Add(d))
	}
	return dst
}

// AppendSendAt is AppendSend with times as offsets from any origin.
func (l *TraceLink) AppendSendAt(dst []time.Duration, at time.Duration) []time.Duration {
	if d, ok := l.take(); ok {
		return append(dst, at+d)
	}
	return dst
}

// take returns the next line's delay, and false for a loss.
func (l *TraceLink) take() (time.Duration, bool) {
	d, ok := l.t.Delay(l.next)
	l.next++
	if l.next == len(l.t.delays) {
		l.next = 0
	}
	return d, ok
}
