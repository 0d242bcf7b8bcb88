package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

func newInfoCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "info FILE...",
		Short: "Show what Ogg Opus files hold and every problem in them",
		Long: `info reads Ogg Opus files and prints, for each: the header (channels, pre-skip,
input rate, output gain, mapping family) and tags of every link of a chained
file, the duration, packets, pages, bit rate (average, and the lowest and
highest over one-second windows of audio), how many packets have each frame
size and each TOC code, and every problem found (bad CRC, garbage, missing
pages, truncation, invalid packets) with the byte offset where it is.

Lists are bounded, so that no file makes info use much memory: the first
1000 links and 1000 problems are listed, the rest counted.

"-" reads stdin. The exit status is 0 when every file is sound, 1 when a file
has problems or cannot be read as Ogg Opus.`,
		Example: `  opusrt info talk.opus
  opusrt info --json a.opus b.opus | jq '.[] | {file, duration_seconds, problems}'
  ffmpeg -i talk.wav -c:a libopus -f ogg - | opusrt info -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("info needs at least one FILE (\"-\" for stdin)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// Each file is reported, whatever became of the others: one
			// that cannot be read is a line on stderr (and, with --json, an
			// entry {"file", "error"} in the array).
			var entries []any
			failed, damaged := 0, false
			for _, name := range args {
				rep, err := infoFile(e, name)
				if err != nil {
					failed++
					if asJSON || len(args) > 1 {
						fmt.Fprintln(e.stderr, "opusrt: "+trimPrefix(err))
					}
					if asJSON {
						entries = append(entries, infoFailure{File: fileLabel(name), Error: trimPrefix(err)})
					}
					if !asJSON && len(args) == 1 {
						return err
					}
					continue
				}
				damaged = damaged || len(rep.Problems) > 0
				if asJSON {
					entries = append(entries, rep)
					continue
				}
				if len(entries) > 0 {
					fmt.Fprintln(e.stdout)
				}
				entries = append(entries, rep)
				writeInfo(e.stdout, rep)
			}
			if asJSON {
				if entries == nil {
					entries = []any{}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(entries); err != nil {
					return err
				}
			}
			if failed > 0 || damaged {
				return errProblems // each said on its own
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print a JSON array with one object per file, for scripts")
	return c
}

// infoFailure is the JSON entry of a file info could not read.
type infoFailure struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

func infoFile(e *env, name string) (*fileReport, error) {
	in, err := openInput(e, name)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	if f, ok := in.closer.(*os.File); ok {
		// A file can seek: the Demuxer then reads its end first.
		return scan(fileLabel(name), f)
	}
	return scan(fileLabel(name), in)
}

// fileLabel is how a report names the file: "(stdin)" for "-".
func fileLabel(name string) string {
	if name == "-" {
		return "(stdin)"
	}
	return name
}

// writeInfo prints a report for people.
func writeInfo(w io.Writer, r *fileReport) {
	links := "1 link"
	if n := len(r.Links) + r.LinksNotListed; n > 1 {
		links = fmt.Sprintf("%d links (chained)", n)
	}
	fmt.Fprintf(w, "%s: Ogg Opus, %s, %s, %d bytes\n", r.File, links, durationString(r.DurationSeconds), r.Bytes)
	for i, l := range r.Links {
		fmt.Fprintf(w, "  link %d: serial %v at byte %d\n", i+1, l.Serial, l.Offset)
		fmt.Fprintf(w, "    header:   %s, pre-skip %d, input rate %s, output gain %g dB, mapping family %d\n",
			channelsString(l.Channels), l.PreSkip, rateString(l.InputRate), l.OutputGainDB, l.MappingFamily)
		fmt.Fprintf(w, "    vendor:   %s\n", l.Vendor)
		for _, c := range l.Comments {
			fmt.Fprintf(w, "    tag:      %s\n", c)
		}
		eos := ""
		if !l.EOS {
			eos = ", no end-of-stream page"
		}
		fmt.Fprintf(w, "    audio:    %s, %d packets, %d pages, final granule %d%s\n",
			durationString(l.DurationSeconds), l.Packets, l.Pages, l.FinalGranule, eos)
	}
	if r.LinksNotListed > 0 {
		fmt.Fprintf(w, "  ... and %d more links, counted in the totals but not listed\n", r.LinksNotListed)
	}
	for _, o := range r.OtherStreams {
		note := ""
		if o.Note != "" {
			note = " (" + o.Note + ")"
		}
		fmt.Fprintf(w, "  stream %v: %s, ignored%s\n", o.Serial, o.Codec, note)
	}
	fmt.Fprintf(w, "  packets:  %d in %d pages, %d bytes of audio (%d samples at 48 kHz before trimming)\n", r.Packets, r.Pages, r.PayloadBytes, r.PacketSamples)
	if r.Packets == 0 {
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  note:     %s\n", n)
		}
		writeProblems(w, r)
		return
	}
	fmt.Fprintf(w, "  bitrate:  %.1f kbit/s average, %.2f kbit/s without the container; over %d one-second windows: min %.1f, max %.1f kbit/s\n",
		r.Bitrate.AverageKbps, r.Bitrate.PayloadKbps, r.Bitrate.Windows, r.Bitrate.MinKbps, r.Bitrate.MaxKbps)
	// Packet lengths, and the frames they are made of when more than one:
	// "60 ms ×104 (3 frames of 20 ms)".
	var sizes []string
	for _, f := range r.FrameSizes {
		s := fmt.Sprintf("%g ms ×%d", f.PacketMillis, f.Packets)
		if f.FramesPerPacket > 1 {
			s += fmt.Sprintf(" (%d frames of %g ms)", f.FramesPerPacket, f.FrameMillis)
		}
		sizes = append(sizes, s)
	}
	if len(sizes) > 0 {
		fmt.Fprintf(w, "  durations: %s\n", strings.Join(sizes, ", "))
	}
	var codes []string
	for i, n := range r.TOCCodes {
		if n > 0 {
			codes = append(codes, fmt.Sprintf("code %d (%s) ×%d", i, codeNames[i], n))
		}
	}
	fmt.Fprintf(w, "  packing:  %s\n", strings.Join(codes, ", "))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note:     %s\n", n)
	}
	writeProblems(w, r)
}

// writeProblems prints a report's problems, or that there are none.
func writeProblems(w io.Writer, r *fileReport) {
	if len(r.Problems)+r.ProblemsNotListed == 0 {
		fmt.Fprintf(w, "  problems: none\n")
		return
	}
	fmt.Fprintf(w, "  problems: %d\n", len(r.Problems)+r.ProblemsNotListed)
	for _, p := range r.Problems {
		where := fmt.Sprintf("byte %d", p.Offset)
		if p.Link > 0 {
			where += fmt.Sprintf(", link %d", p.Link)
		}
		if p.Page >= 0 {
			where += fmt.Sprintf(", page %d", p.Page)
		}
		fmt.Fprintf(w, "    %s: %s\n", where, p.Message)
	}
	if r.ProblemsNotListed > 0 {
		fmt.Fprintf(w, "    ... and %d more, not listed\n", r.ProblemsNotListed)
	}
}

var codeNames = [4]string{"1 frame", "2 equal frames", "2 frames", "n frames"}

func channelsString(n int) string {
	switch n {
	case 1:
		return "mono"
	case 2:
		return "stereo"
	}
	return fmt.Sprintf("%d channels", n)
}

func rateString(hz int) string {
	if hz == 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d Hz", hz)
}
