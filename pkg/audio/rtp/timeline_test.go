package rtp

import (
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

func TestTimelineAnchor(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	at := int64(opusrt.FromTime(now))
	tests := []struct {
		name      string
		delivered []int64 // ends noted, in order
		want      int64
	}{
		{"nothing delivered: the arrival", nil, at},
		{"audio ended before: the arrival", []int64{at - 300}, at},
		{"audio still to play: after it", []int64{at + 360}, at + 360},
		{"the latest end counts", []int64{at + 900, at + 200}, at + 900},
		{"exactly MaxAnchorLead ahead: after it", []int64{at + 5000}, at + 5000},
		{"further ahead: the arrival", []int64{at + 5001}, at},
	}
	for _, tc := range tests {
		var tl Timeline
		for _, e := range tc.delivered {
			tl.Delivered(e)
		}
		if got := tl.Anchor(now); got != tc.want {
			t.Errorf("%s: Anchor = at%+d, want at%+d", tc.name, got-at, tc.want-at)
		}
	}
}
