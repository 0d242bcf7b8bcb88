package rtp

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want Kind
	}{
		{"empty", ``, KindUnknown},
		{"rtp opus", `80 6f 00 01 00 00 00 02 00 00 00 03 78`, KindRTP},
		{"rtp opus marker", chromeOpus, KindRTP},
		{"rtp bare header", `80 6f 00 01 00 00 00 02 00 00 00 03`, KindRTP},
		{"rtp 0xbf first byte", `bf 60 00 01 00 00 00 02 00 00 00 03`, KindRTP},
		{"rtp too short", `80 6f 00 01 00 00 00 02 00 00 00`, KindUnknown},
		{"rtcp sr", `80 c8 00 06 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00`, KindRTCP},
		{"rtcp rr", `80 c9 00 01 00 00 00 01`, KindRTCP},
		{"rtcp sdes", `81 ca 00 01 00 00 00 01`, KindRTCP},
		{"rtcp bye", `81 cb 00 01 00 00 00 01`, KindRTCP},
		{"rtcp app", `80 cc 00 01 00 00 00 01`, KindRTCP},
		{"rtcp first of mux range", `80 c0 00 01 00 00 00 01`, KindRTCP},
		{"rtcp last of mux range", `80 df 00 01 00 00 00 01`, KindRTCP},
		{"rtp pt 96 marker (0xe0)", `80 e0 00 01 00 00 00 02 00 00 00 03 78`, KindRTP},
		{"rtp pt 63 marker (0xbf)", `80 bf 00 01 00 00 00 02 00 00 00 03 78`, KindRTP},
		{"rtcp too short", `80 c9 00 01 00 00 00`, KindUnknown},
		{"stamped plain", `00 00 01 8c 5a 3b 2c 1d 78`, KindStamped},
		{"stamped versioned", `01 00 01 8c 5a 3b 2c 1d 78`, KindStamped},
		{"stamped too short", `00 00 01 8c 5a 3b 2c 1d`, KindUnknown},
		{"version 1", `40 6f 00 01 00 00 00 02 00 00 00 03 78`, KindUnknown},
		{"version 3", `ff 6f 00 01 00 00 00 02 00 00 00 03 78`, KindUnknown},
		{"0x02 first byte", `02 00 01 8c 5a 3b 2c 1d 78`, KindUnknown},
		{"0x7f first byte", `7f 00 01 8c 5a 3b 2c 1d 78`, KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := hexBytes(t, tt.wire)
			if got := Classify(b); got != tt.want {
				t.Errorf("Classify = %v, want %v", got, tt.want)
			}
			if got := IsRTP(b); got != (tt.want == KindRTP) {
				t.Errorf("IsRTP = %v", got)
			}
			if got := IsRTCP(b); got != (tt.want == KindRTCP) {
				t.Errorf("IsRTCP = %v", got)
			}
		})
	}
}

func TestClassifyEveryFirstByte(t *testing.T) {
	b := make([]byte, 16)
	for first := range 256 {
		b[0] = byte(first)
		want := KindUnknown
		switch {
		case first <= 1:
			want = KindStamped
		case first >= 0x80 && first <= 0xBF:
			want = KindRTP
		}
		if got := Classify(b); got != want {
			t.Errorf("first byte 0x%02x: Classify = %v, want %v", first, got, want)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindUnknown: "unknown", KindRTP: "RTP", KindRTCP: "RTCP", KindStamped: "stamped", 99: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
