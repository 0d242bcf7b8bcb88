package oggopus

import "fmt"

// Problem is damage a Demuxer found in its input and passed over: garbage
// or a bad page skipped, pages missing, a packet dropped, a packet that is
// not valid Opus, a damaged header, granule positions that go back. The
// Demuxer reads on after each; a Problem only says where and what, for a
// tool that reports damage (opusrt info).
type Problem struct {
	// Offset is the byte offset in the input where the damage is.
	Offset int64
	// Link is the number of the link it is in (from 1), 0 when none.
	Link int
	// Page is the sequence number of the page it is on, −1 when none.
	Page int64
	// Message says what is wrong, in a sentence without a package prefix.
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("byte %d, link %d, page %d: %s", p.Offset, p.Link, p.Page, p.Message)
}
