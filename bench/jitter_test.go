package bench

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pion/interceptor/pkg/jitterbuffer"
	"github.com/pion/rtp"

	"github.com/haivivi/giztoy/bench/heapjitter"
	"github.com/haivivi/giztoy/bench/internal/workload"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// A jitterWorkload is an arrival order and a buffer depth. Arrival i
// carries frame number seq(i) of the stream (frame n starts at n×20 ms and
// has the size of the sample's packet n). The first held arrivals fill the
// buffer; after each later one the reader reads until it gets a frame,
// taking the losses before it, so held frames stay in the buffer. One
// benchmark op is one arrival and the reads it allows: the cost per frame.
type jitterWorkload struct {
	name string
	held int
	seq  func(i int) int
}

var jitterWorkloads = []jitterWorkload{
	{"InOrder5", 5, inOrder},
	{"Reorder10", 5, reorder10},
	{"Loss5", 5, loss5},
	{"InOrder100", 100, inOrder},
}

func inOrder(i int) int { return i }

// reorder10 swaps every tenth frame with the one after it: 10 % of the
// frames arrive one place late.
func reorder10(i int) int {
	switch i % 20 {
	case 9:
		return i + 1
	case 10:
		return i - 1
	}
	return i
}

// loss5 loses frame 7 of every 20: 5 % lost, each loss a single frame.
func loss5(i int) int {
	q, r := i/19, i%19
	if r >= 7 {
		r++
	}
	return q*20 + r
}

// A jitterImpl runs a workload on one implementation, b.N arrivals after
// the fill, handing each frame or loss read to out when out is not nil.
// Each implementation has its own loop, so that none pays for an indirect
// call.
type jitterImpl struct {
	name string
	run  func(b *testing.B, w jitterWorkload, out func(frame int, loss time.Duration))
}

var jitterImpls = []jitterImpl{
	{"opusrt", func(b *testing.B, w jitterWorkload, out func(int, time.Duration)) {
		runOpusrt(b, w, out, opusrt.NewBuffer(time.Hour))
	}},
	// Ours without the clock read per frame that timestamps arrivals for
	// the jitter statistics: what pion and the heap do not do either.
	{"opusrt-untimed", func(b *testing.B, w jitterWorkload, out func(int, time.Duration)) {
		runOpusrt(b, w, out, opusrt.NewBuffer(time.Hour, opusrt.WithoutArrivalTimes()))
	}},
	{"pion", runPion},
	{"heap", runHeap},
}

// BenchmarkJitter runs every workload on every implementation: ours
// (opusrt.Buffer Append and Frame, as configured by default and with
// WithoutArrivalTimes), pion's interceptor jitterbuffer (Push
// and Pop by RTP sequence number, the player skipping a missing number
// with SetPlayoutHead) and the container/heap baseline.
func BenchmarkJitter(b *testing.B) {
	for _, w := range jitterWorkloads {
		for _, impl := range jitterImpls {
			b.Run("work="+w.name+"/impl="+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				impl.run(b, w, nil)
			})
		}
	}
}

// TestJitterSameOutput checks that the three implementations give the same
// frames and losses on every workload, so the benchmarks compare like with
// like.
func TestJitterSameOutput(t *testing.T) {
	const arrivals = 2000
	type event struct {
		frame int // -1 for a loss
		loss  time.Duration
	}
	for _, w := range jitterWorkloads {
		var want []event
		for _, impl := range jitterImpls {
			var got []event
			impl.run(&testing.B{N: arrivals}, w, func(frame int, loss time.Duration) {
				got = append(got, event{frame, loss})
			})
			if len(got) < arrivals-w.held-arrivals/10 {
				t.Fatalf("%s/%s: %d events for %d arrivals", w.name, impl.name, len(got), arrivals)
			}
			if want == nil {
				want = got
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s differs from %s", w.name, impl.name, jitterImpls[0].name)
			}
		}
		// In stamp order, a loss of one frame where loss5 drops one.
		next := 0
		for _, e := range want {
			switch {
			case e.frame < 0 && e.loss == 20*time.Millisecond:
				next++
			case e.frame == next:
				next++
			default:
				t.Fatalf("%s: got %+v, want frame %d", w.name, e, next)
			}
		}
	}
}

// frameNumber recovers the frame number from its stamp.
func frameNumber(stampMillis int64) int { return int(stampMillis / workload.FrameMillis) }

func runOpusrt(b *testing.B, w jitterWorkload, out func(int, time.Duration), buf *opusrt.Buffer) {
	pkts := workload.Packets()
	// The frame a Frame call returns is matched to its number through the
	// stamp we gave: kept in a side table only when out is set.
	var stampOf map[*byte]int
	if out != nil {
		stampOf = map[*byte]int{}
	}
	push := func(i int) {
		n := w.seq(i)
		f := pkts[n%len(pkts)]
		if out != nil {
			f = f.Clone()
			stampOf[&f[0]] = n
		}
		if err := buf.Append(f, opusrt.EpochMillis(n*workload.FrameMillis)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range w.held {
		push(i)
	}
	b.ResetTimer()
	for i := range b.N {
		push(i + w.held)
		for {
			f, loss, err := buf.Frame()
			if err != nil {
				b.Fatal(err)
			}
			if out != nil {
				if f == nil {
					out(-1, loss)
				} else {
					out(stampOf[&f[0]], 0)
				}
			}
			if f != nil {
				break
			}
		}
	}
}

func runPion(b *testing.B, w jitterWorkload, out func(int, time.Duration)) {
	pkts := workload.Packets()
	jb := jitterbuffer.New(jitterbuffer.WithMinimumPacketCount(1))
	// Packets as a receiver unmarshals them, reused in a ring so that the
	// allocations counted are the buffer's own.
	ring := make([]rtp.Packet, 256)
	push := func(i int) {
		n := w.seq(i)
		p := &ring[i%len(ring)]
		p.Version = 2
		p.PayloadType = 111
		p.SequenceNumber = uint16(n)
		p.Timestamp = uint32(n * 960)
		p.Payload = pkts[n%len(pkts)]
		jb.Push(p)
	}
	for i := range w.held {
		push(i)
	}
	b.ResetTimer()
	for i := range b.N {
		push(i + w.held)
		for {
			p, err := jb.Pop()
			if err != nil {
				if !errors.Is(err, jitterbuffer.ErrNotFound) {
					b.Fatal(err)
				}
				// The packet at the playout head is missing: conceal
				// one frame and move on, as a player does.
				jb.SetPlayoutHead(jb.PlayoutHead() + 1)
				if out != nil {
					out(-1, 20*time.Millisecond)
				}
				continue
			}
			if out != nil {
				out(frameNumber(int64(p.Timestamp/960)*workload.FrameMillis), 0)
			}
			break
		}
	}
}

func runHeap(b *testing.B, w jitterWorkload, out func(int, time.Duration)) {
	pkts := workload.Packets()
	var buf heapjitter.Buffer
	var stampOf map[*byte]int
	if out != nil {
		stampOf = map[*byte]int{}
	}
	push := func(i int) {
		n := w.seq(i)
		f := pkts[n%len(pkts)]
		if out != nil {
			f = f.Clone()
			stampOf[&f[0]] = n
		}
		if err := buf.Append(f, opusrt.EpochMillis(n*workload.FrameMillis)); err != nil {
			b.Fatal(err)
		}
	}
	for i := range w.held {
		push(i)
	}
	b.ResetTimer()
	for i := range b.N {
		push(i + w.held)
		for {
			f, loss, err := buf.Frame()
			if err != nil {
				b.Fatal(err)
			}
			if out != nil {
				if f == nil {
					out(-1, loss)
				} else {
					out(stampOf[&f[0]], 0)
				}
			}
			if f != nil {
				break
			}
		}
	}
}
