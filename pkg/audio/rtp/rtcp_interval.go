package rtp

import (
	"math/rand/v2"
	"time"
)

// The RTCP transmission interval of RFC 3550 §6.3 for a session of two
// participants, where the bandwidth term never exceeds the minimum.
const (
	// MinReportInterval is Tmin, the least time between two reports.
	MinReportInterval = 5 * time.Second
	// reportCompensation is e − 3/2, which RFC 3550 §6.3.1 divides the
	// randomized interval by to make up for the timer reconsideration
	// algorithm's bias toward short intervals.
	reportCompensation = 1.21828
)

// ReportInterval returns how long to wait before sending the next RTCP
// report (RFC 3550 §6.3.1): MinReportInterval (half of it before the
// first report, so a new receiver is heard soon), times a random factor
// between 0.5 and 1.5 so that participants do not report in step, divided
// by e − 3/2. The result lies between about 1.0 and 3.1 s for the first
// report and between 2.05 and 6.16 s after.
func ReportInterval(first bool) time.Duration {
	t := MinReportInterval
	if first {
		t /= 2
	}
	return time.Duration(float64(t) * (0.5 + rand.Float64()) / reportCompensation)
}
