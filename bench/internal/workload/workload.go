// Package workload supplies the benchmarks and the density run with real
// Opus packets: the audio packets of samples.Long, about 65 s of mono
// speech at 12 kbit/s in 20 ms frames, as opusenc wrote them.
package workload

import (
	"bytes"
	"errors"
	"io"
	"sync"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// FrameMillis is the duration of every packet of the workload.
const FrameMillis = 20

var (
	once    sync.Once
	packets []opusrt.Frame
	file    []byte
	loadErr error
)

func load() {
	file, loadErr = samples.ReadFile(samples.Long)
	if loadErr != nil {
		return
	}
	r, err := opusrt.NewOggReader(bytes.NewReader(file))
	if err != nil {
		loadErr = err
		return
	}
	for {
		f, loss, err := r.Frame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			loadErr = err
			return
		}
		if loss != 0 || f.Duration() != FrameMillis*1e6 {
			loadErr = errors.New("workload: sample is not a clean stream of 20 ms packets")
			return
		}
		packets = append(packets, f)
	}
}

// Packets returns the audio packets of samples.Long in order. The slices
// are shared: callers must not change them.
func Packets() []opusrt.Frame {
	once.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return packets
}

// File returns the bytes of samples.Long as opusenc wrote them. The slice
// is shared: callers must not change it.
func File() []byte {
	once.Do(load)
	if loadErr != nil {
		panic(loadErr)
	}
	return file
}

// PayloadBytes returns the size of all the packets together.
func PayloadBytes() int {
	n := 0
	for _, p := range Packets() {
		n += len(p)
	}
	return n
}
