package opusrt

import "time"

// The calls a RealtimeBuffer that follows the network (follow.go) makes
// into its Buffer, with b.mu held, beside those of buffer_playout.go.

// resyncThresholdLocked returns the resync threshold in µs.
func (b *Buffer) resyncThresholdLocked() int64 { return b.resyncUs }

// frontLocked returns the first held frame and its duration in µs; ok is
// false when nothing is held.
func (b *Buffer) frontLocked() (f Frame, durUs int64, ok bool) {
	if b.queue.len() == 0 {
		return nil, 0, false
	}
	e := b.queue.front()
	return e.frame, e.dur, true
}

// frontStartLocked returns where the first held frame starts.
func (b *Buffer) frontStartLocked() (ok bool, startUs int64) {
	if b.queue.len() == 0 {
		return false, 0
	}
	return true, b.queue.front().start
}

// removeFrontLocked drops the first held frame unplayed, moving the read
// position past it: a frame removed for acceleration (PacketsRemoved). It
// returns where the frame ended and its duration. Something must be held.
func (b *Buffer) removeFrontLocked() (endUs, durUs int64) {
	e := b.queue.front()
	endUs, durUs = e.start+e.dur, e.dur
	b.queue.dropFront()
	b.bufferedUs -= durUs
	b.hasPos, b.posUs = true, endUs
	b.lastDurUs = durUs
	b.stats.PacketsRemoved++
	return endUs, durUs
}

// skipLocked moves the read position over part of a gap, to toUs, without
// reporting it as loss: concealment removed for acceleration.
func (b *Buffer) skipLocked(toUs int64) { b.hasPos, b.posUs = true, toUs }

// countInsertedLocked counts an inserted slot of n samples (at 48 kHz).
func (b *Buffer) countInsertedLocked(n uint64, inactive bool) {
	b.stats.InsertedSamplesForDeceleration = satAddUint(b.stats.InsertedSamplesForDeceleration, n)
	if inactive {
		b.stats.InsertedSamplesInactive = satAddUint(b.stats.InsertedSamplesInactive, n)
	}
}

// countRemovedLocked counts n samples (at 48 kHz) removed.
func (b *Buffer) countRemovedLocked(n uint64, inactive bool) {
	b.stats.RemovedSamplesForAcceleration = satAddUint(b.stats.RemovedSamplesForAcceleration, n)
	if inactive {
		b.stats.RemovedSamplesInactive = satAddUint(b.stats.RemovedSamplesInactive, n)
	}
}

// countTargetLocked adds a played frame's target delays to the sums.
func (b *Buffer) countTargetLocked(target, unclamped time.Duration) {
	b.stats.JitterBufferTargetDelay = satAdd(b.stats.JitterBufferTargetDelay, target)
	b.stats.JitterBufferMinimumDelay = satAdd(b.stats.JitterBufferMinimumDelay, unclamped)
}
