#!/usr/bin/env bash
# gen.sh regenerates the sample Ogg Opus files of this package, reference.json
# (their reference figures, cross-checked against opusinfo and opusdec) and
# the generated table in README.md.
#
#   internal/samples/gen.sh            # from anywhere in the repository
#
# Needs: espeak-ng, sox, opus-tools (opusenc, opusinfo, opusdec), ffmpeg built
# with libopus, and go. On Debian/Ubuntu:
#   apt-get install espeak-ng sox opus-tools ffmpeg
#
# The output is deterministic for given tool versions (fixed serial numbers,
# no dither, ffmpeg in bitexact mode): running it twice gives identical files.
# Other versions of libopus or espeak-ng give different bytes; the versions
# used are recorded in reference.json and README.md.
set -euo pipefail

cd "$(dirname "$0")"
export LC_ALL=C

for tool in espeak-ng sox opusenc opusinfo opusdec ffmpeg go; do
	if ! command -v "$tool" >/dev/null; then
		echo "gen.sh: $tool not found; apt-get install espeak-ng sox opus-tools ffmpeg" >&2
		exit 1
	fi
done
if ! grep -q ' libopus ' <<<"$(ffmpeg -hide_banner -encoders 2>/dev/null)"; then
	echo "gen.sh: this ffmpeg has no libopus encoder" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
	printf 'espeak-ng\t%s\n' "$(espeak-ng --version | sed 's/  *Data at:.*//')"
	printf 'sox\t%s\n' "$(sox --version | sed 's/^sox: *//')"
	printf 'opusenc\t%s\n' "$(opusenc --version | head -n1)"
	printf 'opusinfo\t%s\n' "$(opusinfo -V | head -n1)"
	printf 'opusdec\t%s\n' "$(opusdec --version | head -n1)"
	printf 'ffmpeg\t%s\n' "$(ffmpeg -version | head -n1 | sed 's/ Copyright.*//')"
} >"$work/tools.tsv"
echo "gen.sh: tools:"
sed 's/^/  /' "$work/tools.tsv"

: >"$work/descriptions.tsv"
# describe NAME TEXT: the one-line description of a sample for reference.json.
describe() { printf '%s\t%s\n' "$1" "$2" >>"$work/descriptions.tsv"; }

# speak OUT.wav RATE VOICE TEXT: mono 16-bit speech at RATE Hz, peaks at
# -3 dBFS (resampling never clips), with 0.3 s of silence after it. sox runs
# repeatable (-R) and without dither (-D).
speak() {
	local out=$1 rate=$2 voice=$3 text=$4
	espeak-ng -v "$voice" -s 165 -w "$work/espeak.wav" "$text"
	sox -R -D "$work/espeak.wav" -r "$rate" "$out" gain -n -3 pad 0 0.3
}

# opusenc_ OUT.opus SERIAL [OPTIONS...] IN.wav: opusenc with fixed serial.
opusenc_() {
	local out=$1 serial=$2
	shift 2
	opusenc --quiet --serial "$serial" --comment "GENERATOR=giztoy internal/samples/gen.sh" "$@" "$out"
}

rm -f ./*.opus

# The default sample: what a voice device sends.
speak "$work/speech.wav" 16000 en-us "Hello from opus R T. This is synthetic speech, \
in mono Opus at sixteen kilobits per second, twenty milliseconds a packet."
opusenc_ speech.opus 1 --bitrate 16 --framesize 20 "$work/speech.wav"
describe speech.opus "default sample: mono voice, 16 kHz input, 20 ms frames, 16 kbit/s VBR"

speak "$work/10.wav" 16000 en-gb "Ten millisecond frames carry half as much audio in every packet."
opusenc_ mono-10ms.opus 2 --bitrate 16 --framesize 10 "$work/10.wav"
describe mono-10ms.opus "mono, 10 ms frames, 16 kbit/s"

speak "$work/60.wav" 16000 en-us+f3 "Sixty millisecond frames trade latency for fewer packets per second."
opusenc_ mono-60ms.opus 3 --bitrate 16 --framesize 60 "$work/60.wav"
describe mono-60ms.opus "mono, 60 ms frames, 16 kbit/s"

speak "$work/5.wav" 48000 en-gb-scotland "Five millisecond frames are made by the CELT layer alone."
opusenc_ mono-5ms.opus 4 --bitrate 24 --framesize 5 "$work/5.wav"
describe mono-5ms.opus "mono, 5 ms frames (CELT only), 24 kbit/s, 48 kHz input"

speak "$work/2.5.wav" 48000 en-029 "Two and a half milliseconds is the shortest Opus frame."
opusenc_ mono-2.5ms.opus 5 --bitrate 24 --framesize 2.5 "$work/2.5.wav"
describe mono-2.5ms.opus "mono, 2.5 ms frames (CELT only), 24 kbit/s, 48 kHz input"

# Stereo: a different voice on each side, the right one starting later.
speak "$work/left.wav" 48000 en-us "The left channel speaks first."
speak "$work/right0.wav" 48000 en-gb+f2 "And the right channel answers."
sox -R -D "$work/right0.wav" "$work/right.wav" pad 1.2 0
sox -R -D -M "$work/left.wav" "$work/right.wav" "$work/stereo.wav"
opusenc_ stereo.opus 6 --bitrate 32 --framesize 20 "$work/stereo.wav"
describe stereo.opus "stereo, different speech on each side, 20 ms frames, 32 kbit/s"

# Chained streams: Ogg files concatenated are one valid chained stream.
speak "$work/chain1.wav" 16000 en-us "This is the first link of a chained stream."
speak "$work/chain2.wav" 16000 en-gb "And this is the second link, with its own serial number."
opusenc_ "$work/chain1.opus" 7 --bitrate 16 --framesize 20 "$work/chain1.wav"
opusenc_ "$work/chain2.opus" 8 --bitrate 16 --framesize 20 "$work/chain2.wav"
cat "$work/chain1.opus" "$work/chain2.opus" >chained.opus
describe chained.opus "chained: two mono 20 ms links (serials 7 and 8)"

speak "$work/mixed1.wav" 16000 en-us "A mono link comes first."
speak "$work/mixed2l.wav" 48000 en-us+f3 "Then a stereo link,"
speak "$work/mixed2r.wav" 48000 en-gb "with forty millisecond frames."
sox -R -D "$work/mixed2r.wav" "$work/mixed2rp.wav" pad 1 0
sox -R -D -M "$work/mixed2l.wav" "$work/mixed2rp.wav" "$work/mixed2.wav"
opusenc_ "$work/mixed1.opus" 9 --bitrate 16 --framesize 20 "$work/mixed1.wav"
opusenc_ "$work/mixed2.opus" 10 --bitrate 24 --framesize 40 "$work/mixed2.wav"
cat "$work/mixed1.opus" "$work/mixed2.opus" >chained-mixed.opus
describe chained-mixed.opus "chained: a mono 20 ms link, then a stereo 40 ms link (serials 9 and 10)"

# A minute of speech at a low bitrate: real packets for benchmarks.
long_text=(
	"en-us|Real time audio over a network never arrives quite the way it was sent."
	"en-gb|Packets are delayed by different amounts, some arrive out of order, some twice, and some never arrive at all."
	"en-us+f3|A jitter buffer holds a little audio back, so that late packets still have time to take their place."
	"en-gb-scotland|The longer it waits, the fewer packets are lost to lateness, but the later every word is heard."
	"en-us|When a packet is missing at the moment it is due, the decoder conceals the gap, and the listener rarely notices a single one."
	"en-gb+f2|An Ogg file keeps the timeline of a recording. Every page carries a granule position, counted in samples at forty eight kilohertz."
	"en-us|A reader that trusts those positions can tell exactly how much audio is missing, and where."
	"en-gb|Opus frames last from two and a half to sixty milliseconds, and one packet may carry up to one hundred and twenty."
	"en-us+f3|Twenty millisecond frames are the usual choice for speech: fifty packets every second, each a few dozen bytes long."
	"en-us|That is the end of the long sample. Thank you for listening."
)
parts=()
for i in "${!long_text[@]}"; do
	speak "$work/long$i.wav" 16000 "${long_text[$i]%%|*}" "${long_text[$i]#*|}"
	parts+=("$work/long$i.wav")
done
sox -R -D "${parts[@]}" "$work/long.wav"
opusenc_ long-12k.opus 11 --bitrate 12 --framesize 20 "$work/long.wav"
describe long-12k.opus "a minute of speech, mono, 20 ms frames, 12 kbit/s (benchmark workload)"

# ffmpeg's Ogg muxer and libopus wrapper: bitexact leaves out version tags
# and fixes the serial number (serial_offset + stream index). -fflags must
# come after -i to apply to the output; before it, the serial is random.
speak "$work/ffmpeg.wav" 16000 en-gb "This file was encoded by F F M peg, with lib opus."
ffmpeg -nostdin -hide_banner -loglevel error -i "$work/ffmpeg.wav" -fflags +bitexact \
	-map_metadata -1 -c:a libopus -flags:a +bitexact -b:a 16k -application voip -frame_duration 20 \
	-serial_offset 12 ffmpeg.opus
describe ffmpeg.opus "made by ffmpeg (libopus, Ogg muxer defaults), mono, 20 ms frames, 16 kbit/s"

speak "$work/ffmpeg120.wav" 48000 en-us+f3 "Each packet in this file carries one hundred and twenty milliseconds of audio."
ffmpeg -nostdin -hide_banner -loglevel error -i "$work/ffmpeg120.wav" -fflags +bitexact \
	-map_metadata -1 -c:a libopus -flags:a +bitexact -b:a 24k -frame_duration 120 \
	-serial_offset 13 ffmpeg-120ms.opus
describe ffmpeg-120ms.opus "made by ffmpeg, mono, 120 ms packets (code 3, several frames each), 24 kbit/s"

files=(*.opus)
for f in "${files[@]}"; do
	base=${f%.opus}
	opusinfo "$f" >"$work/$base.opusinfo" || true # refgen rejects any warning
	opusdec --quiet --rate 48000 "$f" "$work/$base.wav"
done

go run refgen.go -work "$work" -tools "$work/tools.tsv" -out reference.json -readme README.md "${files[@]}"

echo "gen.sh: wrote ${#files[@]} files, $(cat ./*.opus | wc -c) bytes in all:"
ls -l ./*.opus | awk '{ printf "  %8d %s\n", $5, $9 }'
