package tooltest

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

// opusinfoChained is opusinfo 0.2's report of a two-link chained file cut
// short, as printed, tab-indented fields and all.
const opusinfoChained = `Processing file "x.opus"...

New logical stream (#1, serial: 00000001): type opus
Encoded with libopus 1.3.1, libopusenc 0.2.1
User comments section follows...
	ENCODER=opusenc from opus-tools 0.2
Opus stream 1:
	Pre-skip: 312
	Playback gain: 0 dB
	Channels: 1
	Original sample rate: 22050 Hz
	Packet duration:   20.0ms (max),   20.0ms (avg),   20.0ms (min)
	Page duration:   1000.0ms (max),  843.3ms (avg),   60.0ms (min)
	Total data length: 12590 bytes (overhead: 9.98%)
	Playback length: 0m:05.036s
	Average bitrate: 20 kbit/s, w/o overhead: 18 kbit/s
Logical stream 1 ended
New logical stream (#2, serial: 00000002): type opus
Encoded with libopus 1.3.1, libopusenc 0.2.1
User comments section follows...
	ENCODER=opusenc from opus-tools 0.2
WARNING: Hole in data (273 bytes) found at approximate offset 9000 bytes. Corrupted Ogg.
WARNING: EOS not set on stream 2 (normal for live streams)
Opus stream 2:
	Pre-skip: 312
	Playback gain: 0 dB
	Channels: 2
	Original sample rate: 48000 Hz
	Packet duration:   20.0ms (max),   20.0ms (avg),   20.0ms (min)
	Page duration:   1000.0ms (max), 1000.0ms (avg), 1000.0ms (min)
	Total data length: 7858 bytes (overhead: 13.6%)
	Playback length: 1m:02.993s
	Average bitrate: 21 kbit/s, w/o overhead: 18.14 kbit/s
`

func TestParseOpusInfo(t *testing.T) {
	r := parseOpusInfo(opusinfoChained)
	wantWarnings := []string{
		"WARNING: Hole in data (273 bytes) found at approximate offset 9000 bytes. Corrupted Ogg.",
		"WARNING: EOS not set on stream 2 (normal for live streams)",
	}
	if !slices.Equal(r.Warnings, wantWarnings) {
		t.Errorf("Warnings = %q\nwant %q", r.Warnings, wantWarnings)
	}
	if len(r.Errors) != 0 || r.Clean() {
		t.Errorf("Errors = %q, Clean = %v", r.Errors, r.Clean())
	}
	wantStreams := []Stream{
		{PreSkip: 312, Channels: 1, InputRate: 22050, Playback: 5036 * time.Millisecond},
		{PreSkip: 312, Channels: 2, InputRate: 48000, Playback: 62993 * time.Millisecond},
	}
	if !slices.Equal(r.Streams, wantStreams) {
		t.Errorf("Streams = %+v\nwant %+v", r.Streams, wantStreams)
	}

	r = parseOpusInfo("Processing file \"x\"...\n\nERROR: No Ogg data found in file \"x\".\nInput probably not Ogg.\n")
	if want := []string{`ERROR: No Ogg data found in file "x".`}; !slices.Equal(r.Errors, want) || r.Clean() {
		t.Errorf("Errors = %q, want %q", r.Errors, want)
	}
	r = parseOpusInfo(`Error opening input file "x": No such file or directory`)
	if len(r.Errors) != 1 {
		t.Errorf("Errors = %q", r.Errors)
	}
}

// wav builds a WAV file: RIFF header, the given chunks in order.
func wav(chunks ...[]byte) []byte {
	b := []byte("RIFF\xff\xff\xff\x7fWAVE")
	for _, c := range chunks {
		b = append(b, c...)
	}
	return b
}

func chunk(id string, data []byte, size uint32) []byte {
	b := append([]byte(id), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[4:], size)
	return append(b, data...)
}

func fmtChunk(channels, bits int) []byte {
	d := make([]byte, 16)
	binary.LittleEndian.PutUint16(d[0:], 1) // PCM
	binary.LittleEndian.PutUint16(d[2:], uint16(channels))
	binary.LittleEndian.PutUint32(d[4:], 48000)
	binary.LittleEndian.PutUint16(d[14:], uint16(bits))
	return chunk("fmt ", d, 16)
}

func TestParseWAV(t *testing.T) {
	pcm := make([]byte, 4800) // 1200 stereo 16-bit samples
	for _, tc := range []struct {
		name     string
		data     []byte
		samples  int
		channels int
		err      bool
	}{
		{"mono", wav(fmtChunk(1, 16), chunk("data", pcm, 4800)), 2400, 1, false},
		{"stereo", wav(fmtChunk(2, 16), chunk("data", pcm, 4800)), 1200, 2, false},
		{"size unknown", wav(fmtChunk(2, 16), chunk("data", pcm, 0x7fffffff)), 1200, 2, false},
		{"odd chunk padded", wav(fmtChunk(1, 16), chunk("LIST", []byte{1, 2, 3, 0}, 3), chunk("data", pcm[:10], 10)), 5, 1, false},
		{"float", wav(fmtChunk(1, 32), chunk("data", pcm, 4800)), 1200, 1, false},
		{"not wav", []byte("OggS..........."), 0, 0, true},
		{"no fmt", wav(chunk("data", pcm, 4800)), 0, 0, true},
		{"no data", wav(fmtChunk(1, 16)), 0, 0, true},
		{"short fmt", wav(chunk("fmt ", []byte{1, 0}, 2)), 0, 0, true},
	} {
		d, err := parseWAV(tc.data)
		if (err != nil) != tc.err || d.Samples != tc.samples || d.Channels != tc.channels {
			t.Errorf("%s: %+v, %v; want %d samples × %d, error %v", tc.name, d, err, tc.samples, tc.channels, tc.err)
		}
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(wav(fmtChunk(2, 16), chunk("data", make([]byte, 8), 8)))
	f.Add(wav(chunk("fmt ", []byte{1, 0}, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseWAV(data)
		if err == nil && (d.Samples < 0 || d.Channels <= 0) {
			t.Errorf("%+v", d)
		}
	})
}

func FuzzParseOpusInfo(f *testing.F) {
	f.Add(opusinfoChained)
	f.Fuzz(func(t *testing.T, out string) {
		r := parseOpusInfo(out)
		if r.Output != out {
			t.Error("Output not kept")
		}
	})
}
