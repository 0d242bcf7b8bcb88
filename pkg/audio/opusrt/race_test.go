//go:build race

package opusrt_test

// raceEnabled reports that the race detector is on: long runs are shortened.
const raceEnabled = true
