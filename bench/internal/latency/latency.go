// Package latency summarises the mouth-to-ear latencies of a playout run,
// the same way for every run the evaluation compares.
package latency

import "slices"

// MeanP95 returns the mean and the 95th percentile (the value at index
// len·95/100 of the sorted latencies) of lat, in lat's unit; 0, 0 when lat
// is empty. It sorts lat in place.
func MeanP95(lat []float64) (mean, p95 float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	sum := 0.0
	for _, l := range lat {
		sum += l
	}
	slices.Sort(lat)
	return sum / float64(len(lat)), lat[len(lat)*95/100]
}
