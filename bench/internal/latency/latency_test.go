package latency

import "testing"

func TestMeanP95(t *testing.T) {
	tests := []struct {
		lat       []float64
		mean, p95 float64
	}{
		{nil, 0, 0},
		{[]float64{40}, 40, 40},
		// 100 values 1..100, shuffled: mean 50.5, index 95 of the sorted is 96.
		{func() []float64 {
			l := make([]float64, 100)
			for i := range l {
				l[i] = float64((i*37)%100 + 1)
			}
			return l
		}(), 50.5, 96},
	}
	for _, tc := range tests {
		if m, p := MeanP95(tc.lat); m != tc.mean || p != tc.p95 {
			t.Errorf("MeanP95(%d values) = %v, %v; want %v, %v", len(tc.lat), m, p, tc.mean, tc.p95)
		}
	}
}
