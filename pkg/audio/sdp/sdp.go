// Package sdp reads and writes the little of the Session Description
// Protocol (RFC 4566) that an Opus RTP stream needs (RFC 7587 §7): write
// the description of a stream we send, so that ffmpeg
// (`ffmpeg -protocol_whitelist file,udp,rtp -i FILE`), VLC or GStreamer can
// receive it; and read one — a file from `ffmpeg -sdp_file`, a browser's
// offer — to learn the payload type, port and address of the Opus stream we
// are to receive.
//
// It is not a general SDP library: of a description it reads the
// connection lines, the audio media lines and their rtpmap, fmtp and rtcp
// attributes, and skips the rest.
package sdp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The sentinel errors callers branch on; errors returned by this package
// wrap them with what was wrong and where.
var (
	// ErrInvalid reports text that is not a session description, or a
	// Session that cannot be written.
	ErrInvalid = errors.New("sdp: invalid description")
	// ErrNoOpus reports a description with no Opus audio stream in it.
	ErrNoOpus = errors.New("sdp: no opus stream")
)

type sdpError struct {
	sentinel error
	detail   string
}

func (e *sdpError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *sdpError) Unwrap() error { return e.sentinel }

func errorf(sentinel error, format string, args ...any) error {
	return &sdpError{sentinel, fmt.Sprintf(format, args...)}
}

// Opus's RTP clock and the channel count its rtpmap always gives
// (RFC 7587 §7: "opus/48000/2" whatever the stream's channels).
const (
	ClockRate = 48000
	Channels  = 2
)

// Param is one parameter of an a=fmtp line, such as minptime=10.
type Param struct {
	Name, Value string
}

// DefaultParams are the format parameters NewSession sets, those browsers
// offer: 10 ms minimum packet time and in-band FEC (RFC 7587 §7).
var DefaultParams = []Param{{"minptime", "10"}, {"useinbandfec", "1"}}

// Session is an Opus RTP stream as a session description says it.
type Session struct {
	// Name is the session name (s=); "-" when empty.
	Name string
	// SessionID and SessionVersion are the origin's (o=) numbers.
	SessionID, SessionVersion uint64
	// Address is the connection address (c=): an IPv4 or IPv6 address or
	// a host name, without a multicast TTL. Reading, the media's own c=
	// line wins over the session's.
	Address string
	// Port is the RTP port of the audio media line (m=audio PORT).
	Port int
	// Protocol is the media line's transport, "RTP/AVP" when empty.
	// Reading gives what was written: browsers say UDP/TLS/RTP/SAVPF, an
	// encrypted (SRTP) stream that package rtp cannot read; see Encrypted.
	Protocol string
	// PayloadType is the payload type of Opus (a=rtpmap:PT opus/48000/2).
	PayloadType uint8
	// Params are the format parameters of that payload type (a=fmtp), in
	// order.
	Params []Param
	// RTCPPort is the RTCP port when it is not Port+1 (a=rtcp:, RFC 3605);
	// 0 for the default.
	RTCPPort int
	// RTCPMux says RTCP shares the RTP port (a=rtcp-mux, RFC 5761).
	RTCPMux bool
}

// NewSession returns the description of an Opus stream sent to address
// and port with payload type pt, with DefaultParams.
func NewSession(address string, port int, pt uint8) *Session {
	return &Session{Name: "opusrt", Address: address, Port: port, PayloadType: pt, Params: append([]Param(nil), DefaultParams...)}
}

// Param returns the value of the format parameter name (case-insensitive,
// as RFC 7587 §7 says of Opus's parameters) and whether it is there.
func (s *Session) Param(name string) (string, bool) {
	for _, p := range s.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return "", false
}

// Encrypted reports whether the stream is secure RTP (a protocol with
// SAVP, RFC 3711), whose payloads are ciphertext to a plain RTP receiver.
func (s *Session) Encrypted() bool { return strings.Contains(s.Protocol, "SAVP") }

// ControlPort returns the port RTCP goes to: Port with RTCPMux,
// RTCPPort when set, else Port+1 (RFC 3550 §11).
func (s *Session) ControlPort() int {
	switch {
	case s.RTCPMux:
		return s.Port
	case s.RTCPPort != 0:
		return s.RTCPPort
	}
	return s.Port + 1
}

// addrType is the c= and o= address type of address.
func addrType(address string) string {
	if strings.Contains(address, ":") {
		return "IP6"
	}
	return "IP4"
}

// validText reports whether v may stand in a line: no line breaks, no NUL.
func validText(v string) bool { return !strings.ContainsAny(v, "\r\n\x00") }

func (s *Session) validate() error {
	switch {
	case s.Address == "" || strings.ContainsAny(s.Address, " \t/") || !validText(s.Address):
		return errorf(ErrInvalid, "connection address %q", s.Address)
	case s.Port < 1 || s.Port > 65535:
		return errorf(ErrInvalid, "port %d, want 1–65535", s.Port)
	case s.RTCPPort < 0 || s.RTCPPort > 65535:
		return errorf(ErrInvalid, "RTCP port %d, want 0–65535", s.RTCPPort)
	case s.PayloadType > 127:
		return errorf(ErrInvalid, "payload type %d, want 0–127", s.PayloadType)
	case !validText(s.Name) || !validText(s.Protocol) || strings.ContainsAny(s.Protocol, " \t"):
		return errorf(ErrInvalid, "name %q or protocol %q has a line break or space", s.Name, s.Protocol)
	}
	for _, p := range s.Params {
		if p.Name == "" || strings.ContainsAny(p.Name, "=; \t") || strings.ContainsAny(p.Value, "; \t") || !validText(p.Name+p.Value) {
			return errorf(ErrInvalid, "format parameter %q=%q", p.Name, p.Value)
		}
	}
	return nil
}

// Marshal returns the description as RFC 4566 text with CRLF line ends:
//
//	v=0
//	o=- 0 0 IN IP4 127.0.0.1
//	s=opusrt
//	c=IN IP4 127.0.0.1
//	t=0 0
//	m=audio 5004 RTP/AVP 111
//	a=rtpmap:111 opus/48000/2
//	a=fmtp:111 minptime=10;useinbandfec=1
//
// It returns an error wrapping ErrInvalid for an empty address, a port
// outside 1–65535, a payload type above 127, or text that would break a
// line.
func (s *Session) Marshal() ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	name, proto := s.Name, s.Protocol
	if name == "" {
		name = "-"
	}
	if proto == "" {
		proto = "RTP/AVP"
	}
	at := addrType(s.Address)
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\r\n")
	}
	line("v=0")
	line("o=- %d %d IN %s %s", s.SessionID, s.SessionVersion, at, s.Address)
	line("s=%s", name)
	line("c=IN %s %s", at, s.Address)
	line("t=0 0")
	line("m=audio %d %s %d", s.Port, proto, s.PayloadType)
	if s.RTCPPort != 0 {
		line("a=rtcp:%d", s.RTCPPort)
	}
	if s.RTCPMux {
		line("a=rtcp-mux")
	}
	line("a=rtpmap:%d opus/%d/%d", s.PayloadType, ClockRate, Channels)
	if len(s.Params) > 0 {
		ps := make([]string, len(s.Params))
		for i, p := range s.Params {
			ps[i] = p.Name
			if p.Value != "" {
				ps[i] += "=" + p.Value
			}
		}
		line("a=fmtp:%d %s", s.PayloadType, strings.Join(ps, ";"))
	}
	return []byte(b.String()), nil
}

// media is one m= section being read.
type media struct {
	line     int
	audio    bool
	port     int
	proto    string
	formats  []string
	address  string // its own c=, or ""
	opusPT   int    // −1 until an rtpmap names opus
	fmtp     map[int]string
	rtcpPort int
	rtcpMux  bool
}

// maxLines bounds the work on hostile input; real descriptions have tens.
const maxLines = 10000

// Parse reads a session description and returns its first audio stream
// whose rtpmap names opus at 48000 Hz (a media line with port 0, declined,
// is skipped). Lines may end in CRLF or LF. It returns an error wrapping
// ErrInvalid for text that is not a description (no v=0 first, a line not
// of the form x=..., a media or connection line that does not parse), and
// ErrNoOpus, saying which payload types there were, when no audio stream
// is Opus.
func Parse(text []byte) (*Session, error) {
	lines := strings.Split(string(text), "\n")
	if len(lines) > maxLines {
		return nil, errorf(ErrInvalid, "%d lines, at most %d", len(lines), maxLines)
	}
	var (
		s       = &Session{}
		address string // session-level c=
		medias  []*media
		cur     *media
		sawV    bool
	)
	for i, raw := range lines {
		n := i + 1
		l := strings.TrimSuffix(raw, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if len(l) < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z' {
			return nil, errorf(ErrInvalid, "line %d: %q is not of the form x=value", n, clip(l))
		}
		typ, val := l[0], l[2:]
		if !sawV {
			if typ != 'v' || strings.TrimSpace(val) != "0" {
				return nil, errorf(ErrInvalid, "line %d: a description starts with v=0, not %q", n, clip(l))
			}
			sawV = true
			continue
		}
		switch typ {
		case 's':
			if cur == nil {
				s.Name = val
			}
		case 'o':
			if f := strings.Fields(val); cur == nil && len(f) == 6 {
				s.SessionID, _ = strconv.ParseUint(f[1], 10, 64)
				s.SessionVersion, _ = strconv.ParseUint(f[2], 10, 64)
			}
		case 'c':
			a, err := parseConnection(val)
			if err != nil {
				return nil, errorf(ErrInvalid, "line %d: %v", n, err)
			}
			if cur != nil {
				cur.address = a
			} else {
				address = a
			}
		case 'm':
			m, err := parseMedia(val)
			if err != nil {
				return nil, errorf(ErrInvalid, "line %d: %v", n, err)
			}
			m.line = n
			medias = append(medias, m)
			cur = m
		case 'a':
			if cur != nil && cur.audio {
				cur.attribute(val)
			}
		}
	}
	if !sawV {
		return nil, errorf(ErrInvalid, "empty description")
	}
	var seen []string
	for _, m := range medias {
		if !m.audio {
			continue
		}
		seen = append(seen, m.formats...)
		if m.port == 0 || m.opusPT < 0 {
			continue
		}
		s.Address = address
		if m.address != "" {
			s.Address = m.address
		}
		s.Port, s.Protocol, s.PayloadType = m.port, m.proto, uint8(m.opusPT)
		s.RTCPPort, s.RTCPMux = m.rtcpPort, m.rtcpMux
		s.Params = parseParams(m.fmtp[m.opusPT])
		return s, nil
	}
	if len(medias) == 0 {
		return nil, errorf(ErrNoOpus, "no media line (m=) at all")
	}
	if len(seen) == 0 {
		return nil, errorf(ErrNoOpus, "no audio media line (m=audio)")
	}
	return nil, errorf(ErrNoOpus, "no a=rtpmap:PT opus/48000 for the audio payload types %s", strings.Join(seen, " "))
}

// clip shortens a line for an error message.
func clip(l string) string {
	if len(l) > 60 {
		return l[:60] + "..."
	}
	return l
}

// parseConnection reads "IN IP4 ADDR[/TTL[/N]]" and returns ADDR.
func parseConnection(val string) (string, error) {
	f := strings.Fields(val)
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return "", fmt.Errorf("connection %q, want IN IP4|IP6 ADDRESS", clip(val))
	}
	addr, _, _ := strings.Cut(f[2], "/")
	if addr == "" {
		return "", fmt.Errorf("connection %q has no address", clip(val))
	}
	return addr, nil
}

// parseMedia reads "MEDIA PORT[/N] PROTO FMT...".
func parseMedia(val string) (*media, error) {
	f := strings.Fields(val)
	if len(f) < 4 {
		return nil, fmt.Errorf("media %q, want MEDIA PORT PROTO FORMAT...", clip(val))
	}
	portText, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("media port %q, want 0–65535", f[1])
	}
	return &media{audio: f[0] == "audio", port: port, proto: f[2], formats: f[3:], opusPT: -1, fmtp: map[int]string{}}, nil
}

// attribute reads one a= line of an audio media section.
func (m *media) attribute(val string) {
	name, rest, _ := strings.Cut(val, ":")
	switch name {
	case "rtpmap":
		ptText, enc, ok := strings.Cut(rest, " ")
		pt, err := strconv.Atoi(ptText)
		if !ok || err != nil || pt < 0 || pt > 127 || m.opusPT >= 0 || !m.offers(ptText) {
			return
		}
		parts := strings.Split(strings.TrimSpace(enc), "/")
		if len(parts) >= 2 && strings.EqualFold(parts[0], "opus") && parts[1] == strconv.Itoa(ClockRate) {
			m.opusPT = pt
		}
	case "fmtp":
		ptText, params, ok := strings.Cut(rest, " ")
		if pt, err := strconv.Atoi(ptText); ok && err == nil && len(m.fmtp) < 128 {
			m.fmtp[pt] = params
		}
	case "rtcp":
		f := strings.Fields(rest)
		if len(f) > 0 {
			if p, err := strconv.Atoi(f[0]); err == nil && p > 0 && p <= 65535 {
				m.rtcpPort = p
			}
		}
	case "rtcp-mux":
		m.rtcpMux = true
	}
}

// offers reports whether the media line lists payload type pt.
func (m *media) offers(pt string) bool {
	for _, f := range m.formats {
		if f == pt {
			return true
		}
	}
	return false
}

// parseParams splits "a=1; b=2;c" into its parameters.
func parseParams(text string) []Param {
	var ps []Param
	for _, p := range strings.Split(text, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		name, value, _ := strings.Cut(p, "=")
		ps = append(ps, Param{strings.TrimSpace(name), strings.TrimSpace(value)})
	}
	return ps
}
