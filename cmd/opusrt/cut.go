package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/spf13/cobra"
)

func newCutCmd(e *env) *cobra.Command {
	var start, end time.Duration
	var out string
	var serial uint32
	c := &cobra.Command{
		Use:   "cut FILE --start T [--end T] -o OUT",
		Short: "Copy a part of an Ogg Opus file without decoding it",
		Long: `cut copies the audio of FILE from --start to --end (the end of its first link
by default) to OUT, without decoding: it seeks to the start as opusfile's
op_pcm_seek does (bisection on granule positions, reading a few chunks of the
file), copies the packets from 80 ms before it (the pre-roll RFC 7845 §4.6
asks a decoder to decode before a seek target), and sets OUT's pre-skip and
end trimming so that a player outputs exactly the samples from --start to
--end. Times are from the first sample a player outputs; in a chained FILE
they count its links end to end (as opusfile does), and the part is cut
within the link where --start lies. The header and tags of that link are
kept, and so is its serial number unless --serial sets another, so the same
cut of the same file gives the same bytes. FILE must be a file cut can seek
in (not "-").`,
		Example: `  opusrt cut talk.opus --start 1m30s --end 1m45.5s -o quote.opus
  opusrt cut talk.opus --start 10s -o rest.opus`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) != 1:
				return usagef("cut needs one FILE")
			case args[0] == "-":
				return usagef("cut needs a FILE it can seek in, not stdin")
			case out == "":
				return usagef("cut needs -o OUT")
			case start < 0 || end < 0:
				return usagef("--start and --end must not be negative")
			case end != 0 && end <= start:
				return usagef("--end %v is not after --start %v", end, start)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts []opusrt.OggOption
			if cmd.Flags().Changed("serial") {
				opts = append(opts, opusrt.WithSerial(serial))
			}
			return cutFile(e, args[0], out, start, end, opts...)
		},
	}
	c.Flags().DurationVar(&start, "start", 0, "where the part begins, from the start of the audio")
	c.Flags().DurationVar(&end, "end", 0, "where the part ends (0: the end of the link --start lies in)")
	c.Flags().StringVarP(&out, "output", "o", "", "the Ogg Opus file to write (\"-\" for stdout)")
	c.Flags().Uint32Var(&serial, "serial", 0, "the Ogg stream serial number of OUT, decimal or 0x hex (default: the serial of the link cut from)")
	return c
}

// cutFile writes the part [start, end) of the file name to out.
// opts are the OggWriter's options (--serial).
func cutFile(e *env, name, out string, start, end time.Duration, opts ...opusrt.OggOption) error {
	f, err := os.Open(name)
	if err != nil {
		return fileError(name, err)
	}
	defer f.Close()
	or, err := opusrt.NewOggReader(f)
	if err != nil {
		return fmt.Errorf("%s: %s", name, trimPrefix(err))
	}
	o, err := createOutput(e, out, true)
	if err != nil {
		return err
	}
	if err := cut(or, o, opus.DurationSamples(start), opus.DurationSamples(end), opts...); err != nil {
		o.Abort()
		return fmt.Errorf("%s: %s", name, trimPrefix(err))
	}
	return o.Commit()
}

// cut copies from or to w the samples [start, end) of or, in 48 kHz
// samples from the first one a player outputs (a chain's links end to
// end), within the link where start lies; end 0 means to that link's end.
// The output keeps the link's serial number unless opts set another.
func cut(or *opusrt.OggReader, w io.Writer, start, end int64, opts ...opusrt.OggOption) error {
	or.Multistream(false)
	discard, err := or.SeekSamples(start)
	if err != nil {
		return err
	}
	if discard > 65535 {
		return fmt.Errorf("opusrt: %d samples to discard after the seek do not fit a pre-skip", discard)
	}
	h := or.Header
	h.PreSkip = int(discard)
	opts = append([]opusrt.OggOption{opusrt.WithSerial(or.Link().Serial)}, opts...)
	ow, err := opusrt.NewOggWriter(w, h.InputSampleRate, opts...)
	if err != nil {
		return err
	}
	if err := ow.NextLink(h, or.Tags); err != nil {
		return err
	}
	var written int64 // samples of the packets written
	for end == 0 || written-discard < end-start {
		f, loss, err := or.Frame()
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err
		}
		if loss > 0 {
			if err := ow.WriteLoss(loss); err != nil {
				return err
			}
			written += opus.DurationSamples(loss)
		}
		if f != nil {
			if err := ow.Write(f); err != nil {
				return err
			}
			written += opus.DurationSamples(f.Duration())
		}
	}
	trim := int64(0)
	switch l := or.Link(); {
	case end > 0 && written-discard > end-start:
		trim = written - discard - (end - start)
	case l.Ended && or.Granule() == l.FinalGranule:
		trim = l.EndTrim // the link's own end
	}
	if err := ow.TrimEnd(int(trim)); err != nil {
		return err
	}
	return ow.Close()
}
