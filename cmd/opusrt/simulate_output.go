package main

import (
	"strings"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// simOutput writes what the buffer played (-o), as it plays it: each frame,
// each loss and inserted slot as packets a decoder conceals, and nothing
// for a discontinuity (a jump of the timeline is no audio to conceal). The
// audio of the input before the first frame played and after the last is
// filled too, so that a run without adaptation lasts as long as the input.
// It is written to a temporary file, put in place by Finish.
type simOutput struct {
	file    *output
	ow      *opusrt.OggWriter
	net     netSpec
	link    *linkMeta // the input's link the output's link stands for
	links   int       // the output's links begun after the first
	started bool
	// conceal is the audio to conceal since the last frame: written when
	// another frame comes; after the last one it is the underrun past the
	// input's end, which Finish replaces with the input's tail.
	conceal time.Duration
}

// createSimOutput creates the output file name for a stream of the
// input's header and tags (its first link's: channels, mapping, output
// gain, input rate, pre-skip; ARTIST, TITLE and the other comments), sent
// through net.
func createSimOutput(e *env, name string, h opusrt.OggHeader, tags opusrt.OggTags, net netSpec, serial uint32) (*simOutput, error) {
	file, err := createOutput(e, name, true)
	if err != nil {
		return nil, err
	}
	ow, err := opusrt.NewOggWriter(file, h.InputSampleRate,
		opusrt.WithHeader(h),
		opusrt.WithSerial(serial),
		opusrt.WithTags("", simComments(tags, net)...))
	if err != nil {
		file.Abort()
		return nil, err
	}
	return &simOutput{file: file, ow: ow, net: net}, nil
}

// simComments returns the input's comments, its ENCODER replaced by
// simulate's, and the network.
func simComments(tags opusrt.OggTags, net netSpec) []string {
	var comments []string
	for _, c := range tags.Comments {
		if !strings.HasPrefix(strings.ToUpper(c), "ENCODER=") {
			comments = append(comments, c)
		}
	}
	return append(comments, "ENCODER=opusrt simulate", "OPUSRT_NETWORK="+net.String())
}

// Frame writes a frame played, of the input's link (nil: not known); head
// is, for the first, the audio of the input before it, which is filled. A
// frame of another link than the last one's (a chained input) begins a
// link of the output with that link's header and tags, the last one's
// ended with its end trimming.
func (o *simOutput) Frame(f opusrt.Frame, head time.Duration, link *linkMeta) error {
	fill := o.conceal
	if !o.started {
		o.started, fill = true, head
	}
	o.conceal = 0
	if fill > 0 {
		if err := o.ow.WriteLoss(fill); err != nil {
			return err
		}
	}
	if link != nil && o.link != nil && link != o.link && !link.same(o.link) {
		if err := o.ow.TrimEnd(o.link.trim); err != nil {
			return err
		}
		t := link.tags
		t.Vendor, t.Comments = opusrt.DefaultVendor, simComments(link.tags, o.net)
		if err := o.ow.NextLink(link.header, t); err != nil {
			return err
		}
		o.links++
	}
	if link != nil {
		o.link = link
	}
	return o.ow.Write(f)
}

// lastLinkTrim returns, when the output has more than one link, the end
// trimming of the input's link its last one stands for; ok false with one
// link.
func (o *simOutput) lastLinkTrim() (trim int, ok bool) {
	if o.links == 0 || o.link == nil {
		return 0, false
	}
	return o.link.trim, true
}

// Conceal records audio to conceal: a loss or an inserted slot.
func (o *simOutput) Conceal(d time.Duration) {
	if o.started {
		o.conceal += d
	}
}

// Discontinuity records a discontinuity: the audio to conceal since the
// last frame is kept up to limit, the resync threshold; beyond it is the
// wait for the new timeline, which a listener does not hear as a loss.
func (o *simOutput) Discontinuity(limit time.Duration) {
	o.conceal = min(o.conceal, limit)
}

// Finish fills the input's tail after the last frame played (all of the
// input when none was), sets the end trimming (48 kHz samples), and puts
// the file in place.
func (o *simOutput) Finish(tail time.Duration, trim int) error {
	if tail > 0 {
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
