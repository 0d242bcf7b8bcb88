package main

import (
	"bytes"
	"context"
	encbin "encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/internal/tooltest"
	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// result is what one run of the command did.
type result struct {
	stdout, stderr string
	code           int
}

// runOpusrt runs the command in-process, as a user would from a shell, with
// stdin as its standard input.
func runOpusrt(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, bytes.NewReader(stdin), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// sample writes the named sample to a temporary file and returns its path.
func sample(t *testing.T, name string) string {
	t.Helper()
	data, err := samples.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return tooltest.WriteTemp(t, name, data)
}

// checkOneLineError checks that a failed run said why in one line on
// stderr ("opusrt: ..."), ending with the usage hint for a usage error
// ("; see 'opusrt X --help'").
func checkOneLineError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "opusrt: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr %q, want one line starting \"opusrt: \" saying %q", r.stderr, want)
	}
	if len(lines) != 1 {
		t.Errorf("stderr has %d lines, want 1: %q", len(lines), r.stderr)
	}
	hint := regexp.MustCompile(`; see 'opusrt( [a-z]+)? --help'$`)
	if code == 2 && !hint.MatchString(lines[0]) {
		t.Errorf("usage error %q does not end \"; see 'opusrt X --help'\"", lines[0])
	}
}

func TestInfoMatchesReference(t *testing.T) {
	for _, name := range samples.Names() {
		t.Run(name, func(t *testing.T) {
			ref, err := samples.Reference(name)
			if err != nil {
				t.Fatal(err)
			}
			path := sample(t, name)
			r := runOpusrt(t, nil, "info", "--json", path)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var reps []fileReport
			if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil {
				t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
			}
			if len(reps) != 1 {
				t.Fatalf("%d reports, want 1", len(reps))
			}
			g := reps[0]
			if g.Bytes != int64(ref.Bytes) || g.Pages != ref.Pages || g.Packets != ref.Packets ||
				g.PayloadBytes != int64(ref.PayloadBytes) || g.PacketSamples != ref.PacketSamples ||
				g.PlaybackSamples != ref.PlaybackSamples {
				t.Errorf("got bytes %d pages %d packets %d payload %d packet samples %d playback %d,\nwant %d %d %d %d %d %d",
					g.Bytes, g.Pages, g.Packets, g.PayloadBytes, g.PacketSamples, g.PlaybackSamples,
					ref.Bytes, ref.Pages, ref.Packets, ref.PayloadBytes, ref.PacketSamples, ref.PlaybackSamples)
			}
			if len(g.Problems) != 0 {
				t.Errorf("problems in a sound file: %+v", g.Problems)
			}
			if len(g.Links) != len(ref.Links) {
				t.Fatalf("%d links, want %d", len(g.Links), len(ref.Links))
			}
			var codes [4]int
			for i, rl := range ref.Links {
				gl := g.Links[i]
				if gl.Serial != serialNumber(rl.Serial) || gl.Channels != rl.Channels || gl.PreSkip != rl.PreSkip ||
					gl.InputRate != rl.InputRate || gl.OutputGain != rl.OutputGain || gl.MappingFamily != rl.MappingFamily ||
					gl.Vendor != rl.Vendor || strings.Join(gl.Comments, "|") != strings.Join(rl.Comments, "|") ||
					gl.Pages != rl.Pages || gl.Packets != rl.Packets || gl.PayloadBytes != int64(rl.PayloadBytes) ||
					gl.PacketSamples != rl.PacketSamples || gl.FinalGranule != rl.FinalGranule ||
					gl.PlaybackSamples != rl.PlaybackSamples || !gl.EOS {
					t.Errorf("link %d:\n got %+v\nwant %+v", i+1, *gl, rl)
				}
				for c, n := range rl.TOCCodes {
					codes[c] += n
				}
			}
			if g.TOCCodes != codes {
				t.Errorf("TOC codes %v, want %v", g.TOCCodes, codes)
			}
			n := 0
			for _, f := range g.FrameSizes {
				n += f.Packets
			}
			if n != ref.Packets {
				t.Errorf("frame-size histogram counts %d packets, want %d", n, ref.Packets)
			}
			if g.Bitrate.Windows == 0 || g.Bitrate.MinKbps <= 0 || g.Bitrate.MinKbps > g.Bitrate.MaxKbps ||
				g.Bitrate.PayloadKbps > g.Bitrate.AverageKbps {
				t.Errorf("bitrate %+v", g.Bitrate)
			}

			// The text form says the same, with opusinfo's playback length.
			r = runOpusrt(t, nil, "info", path)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for i, rl := range ref.Links {
				// opusinfo prints "0m:08.156s", info "0:08.156".
				want := strings.TrimSuffix(strings.Replace(rl.OpusinfoPlayback, "m:", ":", 1), "s")
				if !strings.Contains(r.stdout, "audio:    "+want+",") {
					t.Errorf("link %d: text does not show playback length %s:\n%s", i+1, rl.OpusinfoPlayback, r.stdout)
				}
			}
			for _, s := range []string{"problems: none", "packets:  " + itoa(ref.Packets) + " in " + itoa(ref.Pages) + " pages"} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("text lacks %q:\n%s", s, r.stdout)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// pageOffsets returns where each page of data starts.
func pageOffsets(t *testing.T, data []byte) []int {
	t.Helper()
	var offs []int
	for off := 0; off < len(data); {
		_, n, err := ogg.ParsePage(data[off:])
		if err != nil {
			t.Fatalf("page at %d: %v", off, err)
		}
		offs = append(offs, off)
		off += n
	}
	return offs
}

func TestInfoFindsDamage(t *testing.T) {
	data, _ := samples.ReadFile(samples.Speech)
	p := pageOffsets(t, data)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	badCRC := bytes.Clone(data)
	badCRC[p[4]+100] ^= 0xff
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"bad-crc", badCRC, []string{"byte " + itoa(p[4]) + ": 1842 bytes skipped: a page with a bad CRC", "page 4 missing"}},
		{"gap", cat(data[:p[5]], data[p[6]:]), []string{"link 1, page 6: page 5 missing (sequence gap)"}},
		{"truncated", data[:p[7]+500], []string{"file truncated: it ends inside a page", "no end-of-stream page"}},
		{"garbage", cat(data[:p[3]], []byte("not a page at all"), data[p[3]:]), []string{"byte " + itoa(p[3]) + ": 17 bytes skipped: garbage between pages"}},
		{"cut-packet", cat(data[:p[9]], data[p[9]:p[9]+27]), []string{"no end-of-stream page"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tooltest.WriteTemp(t, tc.name+".opus", tc.data)
			r := runOpusrt(t, nil, "info", path)
			if r.code != 1 {
				t.Errorf("exit %d, want 1 for a damaged file", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("report lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}

func TestInfoStdinAndSeveralFiles(t *testing.T) {
	data, _ := samples.ReadFile(samples.Stereo)
	r := runOpusrt(t, data, "info", "-", sample(t, samples.Chained))
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "(stdin): Ogg Opus, 1 link") || !strings.Contains(r.stdout, "2 links (chained)") {
		t.Errorf("output:\n%s", r.stdout)
	}
}

func TestInfoBadInput(t *testing.T) {
	dir := t.TempDir()
	notOgg := filepath.Join(dir, "song.wav")
	os.WriteFile(notOgg, append([]byte("RIFF"), make([]byte, 70000)...), 0o644)
	var vorbis bytes.Buffer
	pw := ogg.NewPageWriter(&vorbis, 3)
	pw.WritePacket([]byte("\x01vorbis\x00\x00\x00\x00\x01\x44\xac\x00\x00"), 0)
	pw.Close()
	vorbisPath := filepath.Join(dir, "music.ogg")
	os.WriteFile(vorbisPath, vorbis.Bytes(), 0o644)
	empty := filepath.Join(dir, "empty.opus")
	os.WriteFile(empty, nil, 0o644)
	unreadable := filepath.Join(dir, "secret.opus")
	os.WriteFile(unreadable, []byte("OggS"), 0o000)

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing", []string{"info", filepath.Join(dir, "nope.opus")}, 1, "nope.opus: no such file"},
		{"not-ogg", []string{"info", notOgg}, 1, "not an Ogg stream: no valid page in its first 65536 bytes"},
		{"vorbis", []string{"info", vorbisPath}, 1, "no Opus stream in Ogg: the Ogg stream holds Vorbis"},
		{"empty", []string{"info", empty}, 1, "empty.opus: not an Ogg stream: the input is empty"},
		{"directory", []string{"info", dir}, 1, "is a directory"},
		{"no-args", []string{"info"}, 2, "needs at least one FILE"},
		{"bad-flag", []string{"info", "--color", "x"}, 2, "unknown flag: --color"},
		{"unknown-command", []string{"play"}, 2, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, tc.args...), tc.code, tc.want)
		})
	}
	if os.Geteuid() != 0 {
		checkOneLineError(t, runOpusrt(t, nil, "info", unreadable), 1, "permission denied")
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range []string{"info", "simulate", "send", "recv"} {
		r := runOpusrt(t, nil, cmd, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "opusrt "+cmd) {
			t.Errorf("%s --help (exit %d) has no example:\n%s", cmd, r.code, r.stdout)
		}
	}
}

// Every file info cannot read is reported, with --json as an entry of its
// own, and the exit status says one failed.
func TestInfoReportsEveryFailure(t *testing.T) {
	dir := t.TempDir()
	good := sample(t, samples.Speech)
	missing := filepath.Join(dir, "nope.opus")
	notOgg := filepath.Join(dir, "song.wav")
	os.WriteFile(notOgg, append([]byte("RIFF"), make([]byte, 70000)...), 0o644)

	r := runOpusrt(t, nil, "info", "--json", missing, good, notOgg)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &entries); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, r.stdout)
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3:\n%s", len(entries), r.stdout)
	}
	for i, want := range []struct{ file, err string }{{missing, "no such file"}, {good, ""}, {notOgg, "not an Ogg stream"}} {
		e := entries[i]
		msg, _ := e["error"].(string)
		if e["file"] != want.file || !strings.Contains(msg, want.err) || (want.err == "") != (msg == "") {
			t.Errorf("entry %d: file %v error %q, want %s and %q", i, e["file"], msg, want.file, want.err)
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "nope.opus: no such file") || !strings.Contains(lines[1], "song.wav: not an Ogg stream") {
		t.Errorf("stderr should have a line per failure:\n%s", r.stderr)
	}

	r = runOpusrt(t, nil, "info", missing, good, notOgg)
	lines = strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 1 || len(lines) != 2 || !strings.Contains(r.stdout, "problems: none") {
		t.Errorf("text: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// setSerial returns a copy of the Ogg page pg with another serial number
// and its CRC set again.
func setSerial(pg []byte, serial uint32) []byte {
	pg = bytes.Clone(pg)
	encbin.LittleEndian.PutUint32(pg[14:], serial)
	encbin.LittleEndian.PutUint32(pg[22:], 0)
	encbin.LittleEndian.PutUint32(pg[22:], ogg.Checksum(pg))
	return pg
}

// multiplex interleaves the pages of two single-link Ogg streams as one
// link with two logical streams, as ffmpeg -map 0:a -map 1:a writes: both
// BOS pages first, then the others alternately.
func multiplex(t *testing.T, a, b []byte) []byte {
	t.Helper()
	pages := func(data []byte, serial uint32) [][]byte {
		offs := append(pageOffsets(t, data), len(data))
		var ps [][]byte
		for i := 0; i+1 < len(offs); i++ {
			ps = append(ps, setSerial(data[offs[i]:offs[i+1]], serial))
		}
		return ps
	}
	pa, pb := pages(a, 0x1111), pages(b, 0x2222)
	out := append(bytes.Clone(pa[0]), pb[0]...)
	for i := 1; i < max(len(pa), len(pb)); i++ {
		if i < len(pa) {
			out = append(out, pa[i]...)
		}
		if i < len(pb) {
			out = append(out, pb[i]...)
		}
	}
	return out
}

// Two Opus streams at once are one link: the first is played (as the
// library's OggReader does), the other ignored.
func TestInfoMultiplexedOpus(t *testing.T) {
	a, _ := samples.ReadFile(samples.Speech)
	b, _ := samples.ReadFile(samples.Stereo)
	path := tooltest.WriteTemp(t, "multi.opus", multiplex(t, a, b))
	r := runOpusrt(t, nil, "info", "--json", path)
	if r.code != 0 {
		t.Fatalf("exit %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	var reps []fileReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil {
		t.Fatal(err)
	}
	ref, _ := samples.Reference(samples.Speech)
	g := reps[0]
	if len(g.Links) != 1 || g.Links[0].Serial != 0x1111 || g.PlaybackSamples != ref.PlaybackSamples || g.Packets != ref.Packets {
		t.Errorf("links %+v, playback %d packets %d; want one link, serial 1111, of speech.opus", g.Links, g.PlaybackSamples, g.Packets)
	}
	if len(g.OtherStreams) != 1 || g.OtherStreams[0].Serial != 0x2222 || g.OtherStreams[0].Codec != "Opus" {
		t.Errorf("other streams %+v, want the second Opus stream", g.OtherStreams)
	}
	r = runOpusrt(t, nil, "info", path)
	if !strings.Contains(r.stdout, "1 link,") || !strings.Contains(r.stdout, "stream 0x00002222: Opus, ignored") {
		t.Errorf("text:\n%s", r.stdout)
	}
	// The library plays the same stream.
	r = runOpusrt(t, nil, "simulate", path, "--json", "--loss", "0")
	var s simSummary
	json.Unmarshal([]byte(r.stdout), &s)
	if s.Sent != ref.Packets {
		t.Errorf("simulate sent %d packets, want %d", s.Sent, ref.Packets)
	}
}

// info reads what the library reads, and says why it cannot in the
// library's terms (the same sentinel errors).
func TestInfoDamagedHeaders(t *testing.T) {
	data, _ := samples.ReadFile(samples.Speech)
	p := pageOffsets(t, data)
	ref, _ := samples.Reference(samples.Speech)

	// A flipped byte in the OpusTags page: the library reads every packet,
	// with no tags; so does info, and reports the damage.
	badTags := bytes.Clone(data)
	badTags[p[1]+40] ^= 0xff
	r := runOpusrt(t, nil, "info", "--json", tooltest.WriteTemp(t, "tags.opus", badTags))
	var reps []fileReport
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 1 {
		t.Fatalf("bad tags: exit %d, %v: %s%s", r.code, err, r.stdout, r.stderr)
	}
	if g := reps[0]; r.code != 1 || len(g.Links) != 1 || g.Packets != ref.Packets || len(g.Links[0].Comments) != 0 ||
		!strings.Contains(r.stdout, "OpusTags header is missing") {
		t.Errorf("bad tags: exit %d, report %s", r.code, r.stdout)
	}

	badHead := bytes.Clone(data)
	badHead[p[0]+30] ^= 0xff
	for _, tc := range []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"ends-after-head", data[:p[1]], "ends inside its headers", io.ErrUnexpectedEOF},
		{"ends-inside-tags", data[:p[1]+40], "ends inside its headers", io.ErrUnexpectedEOF},
		{"bad-crc-head", badHead, "the first page, where the OpusHead should be, has a bad CRC", opusrt.ErrNotOpus},
		{"short-page", data[:30], "the input ends inside its first page", io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, "info", tooltest.WriteTemp(t, tc.name+".opus", tc.data)), 1, tc.want)
			_, err := scan(tc.name, bytes.NewReader(tc.data))
			if !errors.Is(err, tc.is) {
				t.Errorf("scan: %v, want an error wrapping %v", err, tc.is)
			}
			// The library agrees that it cannot read this.
			if _, lerr := opusrt.NewOggReader(bytes.NewReader(tc.data)); lerr == nil {
				t.Errorf("the library reads it")
			}
		})
	}
}

// The histogram counts packets by their duration, with the frames they are
// made of: 120 ms packets of six 20 ms frames are not "20 ms ×44".
func TestInfoPacketDurations(t *testing.T) {
	r := runOpusrt(t, nil, "info", sample(t, samples.FFmpeg120ms))
	if !strings.Contains(r.stdout, "durations: 120 ms ×44 (6 frames of 20 ms)\n") {
		t.Errorf("no packet durations:\n%s", r.stdout)
	}
	r = runOpusrt(t, nil, "info", "--json", sample(t, samples.FFmpeg120ms))
	var reps []fileReport
	json.Unmarshal([]byte(r.stdout), &reps)
	if len(reps) != 1 || len(reps[0].FrameSizes) != 1 || reps[0].FrameSizes[0] != (frameCount{PacketMillis: 120, FrameMillis: 20, FramesPerPacket: 6, Packets: 44}) {
		t.Errorf("JSON: %s", r.stdout)
	}
}

// An empty recording (an OggWriter closed before any frame, as recv leaves
// when nothing came) is written as opusenc writes an empty input — one
// packet, all pre-skip — so it plays for 0 s without any problem, and
// prints no empty lines.
func TestInfoEmptyStream(t *testing.T) {
	var b bytes.Buffer
	ow, _ := opusrt.NewOggWriter(&b, 0)
	if err := ow.Close(); err != nil {
		t.Fatal(err)
	}
	path := tooltest.WriteTemp(t, "empty.opus", b.Bytes())
	r := runOpusrt(t, nil, "info", path)
	if r.code != 0 || !strings.Contains(r.stdout, "audio:    0:00.000, 1 packets") || !strings.Contains(r.stdout, "problems: none") {
		t.Errorf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), ":") {
			t.Errorf("empty line %q", line)
		}
	}
	r = runOpusrt(t, nil, "info", "--json", path)
	var reps []fileReport
	json.Unmarshal([]byte(r.stdout), &reps)
	if r.code != 0 || len(reps) != 1 || len(reps[0].Problems) != 0 || reps[0].Packets != 1 {
		t.Errorf("JSON (exit %d): %s", r.code, r.stdout)
	}
}

// Usage errors exit 2 and runtime errors 1, the same in every command, each
// in one line.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown-command", []string{"play"}, 2, "unknown command \"play\" for \"opusrt\"; see 'opusrt --help'"},
		{"burst-fraction", []string{"simulate", "--burst", "0.5"}, 2, "--burst 0.5"},
		{"burst-negative", []string{"simulate", "--burst", "-1"}, 2, "--burst -1"},
		{"send-no-to", []string{"send"}, 2, "needs --to"},
		{"send-port-0", []string{"send", "--to", "127.0.0.1:0"}, 2, "--to 127.0.0.1:0: port 0"},
		{"send-no-port", []string{"send", "--to", "127.0.0.1"}, 2, "--to 127.0.0.1"},
		{"send-burst", []string{"send", "--to", "127.0.0.1:7400", "--burst", "0.5"}, 2, "--burst 0.5"},
		{"recv-no-output", []string{"recv"}, 2, "needs -o"},
		{"recv-bad-listen", []string{"recv", "-o", filepath.Join(dir, "x.opus"), "--listen", "127.0.0.1:notaport"}, 2, "--listen"},
		{"recv-output-dir", []string{"recv", "--listen", "127.0.0.1:0", "-o", filepath.Join(dir, "no", "x.opus")}, 1, "no does not exist"},
		{"simulate-output-dir", []string{"simulate", "-o", filepath.Join(dir, "no", "x.opus")}, 1, "no does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkOneLineError(t, runOpusrt(t, nil, tc.args...), tc.code, tc.want)
		})
	}
	for _, cmd := range []string{"simulate", "send"} {
		if r := runOpusrt(t, nil, cmd, "--help"); !strings.Contains(r.stdout, `(default "pareto")`) {
			t.Errorf("%s: --jitter-dist default is not pareto", cmd)
		}
	}
}
