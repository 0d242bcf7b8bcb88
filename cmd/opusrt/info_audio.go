package main

import (
	"sort"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
)

// audioStats accounts for the audio packets of a file in constant memory:
// the packets by duration and frame size, the TOC codes, and the payload
// bit rate over one-second windows of audio, folded into the lowest and
// highest as each window ends.
type audioStats struct {
	sizes    map[packetShape]int
	codes    [4]int
	position int64 // samples of audio so far
	window   int64 // the window being filled, and its payload bytes
	bytes    int64
	lo, hi   float64
	whole    int // windows ended
}

func (a *audioStats) init() { a.sizes = map[packetShape]int{} }

// add counts a valid audio packet.
func (a *audioStats) add(p []byte) {
	toc := opus.TOC(p[0])
	n := opus.PacketSamples(p)
	a.sizes[packetShape{n, toc.FrameSamples()}]++
	a.codes[toc.Code()]++
	if w := a.position / opus.SampleRate; w != a.window {
		a.endWindow(float64(a.bytes) * 8 / 1000)
		a.window, a.bytes = w, 0
	}
	a.bytes += int64(len(p))
	a.position += int64(n)
}

func (a *audioStats) endWindow(kbps float64) {
	if a.whole == 0 || kbps < a.lo {
		a.lo = kbps
	}
	if a.whole == 0 || kbps > a.hi {
		a.hi = kbps
	}
	a.whole++
}

// rates returns the lowest and highest payload bit rate, in kbit/s, over
// the whole one-second windows of audio (the last, partial one only when
// there is no whole one), and how many windows there were.
func (a *audioStats) rates() (lo, hi float64, n int) {
	if a.position/opus.SampleRate > a.window {
		a.endWindow(float64(a.bytes) * 8 / 1000) // the last window is whole
		a.bytes, a.window = 0, a.position/opus.SampleRate
	}
	if a.whole == 0 && a.position > 0 {
		secs := float64(a.position) / opus.SampleRate
		r := float64(a.bytes) * 8 / 1000 / secs
		return r, r, 1
	}
	return a.lo, a.hi, a.whole
}

// histogram returns the packets by duration and frame size, shortest
// first, and by TOC code.
func (a *audioStats) histogram() ([]frameCount, [4]int) {
	var out []frameCount
	for s, n := range a.sizes {
		out = append(out, frameCount{
			PacketMillis: float64(s.samples) / 48, FrameMillis: float64(s.frameSamples) / 48,
			FramesPerPacket: s.samples / max(s.frameSamples, 1), Packets: n,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return a.PacketMillis < b.PacketMillis || a.PacketMillis == b.PacketMillis && a.FrameMillis < b.FrameMillis
	})
	return out, a.codes
}
