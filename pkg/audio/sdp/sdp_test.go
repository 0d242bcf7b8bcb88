package sdp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		s    *Session
		want string
	}{
		{
			name: "default",
			s:    NewSession("127.0.0.1", 5004, 111),
			want: "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=opusrt\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
				"m=audio 5004 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n",
		},
		{
			name: "IPv6, RTCP port, mux, stereo",
			s: &Session{SessionID: 7, SessionVersion: 2, Address: "::1", Port: 40000, PayloadType: 96, RTCPPort: 40002, RTCPMux: true,
				Params: []Param{{"stereo", "1"}, {"sprop-stereo", "1"}, {"cbr", ""}}},
			want: "v=0\r\no=- 7 2 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\n" +
				"m=audio 40000 RTP/AVP 96\r\na=rtcp:40002\r\na=rtcp-mux\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=1;sprop-stereo=1;cbr\r\n",
		},
		{
			name: "no params",
			s:    &Session{Name: "talk", Address: "239.1.2.3", Port: 1, PayloadType: 0},
			want: "v=0\r\no=- 0 0 IN IP4 239.1.2.3\r\ns=talk\r\nc=IN IP4 239.1.2.3\r\nt=0 0\r\n" +
				"m=audio 1 RTP/AVP 0\r\na=rtpmap:0 opus/48000/2\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal =\n%q\nwant\n%q", got, tt.want)
			}
			back, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse(Marshal): %v", err)
			}
			want := *tt.s
			if want.Name == "" {
				want.Name = "-"
			}
			want.Protocol = "RTP/AVP"
			if !reflect.DeepEqual(*back, want) {
				t.Errorf("Parse(Marshal) =\n%+v\nwant\n%+v", *back, want)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	good := func() *Session { return NewSession("127.0.0.1", 5004, 111) }
	tests := []struct {
		name   string
		change func(*Session)
	}{
		{"no address", func(s *Session) { s.Address = "" }},
		{"address with a space", func(s *Session) { s.Address = "1.2.3.4 x" }},
		{"address with a TTL", func(s *Session) { s.Address = "239.0.0.1/127" }},
		{"port 0", func(s *Session) { s.Port = 0 }},
		{"port 65536", func(s *Session) { s.Port = 65536 }},
		{"RTCP port -1", func(s *Session) { s.RTCPPort = -1 }},
		{"payload type 128", func(s *Session) { s.PayloadType = 128 }},
		{"name with a newline", func(s *Session) { s.Name = "a\r\nm=video 1 RTP/AVP 0" }},
		{"param with a semicolon", func(s *Session) { s.Params = []Param{{"a", "1;b=2"}} }},
		{"param without a name", func(s *Session) { s.Params = []Param{{"", "1"}} }},
		{"protocol with a space", func(s *Session) { s.Protocol = "RTP/AVP 0" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.change(s)
			if _, err := s.Marshal(); !errors.Is(err, ErrInvalid) {
				t.Errorf("Marshal error = %v, want ErrInvalid", err)
			}
		})
	}
}

// ffmpegMono is what `ffmpeg -re -i speech.opus -c:a copy -f rtp
// -sdp_file ff.sdp rtp://127.0.0.1:45678` (ffmpeg 5.1) wrote, CRLFs and all.
const ffmpegMono = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\nm=audio 45678 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n"

// ffmpegStereo6 is ffmpeg's SDP for a stereo file sent to [::1].
const ffmpegStereo6 = "v=0\r\no=- 0 0 IN IP6 ::1\r\ns=No Name\r\nc=IN IP6 ::1\r\nt=0 0\r\n" +
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\nm=audio 45678 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\na=fmtp:97 sprop-stereo=1\r\n"

// chromeOffer is the audio part of a Chrome offer (LF line ends, as
// JavaScript hands it over after a copy and paste), ICE and DTLS lines cut.
const chromeOffer = `v=0
o=- 4611731400430051336 2 IN IP4 127.0.0.1
s=-
t=0 0
a=group:BUNDLE 0 1
a=extmap-allow-mixed
a=msid-semantic: WMS
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126
c=IN IP4 0.0.0.0
a=rtcp:9 IN IP4 0.0.0.0
a=ice-ufrag:Xr5h
a=mid:0
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01
a=sendrecv
a=rtcp-mux
a=rtpmap:111 opus/48000/2
a=rtcp-fb:111 transport-cc
a=fmtp:111 minptime=10;useinbandfec=1
a=rtpmap:63 red/48000/2
a=fmtp:63 111/111
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:13 CN/8000
a=rtpmap:110 telephone-event/48000
a=rtpmap:126 telephone-event/8000
a=ssrc:1001 cname:YJVs/XQpLb3mPiiY
m=video 9 UDP/TLS/RTP/SAVPF 96
c=IN IP4 0.0.0.0
a=rtpmap:96 VP8/90000
`

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Session
	}{
		{"ffmpeg mono", ffmpegMono, Session{Name: "No Name", Address: "127.0.0.1", Port: 45678, Protocol: "RTP/AVP", PayloadType: 97}},
		{"ffmpeg stereo IPv6", ffmpegStereo6, Session{Name: "No Name", Address: "::1", Port: 45678, Protocol: "RTP/AVP", PayloadType: 97,
			Params: []Param{{"sprop-stereo", "1"}}}},
		{"chrome offer", chromeOffer, Session{Name: "-", SessionID: 4611731400430051336, SessionVersion: 2, Address: "0.0.0.0", Port: 9,
			Protocol: "UDP/TLS/RTP/SAVPF", PayloadType: 111, Params: []Param{{"minptime", "10"}, {"useinbandfec", "1"}}, RTCPPort: 9, RTCPMux: true}},
		{
			name: "declined audio skipped, second audio taken, media c= wins, multicast TTL, spaces in fmtp, OPUS in capitals",
			text: "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=x\nc=IN IP4 10.0.0.1\nt=0 0\n" +
				"m=audio 0 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n" +
				"m=audio 6000/2 RTP/AVP 0 101\nc=IN IP4 239.5.5.5/127\na=rtpmap:101 OPUS/48000/2\na=fmtp:101 maxplaybackrate=16000; stereo=0\n",
			want: Session{Name: "x", SessionID: 1, SessionVersion: 1, Address: "239.5.5.5", Port: 6000, Protocol: "RTP/AVP", PayloadType: 101,
				Params: []Param{{"maxplaybackrate", "16000"}, {"stereo", "0"}}},
		},
		{
			name: "rtpmap for a payload type the media line does not list is ignored",
			text: "v=0\nc=IN IP4 1.2.3.4\nm=audio 7000 RTP/AVP 98 99\na=rtpmap:97 opus/48000/2\na=rtpmap:99 opus/48000/2\n",
			want: Session{Address: "1.2.3.4", Port: 7000, Protocol: "RTP/AVP", PayloadType: 99},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("Parse =\n%+v\nwant\n%+v", *got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		sentinel error
		says     string
	}{
		{"empty", "", ErrInvalid, "empty"},
		{"blank lines", "\n\r\n  \n", ErrInvalid, "empty"},
		{"not v=0 first", "o=- 0 0 IN IP4 1.2.3.4\nv=0\n", ErrInvalid, "line 1"},
		{"version 1", "v=1\n", ErrInvalid, "v=0"},
		{"an RTP packet", "\x80\x6f\x00\x01", ErrInvalid, "line 1"},
		{"line without =", "v=0\nhello\n", ErrInvalid, "line 2"},
		{"bad connection", "v=0\nc=IN IP4\n", ErrInvalid, "line 2"},
		{"bad connection type", "v=0\nc=IN IPX 1.2.3.4\n", ErrInvalid, "IN IP4"},
		{"bad media port", "v=0\nm=audio x RTP/AVP 111\n", ErrInvalid, "port"},
		{"media port too big", "v=0\nm=audio 70000 RTP/AVP 111\n", ErrInvalid, "port"},
		{"short media line", "v=0\nm=audio 5004 RTP/AVP\n", ErrInvalid, "line 2"},
		{"no media", ffmpegMono[:strings.Index(ffmpegMono, "m=")], ErrNoOpus, "no media"},
		{"video only", "v=0\nm=video 5000 RTP/AVP 96\na=rtpmap:96 VP8/90000\n", ErrNoOpus, "no audio"},
		{"PCMU only", "v=0\nc=IN IP4 1.2.3.4\nm=audio 5004 RTP/AVP 0 8\na=rtpmap:0 PCMU/8000\n", ErrNoOpus, "types 0 8"},
		{"opus at 16 kHz is not RFC 7587", "v=0\nm=audio 5004 RTP/AVP 96\na=rtpmap:96 opus/16000\n", ErrNoOpus, "96"},
		{"declined opus", "v=0\nm=audio 0 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n", ErrNoOpus, "111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text))
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("error %v, want %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestSessionHelpers(t *testing.T) {
	s, err := Parse([]byte(chromeOffer))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := s.Param("UseInbandFEC"); !ok || v != "1" {
		t.Errorf("Param(UseInbandFEC) = %q, %v", v, ok)
	}
	if !s.Encrypted() || NewSession("1.2.3.4", 1, 111).Encrypted() {
		t.Error("Encrypted: the browser's SAVPF stream is, ours is not")
	}
	if _, ok := s.Param("stereo"); ok {
		t.Error("Param(stereo) found")
	}
	for _, tt := range []struct {
		s    Session
		want int
	}{
		{Session{Port: 5004}, 5005},
		{Session{Port: 5004, RTCPPort: 6000}, 6000},
		{Session{Port: 5004, RTCPPort: 6000, RTCPMux: true}, 5004},
	} {
		if got := tt.s.ControlPort(); got != tt.want {
			t.Errorf("%+v: ControlPort = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestParseManyLines(t *testing.T) {
	text := "v=0\n" + strings.Repeat("a=x\n", maxLines)
	if _, err := Parse([]byte(text)); !errors.Is(err, ErrInvalid) {
		t.Errorf("%d lines: %v", maxLines+1, err)
	}
}

// FuzzParse checks that no input panics Parse, errors wrap the sentinels,
// and what Parse returns is written back and read again unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{ffmpegMono, ffmpegStereo6, chromeOffer, "v=0\nm=audio 5004 RTP/AVP 96\na=rtpmap:96 opus/48000/2\na=fmtp:96 a;b=;=c\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		s, err := Parse(text)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNoOpus) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		out, err := s.Marshal()
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Marshal error %v", err)
			}
			return
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(x))): %v\n%s", err, out)
		}
		want := *s
		if want.Name == "" {
			want.Name = "-"
		}
		if !reflect.DeepEqual(*back, want) {
			t.Fatalf("round trip changed the session:\n%+v\n%+v", want, *back)
		}
	})
}
