#!/usr/bin/env bash
# gen.sh makes the Ogg Opus files of the reader-side interop tests that
# internal/samples has no kind of: 5.1 (channel mapping family 1) from
# sox + opusenc, and a file made by GStreamer's opusenc and oggmux.
# Short (about a second each) so they stay small in the repository.
#
#   pkg/audio/opusrt/testdata/interop/gen.sh
#
# Needs sox, opus-tools and gst-launch-1.0 with the base plugins:
#   apt-get install sox opus-tools gstreamer1.0-tools gstreamer1.0-plugins-base
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 5.1: a different tone on each of the six channels, 1 s, 48 kHz (no
# dither, repeatable), encoded by opusenc as family 1 (4 streams, 2 coupled).
sox -R -D -n -r 48000 -b 16 -c 6 "$work/six.wav" synth 1 sine 220 sine 330 sine 440 sine 550 sine 660 sine 770 gain -6
opusenc --quiet --serial 51 --bitrate 96 "$work/six.wav" surround51.opus

# GStreamer: 1 s of a test tone, stereo, encoded by its opusenc (libopus)
# and muxed by oggmux. Its serial number is random: the file is committed.
gst-launch-1.0 -q audiotestsrc num-buffers=47 samplesperbuffer=1024 wave=ticks ! \
	audio/x-raw,rate=48000,channels=2 ! audioconvert ! opusenc bitrate=32000 ! \
	oggmux ! filesink location=gstreamer.opus

ls -l ./*.opus
