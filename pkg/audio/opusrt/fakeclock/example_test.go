package fakeclock_test

import (
	"fmt"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

func Example() {
	clk := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	timer := clk.NewTimer(20 * time.Millisecond)
	clk.Advance(15 * time.Millisecond)
	select {
	case <-timer.C():
		fmt.Println("fired early")
	default:
		fmt.Println("not yet at", clk.Now().Format("15:04:05.000"))
	}
	clk.AdvanceToNext()
	fmt.Println("fired at", (<-timer.C()).Format("15:04:05.000"))
	// Output:
	// not yet at 00:00:00.015
	// fired at 00:00:00.020
}
