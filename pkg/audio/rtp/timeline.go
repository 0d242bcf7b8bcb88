package rtp

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// MaxAnchorLead is how far ahead of its arrival a new stream's first stamp
// may be put to follow the audio of the stream before it.
const MaxAnchorLead = 5 * time.Second

// Timeline places the streams a receiver delivers one after another on
// one stamp timeline (opusrt.EpochMillis). It keeps the end of the audio
// delivered; a new stream starts at its arrival, or at that end when the
// stream before it, sent ahead of real time, still has audio to play (by
// at most MaxAnchorLead), so that it plays after it rather than over it.
// The Receiver stamps its RTP streams so; a receiver of several formats
// uses one Timeline for all of them. The zero value is empty and ready.
type Timeline struct {
	endMs  int64
	hasEnd bool
}

// Delivered notes audio delivered up to endMs.
func (t *Timeline) Delivered(endMs int64) {
	if !t.hasEnd || endMs > t.endMs {
		t.endMs, t.hasEnd = endMs, true
	}
}

// Anchor returns the stamp of the first frame of a stream arriving at now.
func (t *Timeline) Anchor(now time.Time) int64 {
	anchor := int64(opusrt.FromTime(now))
	if t.hasEnd && t.endMs > anchor && t.endMs-anchor <= MaxAnchorLead.Milliseconds() {
		anchor = t.endMs
	}
	return anchor
}
