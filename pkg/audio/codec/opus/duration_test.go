package opus

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

// exactDuration is samples × 10^9 / 48000 truncated toward zero, clamped to
// the Duration range, in arbitrary precision.
func exactDuration(samples int64) time.Duration {
	v := new(big.Int).Mul(big.NewInt(samples), big.NewInt(int64(time.Second)))
	v.Quo(v, big.NewInt(SampleRate))
	switch {
	case v.Cmp(big.NewInt(math.MaxInt64)) > 0:
		return math.MaxInt64
	case v.Cmp(big.NewInt(math.MinInt64)) < 0:
		return math.MinInt64
	}
	return time.Duration(v.Int64())
}

func TestSamplesDuration(t *testing.T) {
	// The largest count that still fits: MaxInt64 ns is 442721857769029
	// samples and a third.
	const last = 442721857769029
	tests := []struct {
		samples int
		want    time.Duration
	}{
		{0, 0},
		{1, 20833},
		{2, 41666},
		{3, 62500},
		{-1, -20833},
		{-2, -41666},
		{120, 2500 * time.Microsecond},
		{960, 20 * time.Millisecond},
		{MaxPacketSamples, MaxPacketDuration},
		{48000, time.Second},
		{48000 * 3600 * 54, 54 * time.Hour}, // past the old overflow at 53.4 h
		{48000 * 3600 * 24 * 365 * 100, 100 * 365 * 24 * time.Hour},
		{-48000 * 3600 * 54, -54 * time.Hour},
		{last, 9223372036854770833},
		{last + 1, math.MaxInt64},
		{-last, -9223372036854770833},
		{-last - 1, math.MinInt64},
		{math.MaxInt64, math.MaxInt64},
		{math.MinInt64, math.MinInt64},
	}
	for _, tt := range tests {
		if got := SamplesDuration(tt.samples); got != tt.want || got != exactDuration(int64(tt.samples)) {
			t.Errorf("SamplesDuration(%d) = %d, want %d (exact %d)", tt.samples, got, tt.want, exactDuration(int64(tt.samples)))
		}
	}
}

func TestSamplesDurationExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(s int64) {
		if got, want := SamplesDuration(int(s)), exactDuration(s); got != want {
			t.Fatalf("SamplesDuration(%d) = %d, want %d", s, got, want)
		}
	}
	const boundary = 442721857769029
	for d := int64(-10); d <= 10; d++ {
		check(boundary + d)
		check(-boundary + d)
		check(math.MaxInt64 - 10 + d)
		check(math.MinInt64 + 10 + d)
	}
	for range 100000 {
		check(int64(rng.Uint64()) >> rng.IntN(64))
	}
}

func TestDurationSamples(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{0, 0},
		{20833, 0},
		{20834, 1},
		{-20834, -1},
		{62500, 3},
		{20 * time.Millisecond, 960},
		{time.Second, 48000},
		{54 * time.Hour, 48000 * 3600 * 54},
		{-54 * time.Hour, -48000 * 3600 * 54},
		{math.MaxInt64, 442721857769029},
		{math.MinInt64, -442721857769029},
	}
	for _, tt := range tests {
		if got := DurationSamples(tt.d); got != tt.want {
			t.Errorf("DurationSamples(%d) = %d, want %d", tt.d, got, tt.want)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		d := time.Duration(int64(rng.Uint64()) >> rng.IntN(64))
		v := new(big.Int).Mul(big.NewInt(int64(d)), big.NewInt(SampleRate))
		v.Quo(v, big.NewInt(int64(time.Second)))
		if got := DurationSamples(d); got != v.Int64() {
			t.Fatalf("DurationSamples(%d) = %d, want %d", d, got, v)
		}
		// Back to a duration: within one sample of d, toward zero.
		back := SamplesDuration(int(DurationSamples(d)))
		if diff := d - back; d >= 0 && (diff < 0 || diff > 20834) || d < 0 && (diff > 0 || diff < -20834) {
			t.Fatalf("SamplesDuration(DurationSamples(%d)) = %d", d, back)
		}
	}
}

func FuzzSamplesDuration(f *testing.F) {
	f.Add(int64(960))
	f.Add(int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, s int64) {
		if got, want := SamplesDuration(int(s)), exactDuration(s); got != want {
			t.Fatalf("SamplesDuration(%d) = %d, want %d", s, got, want)
		}
	})
}
