package opusrt

import (
	"math"
	"testing"
	"time"
)

func TestSamplesConversions(t *testing.T) {
	for _, tt := range []struct {
		d       time.Duration
		samples int64
	}{
		{0, 0},
		{20 * time.Millisecond, 960},
		{6500 * time.Microsecond, 312},
		{time.Second - 1, 47999},
		{54 * time.Hour, 54 * 3600 * 48000},
		{math.MaxInt64, 442721857769029}, // 9223372036.854775807 s × 48000, rounded down
		{-time.Second, -48000},
	} {
		if got := durationSamples(tt.d); got != tt.samples {
			t.Errorf("durationSamples(%v) = %d, want %d", tt.d, got, tt.samples)
		}
	}
	for _, tt := range []struct {
		samples int64
		d       time.Duration
	}{
		{0, 0},
		{-1, 0},
		{312, 6500 * time.Microsecond},
		{1, 20833},
		{54 * 3600 * 48000, 54 * time.Hour},
		{math.MaxInt64, math.MaxInt64},
		{442721857769029, 9223372036854770833},
	} {
		if got := samplesDuration(tt.samples); got != tt.d {
			t.Errorf("samplesDuration(%d) = %d, want %d", tt.samples, got, tt.d)
		}
	}
}
