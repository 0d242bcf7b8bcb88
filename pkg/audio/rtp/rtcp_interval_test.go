package rtp

import (
	"testing"
	"time"
)

func TestReportInterval(t *testing.T) {
	for _, tt := range []struct {
		first  bool
		lo, hi time.Duration
	}{
		{false, 2052 * time.Millisecond, 6157 * time.Millisecond},
		{true, 1026 * time.Millisecond, 3079 * time.Millisecond},
	} {
		var sum time.Duration
		minSeen, maxSeen := time.Hour, time.Duration(0)
		const n = 10000
		for range n {
			d := ReportInterval(tt.first)
			if d < tt.lo || d > tt.hi {
				t.Fatalf("first=%v: interval %v outside [%v, %v]", tt.first, d, tt.lo, tt.hi)
			}
			sum += d
			minSeen, maxSeen = min(minSeen, d), max(maxSeen, d)
		}
		// Uniform over the range: the mean is in the middle, and the draws
		// reach close to both ends.
		mid := (tt.lo + tt.hi) / 2
		if mean := sum / n; mean < mid-mid/20 || mean > mid+mid/20 {
			t.Errorf("first=%v: mean %v, want about %v", tt.first, mean, mid)
		}
		if minSeen > tt.lo+(tt.hi-tt.lo)/50 || maxSeen < tt.hi-(tt.hi-tt.lo)/50 {
			t.Errorf("first=%v: draws from %v to %v do not span [%v, %v]", tt.first, minSeen, maxSeen, tt.lo, tt.hi)
		}
	}
}
