// Package bench holds the side-by-side benchmarks of opusrt against the
// implementations users would pick instead: pion's jitter buffer, a
// container/heap jitter buffer (package heapjitter), pion's Ogg writer and
// reader, and libogg through cgo (package libogg). Run them with ./run,
// which prints the speed-up ratios; cmd/density measures how many live
// RealtimeBuffers one machine carries.
//
// It is a module of its own so that the library stays free of these
// dependencies.
package bench
