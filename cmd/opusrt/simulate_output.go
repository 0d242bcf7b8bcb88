package main

import (
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// simOutput writes the stream sent as it was played (-o), as the packets'
// fates become known: each packet that was played in its place, and every
// stretch of packets that were not (lost, late, dropped or resynced) filled
// with loss a decoder conceals, so the output lasts as long as the input
// whatever order the frames were played in. It is written to a temporary
// file, put in place by Finish.
type simOutput struct {
	file *output
	ow   *opusrt.OggWriter
}

// createSimOutput creates the output file name for a stream of the given
// header, sent through net.
func createSimOutput(e *env, name string, h opusrt.OggHeader, net netSpec, serial uint32) (*simOutput, error) {
	file, err := createOutput(e, name, true)
	if err != nil {
		return nil, err
	}
	ow, err := opusrt.NewOggWriter(file, h.InputSampleRate,
		opusrt.WithChannels(min(max(h.Channels, 1), 2)),
		opusrt.WithPreSkip(h.PreSkip),
		opusrt.WithSerial(serial),
		opusrt.WithTags("", "ENCODER=opusrt simulate", "OPUSRT_NETWORK="+net.String()))
	if err != nil {
		file.Abort()
		return nil, err
	}
	return &simOutput{file: file, ow: ow}, nil
}

// Played writes a frame that was played, at pos in the stream sent (in
// send order): the stretch before it that was not played is filled.
func (o *simOutput) Played(pos time.Duration, f opusrt.Frame) error {
	if gap := pos - o.ow.Duration(); gap > 0 {
		if err := o.ow.WriteLoss(gap); err != nil {
			return err
		}
	}
	return o.ow.Write(f)
}

// Finish fills what was not played up to the stream's length, sets the end
// trimming (48 kHz samples), and puts the file in place.
func (o *simOutput) Finish(length time.Duration, trim int) error {
	if tail := length - o.ow.Duration(); tail > 0 {
		if err := o.ow.WriteLoss(tail); err != nil {
			return err
		}
	}
	if err := o.ow.TrimEnd(trim); err != nil {
		return err
	}
	if err := o.ow.Close(); err != nil {
		return err
	}
	return o.file.Commit()
}

// Duration returns the audio written.
func (o *simOutput) Duration() time.Duration { return o.ow.Duration() }

// Abort throws the unfinished output away; after Finish it does nothing.
func (o *simOutput) Abort() { o.file.Abort() }
