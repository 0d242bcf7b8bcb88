// Package samples embeds small real Ogg Opus files, made by opusenc and
// ffmpeg from synthetic speech, and the reference figures of each (packets,
// pages, links, durations) taken with an independent parser and checked
// against opusinfo and opusdec when the files were made.
//
// Tests and benchmarks read them instead of files on disk, and the opusrt
// command plays [Speech] when it is given no input. gen.sh regenerates the
// files, reference.json and the table in README.md.
package samples

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sync"
	"time"
)

// The names of the samples, for [Open], [ReadFile] and [Reference].
const (
	// Speech is the default sample: about 8 s of mono speech, 16 kHz input,
	// 20 ms frames at 16 kbit/s, as a voice device sends it.
	Speech = "speech.opus"
	// Frames10ms is mono speech in 10 ms frames.
	Frames10ms = "mono-10ms.opus"
	// Frames60ms is mono speech in 60 ms packets: the first three are code 3
	// packets of three 20 ms hybrid frames, the rest single 60 ms SILK
	// frames, the last one 40 ms.
	Frames60ms = "mono-60ms.opus"
	// Frames5ms is mono speech in 5 ms CELT frames.
	Frames5ms = "mono-5ms.opus"
	// Frames2500us is mono speech in 2.5 ms CELT frames, the shortest Opus
	// frame: 400 packets a second.
	Frames2500us = "mono-2.5ms.opus"
	// Stereo is stereo speech, a different voice on each side, 20 ms frames.
	Stereo = "stereo.opus"
	// Chained is two opusenc files concatenated: two mono 20 ms links with
	// different serial numbers.
	Chained = "chained.opus"
	// ChainedMixed is a chained stream whose links differ: a mono 20 ms link,
	// then a stereo link of 40 ms packets (two frames each, TOC codes 1 and 2).
	ChainedMixed = "chained-mixed.opus"
	// Long is about 65 s of mono speech at 12 kbit/s in 20 ms frames, the
	// workload for benchmarks.
	Long = "long-12k.opus"
	// FFmpeg is mono speech in 20 ms frames written by ffmpeg's libopus
	// encoder and Ogg muxer (another vendor string, other page layout).
	FFmpeg = "ffmpeg.opus"
	// FFmpeg120ms is mono speech written by ffmpeg in 120 ms packets: code 3
	// packets of several frames, which a granule count must count in full.
	FFmpeg120ms = "ffmpeg-120ms.opus"
)

//go:embed *.opus
var files embed.FS

//go:embed reference.json
var referenceJSON []byte

// Names returns the names of all the samples, sorted.
func Names() []string {
	entries, err := files.ReadDir(".")
	if err != nil {
		panic("samples: embedded files unreadable: " + err.Error()) // cannot happen
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// FS returns the samples as a read-only file system, one file per name,
// for callers that want [fs.FS] (fs.Glob, fs.WalkDir).
func FS() fs.FS { return files }

// Open opens the named sample for reading. An unknown name is an error that
// wraps [fs.ErrNotExist].
func Open(name string) (fs.File, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, notExist(name)
	}
	return f, nil
}

// ReadFile returns the contents of the named sample, as a new slice the
// caller owns. An unknown name is an error that wraps [fs.ErrNotExist].
func ReadFile(name string) ([]byte, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, notExist(name)
	}
	return b, nil
}

func notExist(name string) error {
	return fmt.Errorf("samples: no sample %q (have %v): %w", name, Names(), fs.ErrNotExist)
}

// Figures are the reference figures of one sample file. Durations are in
// samples at 48 kHz per channel, the unit of Ogg Opus granule positions.
// Packets are audio packets: the OpusHead and OpusTags headers are not
// counted, in Packets or in PayloadBytes.
type Figures struct {
	// Name is the sample's name, as given to Open.
	Name string `json:"name"`
	// Description says what the file is and how it was made.
	Description string `json:"description"`
	// Bytes is the file's size.
	Bytes int `json:"bytes"`
	// SHA256 is the hex SHA-256 of the file.
	SHA256 string `json:"sha256"`
	// Channels is the largest channel count of any link.
	Channels int `json:"channels"`
	// PreSkip is the first link's pre-skip, in 48 kHz samples.
	PreSkip int `json:"pre_skip"`
	// Pages is the number of Ogg pages, header pages included.
	Pages int `json:"pages"`
	// Packets is the number of audio packets in all links.
	Packets int `json:"packets"`
	// PayloadBytes is the size of all audio packets together.
	PayloadBytes int `json:"payload_bytes"`
	// PacketSamples is the sum of every audio packet's duration (RFC 6716
	// §3.1–3.2, every frame of multi-frame packets counted), before the
	// pre-skip and end trimming.
	PacketSamples int64 `json:"packet_samples"`
	// PlaybackSamples is the playback length: the sum over links of the
	// final granule position minus the pre-skip.
	PlaybackSamples int64 `json:"playback_samples"`
	// DecodedSamples is how many samples per channel
	// `opusdec --rate 48000` wrote; equal to PlaybackSamples.
	DecodedSamples int64 `json:"decoded_samples"`
	// DecodedChannels is the channel count opusdec wrote: 2 for a chained
	// stream whose links have different channel counts.
	DecodedChannels int `json:"decoded_channels"`
	// OpusinfoMillis is the sum of the links' "Playback length" as opusinfo
	// prints it, in milliseconds (truncated per link).
	OpusinfoMillis int64 `json:"opusinfo_ms"`
	// Links are the logical streams, in order: one, or more for a chained
	// file.
	Links []Link `json:"links"`
}

// Duration returns the playback length, PlaybackSamples at 48 kHz.
func (f Figures) Duration() time.Duration {
	return time.Duration(f.PlaybackSamples) * time.Second / 48000
}

// Link holds the figures of one logical stream of a sample (one link of a
// chained stream).
type Link struct {
	// Serial is the stream's serial number.
	Serial uint32 `json:"serial"`
	// Channels is the OpusHead channel count.
	Channels int `json:"channels"`
	// PreSkip is the OpusHead pre-skip, in 48 kHz samples.
	PreSkip int `json:"pre_skip"`
	// InputRate is the OpusHead input sample rate in Hz.
	InputRate int `json:"input_rate"`
	// OutputGain is the OpusHead output gain in Q7.8 dB.
	OutputGain int `json:"output_gain"`
	// MappingFamily is the OpusHead channel mapping family.
	MappingFamily int `json:"mapping_family"`
	// Vendor is the OpusTags vendor string.
	Vendor string `json:"vendor"`
	// Comments are the OpusTags user comments, in order.
	Comments []string `json:"comments"`
	// Pages is the number of this stream's pages, header pages included.
	Pages int `json:"pages"`
	// Packets is the number of audio packets.
	Packets int `json:"packets"`
	// PayloadBytes is the size of the audio packets together.
	PayloadBytes int `json:"payload_bytes"`
	// PacketSamples is the sum of the audio packets' durations.
	PacketSamples int64 `json:"packet_samples"`
	// MinPacketSamples is the duration of the shortest audio packet.
	MinPacketSamples int `json:"min_packet_samples"`
	// MaxPacketSamples is the duration of the longest audio packet.
	MaxPacketSamples int `json:"max_packet_samples"`
	// FinalGranule is the granule position of the last page (pre-skip
	// included).
	FinalGranule int64 `json:"final_granule"`
	// PlaybackSamples is FinalGranule minus PreSkip.
	PlaybackSamples int64 `json:"playback_samples"`
	// OpusinfoPlayback is the "Playback length" opusinfo printed, as
	// printed ("0m:02.174s").
	OpusinfoPlayback string `json:"opusinfo_playback_length"`
	// TOCCodes counts the audio packets by TOC frame-count code (RFC 6716
	// §3.2): one frame, two equal, two different, arbitrary.
	TOCCodes [4]int `json:"toc_codes"`
}

// reference is the layout of reference.json.
type reference struct {
	Comment string            `json:"comment"`
	Tools   map[string]string `json:"tools"`
	Files   []Figures         `json:"files"`
}

var loadReference = sync.OnceValues(func() (*reference, error) {
	var r reference
	d := json.NewDecoder(bytes.NewReader(referenceJSON))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("samples: reference.json: %w", err)
	}
	return &r, nil
})

// Reference returns the reference figures of the named sample. An unknown
// name is an error that wraps [fs.ErrNotExist]. The Links and Comments
// slices are the caller's to keep or change.
func Reference(name string) (Figures, error) {
	r, err := loadReference()
	if err != nil {
		return Figures{}, err
	}
	i := slices.IndexFunc(r.Files, func(f Figures) bool { return f.Name == name })
	if i < 0 {
		return Figures{}, notExist(name)
	}
	f := r.Files[i]
	f.Links = slices.Clone(f.Links)
	for j := range f.Links {
		f.Links[j].Comments = slices.Clone(f.Links[j].Comments)
	}
	return f, nil
}

// Tools returns the versions of the tools that made the samples, by tool
// name ("opusenc", "espeak-ng", ...), as the tools print them.
func Tools() (map[string]string, error) {
	r, err := loadReference()
	if err != nil {
		return nil, err
	}
	return maps.Clone(r.Tools), nil
}
