package opusrt

// SetPlayerAddHook sets the function Player.AddEvents runs between
// installing a stream's notify hook and making it ready (nil: none), so
// that a test can force a Write into that window.
func SetPlayerAddHook(f func()) { playerAddHook = f }
