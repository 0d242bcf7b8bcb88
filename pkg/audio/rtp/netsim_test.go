package rtp_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/netsim"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// TestReceiverOnSimulatedNetwork sends 3000 packets (a minute of 20 ms
// frames) from a Packetizer over a simulated network that loses, delays,
// reorders and duplicates them, and checks the Receiver's figures, and
// the report block it sends back, against what the network drew: loss as
// RFC 3550 A.3 defines it (expected from the sequence numbers minus
// received, duplicates included), and the interarrival jitter of §6.4.1
// computed here in floating point from the same arrivals (duplicates, which
// carry no new transit time, left out).
func TestReceiverOnSimulatedNetwork(t *testing.T) {
	for _, cfg := range []netsim.Config{
		{Loss: 0.05, Delay: 40 * time.Millisecond, Jitter: 10 * time.Millisecond, Reorder: 0.05, Duplicate: 0.02, Seed: 1},
		{Loss: 0.10, BurstLength: 3, Delay: 80 * time.Millisecond, Jitter: 30 * time.Millisecond, Distribution: netsim.Pareto, Seed: 2},
		{Seed: 3},
	} {
		t.Run(cfg.String(), func(t *testing.T) {
			link, err := netsim.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			tx := rtp.NewPacketizer(rtp.WithRandom(seededReader(cfg.Seed)))
			type arrival struct {
				at   time.Time
				seq  int
				wire []byte
			}
			var arrivals []arrival
			for i := range 3000 {
				wire, err := tx.AppendPacket(nil, opusrt.Frame{0x78, byte(i)})
				if err != nil {
					t.Fatal(err)
				}
				for _, at := range link.Send(start.Add(time.Duration(i) * 20 * time.Millisecond)) {
					arrivals = append(arrivals, arrival{at, i, wire})
				}
			}
			slices.SortStableFunc(arrivals, func(a, b arrival) int { return a.at.Compare(b.at) })

			clk := fakeclock.New(start)
			buf := opusrt.NewBuffer(0, opusrt.WithClock(clk))
			rx := rtp.NewReceiver(buf, rtp.WithReceiverClock(clk))
			lo, hi := math.MaxInt, -1
			var jitter float64 // RFC 3550 §6.4.1, in timestamp units
			var lastTransit float64
			first := true
			got := map[int]bool{}
			for n, a := range arrivals {
				clk.Set(a.at)
				err := rx.Receive(a.wire)
				if err != nil && !errors.Is(err, rtp.ErrProbation) && !errors.Is(err, opusrt.ErrDisorderedPacket) {
					t.Fatalf("arrival %d: %v", n, err)
				}
				lo, hi = min(lo, a.seq), max(hi, a.seq)
				if got[a.seq] {
					continue // a duplicate: no new transit time (as libwebrtc)
				}
				got[a.seq] = true
				transit := a.at.Sub(start).Seconds()*48000 - float64(960*a.seq)
				if !first {
					jitter += (math.Abs(transit-lastTransit) - jitter) / 16
				}
				first, lastTransit = false, transit
			}
			s := rx.Stats()
			expected := hi - lo + 1
			lost := int64(expected - len(arrivals))
			dups := len(arrivals) - uniqueSeqs(arrivals, func(a arrival) int { return a.seq })
			if s.PacketsLost != lost || s.PacketsReceived != uint64(len(arrivals)) || s.PacketsDuplicated != uint64(dups) {
				t.Errorf("lost %d received %d duplicated %d; the network: lost %d of %d expected, %d arrivals, %d duplicates",
					s.PacketsLost, s.PacketsReceived, s.PacketsDuplicated, lost, expected, len(arrivals), dups)
			}
			if d := float64(s.JitterTimestampUnits) - jitter; math.Abs(d) > 2+jitter/100 {
				t.Errorf("jitter %d units, computed here %.1f", s.JitterTimestampUnits, jitter)
			}
			rb := rx.ReceiverReport(clk.Now()).Reports[0]
			wantFraction := 0
			if lost > 0 {
				wantFraction = int(lost * 256 / int64(expected))
			}
			if rb.CumulativeLost != int32(lost) || int(rb.FractionLost) != wantFraction || rb.SSRC != tx.SSRC() || rb.Jitter != s.JitterTimestampUnits {
				t.Errorf("report block %+v; want lost %d fraction %d", rb, lost, wantFraction)
			}
			t.Logf("%d arrivals: lost %d, %d duplicates, jitter %v (computed here %.2f ms)", len(arrivals), lost, dups, s.Jitter, jitter/48)
		})
	}
}

func uniqueSeqs[T any](xs []T, key func(T) int) int {
	seen := map[int]bool{}
	for _, x := range xs {
		seen[key(x)] = true
	}
	return len(seen)
}

// seededReader returns an endless deterministic byte stream for
// rtp.WithRandom.
func seededReader(seed uint64) *byteStream { return &byteStream{x: seed*2654435761 + 1} }

type byteStream struct{ x uint64 }

func (b *byteStream) Read(p []byte) (int, error) {
	for i := range p {
		b.x = b.x*6364136223846793005 + 1442695040888963407
		p[i] = byte(b.x >> 56)
	}
	return len(p), nil
}
