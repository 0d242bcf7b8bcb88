package sdp_test

import (
	"fmt"
	"strings"

	"github.com/haivivi/giztoy/pkg/audio/sdp"
)

// The description a sender writes for ffmpeg, VLC or GStreamer:
// `ffmpeg -protocol_whitelist file,udp,rtp -i stream.sdp -c copy out.ogg`.
func ExampleSession_Marshal() {
	text, err := sdp.NewSession("127.0.0.1", 5004, 111).Marshal()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(strings.ReplaceAll(string(text), "\r\n", "\n")) // lines end in CRLF
	// Output:
	// v=0
	// o=- 0 0 IN IP4 127.0.0.1
	// s=opusrt
	// c=IN IP4 127.0.0.1
	// t=0 0
	// m=audio 5004 RTP/AVP 111
	// a=rtpmap:111 opus/48000/2
	// a=fmtp:111 minptime=10;useinbandfec=1
}

// A receiver reads the sender's description to learn the payload type and
// port of its Opus stream.
func ExampleParse() {
	s, err := sdp.Parse([]byte("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 45678 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("payload type %d on %s:%d, RTCP to port %d\n", s.PayloadType, s.Address, s.Port, s.ControlPort())

	_, err = sdp.Parse([]byte("v=0\nm=audio 5004 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"))
	fmt.Println(err)
	// Output:
	// payload type 97 on 127.0.0.1:45678, RTCP to port 45679
	// sdp: no opus stream: no a=rtpmap:PT opus/48000 for the audio payload types 0
}
