// Command opusrt inspects Ogg Opus files and shows what a jitter buffer does
// to a stream on a bad network, with the opusrt library.
//
// Usage:
//
//	opusrt info FILE...                         what a file holds and what is wrong with it
//	opusrt simulate [IN.opus] [-o OUT.opus]     play a file through a simulated network
//	opusrt send IN.opus --to HOST:PORT [--rtp]  stream a file over UDP (stamped frames or RTP) in real time
//	opusrt recv --listen HOST:PORT -o OUT.opus  record a UDP stream (stamped or RTP) through a jitter buffer
//	opusrt cut IN.opus --start T --end T -o OUT  copy a part of a file without decoding, by seeking
//	opusrt completion bash|zsh|fish|powershell  shell completion
//
// With no input, simulate plays the embedded speech sample, so
//
//	go run ./cmd/opusrt simulate
//
// works on a fresh checkout. "-" names stdin or stdout wherever a file is
// expected, so opusrt pipes with opusenc, opusdec and ffmpeg:
//
//	opusenc voice.wav - | opusrt simulate - --loss 10 --burst 3 -o - | opusdec - out.wav
//
// The network options, shared by simulate and send: --loss (percent),
// --burst (mean loss burst, Gilbert–Elliott), --delay, --jitter and
// --jitter-dist (uniform, normal, pareto, lognormal), --reorder,
// --duplicate (percent) and --seed; or --trace FILE, a recorded network
// (one packet's one-way delay in ms, or "lost", per line), in their place.
// The sender: --drift PPM (its stamp clock runs fast or slow) and
// --duration D (the input sent again and again until D of audio). simulate
// plays adaptively by default (--playout fixed for a fixed delay) and
// --sweep compares fixed delays with adaptive playout. Run "opusrt help
// COMMAND" for each command's flags and examples.
//
// Errors are one line on stderr, "opusrt: ...", and a non-zero exit status:
// 1 for a failure, a damaged file found by info, or a recording with no
// valid audio; 2 for bad usage (and a bare "opusrt", which prints the
// usage); 130 for a second interrupt. "opusrt --version" prints the
// version.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// exitInterrupted is the exit status after a second interrupt, as a shell
// reports a process killed by SIGINT.
const exitInterrupted = 130

// main runs the command with a context cancelled by the first SIGINT or
// SIGTERM, so that a command finishes its work cleanly (recv writes what it
// holds and ends the file). A second signal exits at once: every file is
// left as its last completed write made it (recv's, valid up to its last
// page).
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		<-sigs
		os.Exit(exitInterrupted)
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}
