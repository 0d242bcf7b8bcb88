#!/bin/sh
# gen.sh regenerates the *.packets files: real Opus packets made by libopus
# (through opusenc) from synthesised speech between stretches of near
# silence, one packet a line in hex, each with the RMS level in dBFS of each
# 20 ms it decodes to (opusdec). silk_real_test.go checks the SILK header
# bits of every packet against those levels and against how it was encoded;
# multistream_test.go splits and rebuilds the 5.1 and 3.0 ones.
#
# Run from pkg/audio/codec/opus:   sh testdata/gen.sh
# It ends by running libopus_verdicts.py, whose FEC checks read these files.
# Needs espeak-ng, sox, opusenc and opusdec (opus-tools), Python 3 and
# libopus. The files were made with opus-tools 0.2 and libopus 1.3.1, and a
# rerun gives the same bytes. Another libopus may make other bytes and
# choose other configurations: the tests list the configurations each file
# holds, and would need those lists updated.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

espeak-ng -w "$tmp/a.wav" "Hello, one two."
espeak-ng -v en+f3 -w "$tmp/b.wav" "Three four, five."
# sox -R dithers repeatably: the same bytes on every run, and a noise floor
# near -96 dBFS in the "silence", like a quiet microphone's.
# Mono: 0.4 s of silence, speech, 0.4 s of silence, at 48 kHz.
sox -R "$tmp/a.wav" -r 48000 "$tmp/mono.wav" pad 0.4 0.4
# Stereo: a different voice and text on each channel, so the side channel
# carries speech of its own.
sox -R "$tmp/b.wav" -r 48000 "$tmp/b48.wav" pad 0.4 0.4
sox -R "$tmp/mono.wav" "$tmp/a48.wav" trim 0 1.8
sox -R "$tmp/b48.wav" "$tmp/b48t.wav" trim 0 1.8
sox -R -M "$tmp/a48.wav" "$tmp/b48t.wav" "$tmp/stereo.wav"
# 5.1 and 3.0: the two voices around the channels, for channel mapping
# family 1 (multistream packets).
sox -R -M "$tmp/a48.wav" "$tmp/b48t.wav" "$tmp/a48.wav" "$tmp/b48t.wav" "$tmp/a48.wav" "$tmp/b48t.wav" "$tmp/six.wav"
sox -R -M "$tmp/a48.wav" "$tmp/b48t.wav" "$tmp/a48.wav" "$tmp/three.wav"
# Dual mono: the same speech on both channels, so the side channel is silent.
sox -R -M "$tmp/a48.wav" "$tmp/a48.wav" "$tmp/dualmono.wav"

go build -o "$tmp/extract" ./extract

# make NAME INPUT OPUSENC-OPTIONS... writes NAME.packets.
# thin NAME N keeps one packet in N of NAME.packets (the CELT files are big
# and their packets all alike to these tests).
thin() {
	awk -v n="$2" '/^#/ || ++i % n == 1' "$1.packets" >"$tmp/thin" && mv "$tmp/thin" "$1.packets"
}

make() {
	name=$1 in=$2
	shift 2
	opusenc --quiet --serial 1 "$@" "$tmp/$in.wav" "$tmp/$name.opus" 2>&1 | grep -v "^Skipping chunk of type" >&2 || true
	opusdec --quiet --no-dither --rate 48000 "$tmp/$name.opus" "$tmp/$name.wav"
	{
		echo "# opusenc $* ($in), $(opusenc --version | head -1 | sed 's/.*(using //; s/)//')"
		"$tmp/extract" "$tmp/$name.opus" "$tmp/$name.wav"
	} >"$name.packets"
}

make silk20 mono --bitrate 12
make silk10 mono --bitrate 12 --framesize 10
make silk40 mono --bitrate 12 --framesize 40
make silk60 mono --bitrate 12 --framesize 60
make hybrid20 mono --bitrate 32
make hybrid60 mono --bitrate 32 --framesize 60
make fec20 mono --bitrate 24 --expect-loss 20 --set-ctl-int 4012=1
make nofec20 mono --bitrate 24 --expect-loss 20
make fec60 mono --bitrate 32 --framesize 60 --expect-loss 20 --set-ctl-int 4012=1
make stereo20 stereo --bitrate 24
make stereofec20 stereo --bitrate 40 --expect-loss 20 --set-ctl-int 4012=1
make dualmono20 dualmono --bitrate 32 --expect-loss 20 --set-ctl-int 4012=1
make dtx20 mono --bitrate 12 --set-ctl-int 4016=1
make celt20 mono --bitrate 128
thin celt20 8
make celt2_5 mono --bitrate 64 --framesize 2.5
thin celt2_5 16
make surround51 six --bitrate 96
thin surround51 4
make surround51_60 six --bitrate 96 --framesize 60
thin surround51_60 2
make surround51_2_5 six --bitrate 160 --framesize 2.5
thin surround51_2_5 16
make three30 three --bitrate 64
thin three30 4

cd ..
python3 testdata/libopus_verdicts.py
