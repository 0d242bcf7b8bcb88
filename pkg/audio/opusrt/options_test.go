package opusrt_test

import (
	"testing"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// Each constructor takes only the options it uses: NewPlayer(WithPlayoutDelay(x))
// no longer compiles and does nothing. WithClock serves all three;
// WithResyncThreshold the two buffers.
func TestOptionsServeTheirConstructors(t *testing.T) {
	tests := []struct {
		name                     string
		opt                      any
		buffer, realtime, player bool
	}{
		{"WithClock", opusrt.WithClock(opusrt.SystemClock()), true, true, true},
		{"WithResyncThreshold", opusrt.WithResyncThreshold(time.Second), true, true, false},
		{"WithPlayoutDelay", opusrt.WithPlayoutDelay(time.Second), false, true, false},
		{"WithoutArrivalTimes", opusrt.WithoutArrivalTimes(), true, false, false},
	}
	for _, tt := range tests {
		_, b := tt.opt.(opusrt.BufferOption)
		_, r := tt.opt.(opusrt.RealtimeOption)
		_, p := tt.opt.(opusrt.PlayerOption)
		if b != tt.buffer || r != tt.realtime || p != tt.player {
			t.Errorf("%s: Buffer %v, Realtime %v, Player %v; want %v, %v, %v", tt.name, b, r, p, tt.buffer, tt.realtime, tt.player)
		}
	}
	// The seed's calls compile with no options.
	_ = opusrt.RealtimeFrom(opusrt.NewBuffer(time.Minute))
}
