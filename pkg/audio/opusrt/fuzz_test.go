package opusrt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
)

func FuzzFromStamped(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(opusrt.ToStamped(opusrt.Frame{tocSilk20, 1, 2}, 1_700_000_000_000))
	f.Add(opusrt.ToStamped(opusrt.Frame{tocSilk20}, 0))
	f.Add([]byte{1, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, tocSilk20 | 3, 2, 1, 1})
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, tocSilk20})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, tocSilk20})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, tocSilk20 | 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		frame, stamp, ok := opusrt.FromStamped(data)
		buf := opusrt.NewBuffer(0, opusrt.WithClock(fakeclock.New(t0)))
		n, err := buf.Write(data)
		if !ok {
			if n != 0 || !errors.Is(err, opusrt.ErrInvalidFrame) {
				t.Fatalf("FromStamped rejects %x, Buffer.Write = %d, %v", data, n, err)
			}
			return
		}
		if len(data) < 9 || data[0] > 1 {
			t.Fatalf("FromStamped accepts %x", data)
		}
		if !frame.Valid() || !opus.Valid(frame) {
			t.Fatalf("FromStamped(%x) returns invalid frame %x", data, frame)
		}
		if len(frame) != len(data)-8 || unsafe.SliceData(frame) != &data[8] {
			t.Fatalf("frame %x does not alias data[8:] of %x", frame, data)
		}
		want := int64(binary.BigEndian.Uint64(data))
		if data[0] == 1 {
			want &= 1<<56 - 1
		}
		if int64(stamp) != want || stamp < 0 {
			t.Fatalf("FromStamped(%x) stamp %d, want %d", data, stamp, want)
		}
		// Round trip: ToStamped writes the plain form.
		plain := append([]byte{0}, data[1:]...)
		if got := opusrt.ToStamped(frame, stamp); !bytes.Equal(got, plain) {
			t.Fatalf("ToStamped(FromStamped(%x)) = %x", data, got)
		}
		// The Buffer takes what FromStamped accepts (stamps up to 2⁵² ms).
		if stamp <= 1<<42 && (n != len(data) || err != nil) {
			t.Fatalf("Buffer.Write(%x) = %d, %v after FromStamped accepted it", data, n, err)
		}
	})
}

func FuzzFrameDuration(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{tocSilk20})
	f.Add([]byte{tocSilk20 | 3})
	f.Add([]byte{tocSilk20 | 3, 0})
	f.Add([]byte{tocSilk20 | 3, 6})
	f.Add([]byte{tocSilk20 | 3, 7})
	f.Add([]byte{tocCelt2_5 | 3, 48})
	f.Add([]byte{tocSilk60 | 1, 1, 1})
	f.Add([]byte{tocSilk10 | 2, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := opusrt.Frame(data).Duration()
		if d < 0 || d > 120*time.Millisecond || d%(2500*time.Microsecond) != 0 {
			t.Fatalf("Duration(%x) = %v", data, d)
		}
		p, err := opus.ParsePacket(data)
		if valid := err == nil; valid != opusrt.Frame(data).Valid() {
			t.Fatalf("Valid(%x) = %v, ParsePacket error %v", data, !valid, err)
		}
		if err == nil && (d != p.Duration() || d == 0) {
			t.Fatalf("Duration(%x) = %v, parser says %v", data, d, p.Duration())
		}
		if s := opusrt.Frame(data).Samples(); time.Duration(s)*time.Second/48000 != d {
			t.Fatalf("Samples(%x) = %d for %v", data, s, d)
		}
	})
}

// fuzzProgram reads a program of operations from fuzz bytes.
type fuzzProgram struct {
	data   []byte
	cursor int64 // ms: where the next stamp goes
}

func (p *fuzzProgram) more() bool { return len(p.data) > 0 }

func (p *fuzzProgram) next() byte {
	if len(p.data) == 0 {
		return 0
	}
	b := p.data[0]
	p.data = p.data[1:]
	return b
}

func (p *fuzzProgram) take(n int) []byte {
	n = min(n, len(p.data))
	b := p.data[:n]
	p.data = p.data[n:]
	return b
}

// frame builds a packet from the program: a TOC byte, then bytes shaped for
// its code, valid or not as the bytes fall.
func (p *fuzzProgram) frame() opusrt.Frame {
	toc := p.next()
	switch p.next() % 8 {
	case 0: // raw bytes, usually garbage
		return append(opusrt.Frame{toc}, p.take(int(p.next()%8))...)
	case 1: // code 3, count from the program
		return append(opusrt.Frame{toc | 3, p.next()}, p.take(int(p.next()%8))...)
	case 2: // TOC only
		return opusrt.Frame{toc &^ 3}
	case 3: // code 1, two equal frames
		return opusrt.Frame{toc&^3 | 1, p.next(), 0}
	case 4: // code 2
		return opusrt.Frame{toc&^3 | 2, 1, p.next(), 0}
	default: // 20 ms SILK, the common case
		return opusrt.Frame{tocSilk20, p.next()}
	}
}

// stamp moves the cursor by a small step, a big jump now and then.
func (p *fuzzProgram) stamp() opusrt.EpochMillis {
	op := p.next()
	switch op % 16 {
	case 0: // a jump of up to ±9 hours
		p.cursor += int64(int16(binary.BigEndian.Uint16(append(p.take(2), 0, 0)))) * 1000
	default:
		p.cursor += int64(int8(p.next()))
	}
	return opusrt.EpochMillis(p.cursor)
}

// checkBounds checks what must hold after every operation on a Buffer with
// a maximum of maxMs: the held audio and count stay bounded, and every
// frame is accounted for.
func checkBounds(t *testing.T, b *opusrt.Buffer, maxMs int) {
	t.Helper()
	s := b.Stats()
	limit := time.Duration(maxMs) * time.Millisecond
	if s.Buffered > limit || b.Buffered() > limit {
		t.Fatalf("Buffered %v over the maximum %v", s.Buffered, limit)
	}
	if n := b.Len(); n != s.BufferedPackets || n > int(limit/(2500*time.Microsecond)) {
		t.Fatalf("Len %d (stats %d) over the bound of %v", n, s.BufferedPackets, limit)
	}
	checkIdentity(t, "fuzz", s)
	// Counters stay sane whatever the stamps: a loss is at most the resync
	// threshold (beyond it, a discontinuity), so at most 2000 frames of
	// 2.5 ms; the jitter skips jumps beyond the threshold.
	if s.LostDuration < 0 || s.PlayedDuration < 0 || s.JitterBufferDelay < 0 {
		t.Fatalf("negative sums: %+v", s)
	}
	if s.LostDuration > time.Duration(s.ConcealmentEvents)*opusrt.DefaultResyncThreshold || s.PacketsLost > 2000*s.ConcealmentEvents || s.PacketsLost < s.ConcealmentEvents {
		t.Fatalf("%d frames and %v lost in %d events", s.PacketsLost, s.LostDuration, s.ConcealmentEvents)
	}
	if s.Jitter < 0 || s.Jitter > opusrt.DefaultResyncThreshold {
		t.Fatalf("Jitter %v", s.Jitter)
	}
}

func fuzzSeeds(f *testing.F) {
	f.Add([]byte{100})
	f.Add([]byte{40, 5, 0, 0, 0, 20, 5, 0, 0, 0, 20, 3, 3, 3})
	f.Add([]byte{60, 0, 9, 1, 0, 5, 5, 0, 40, 0, 1, 0, 5, 5, 0, 0, 20, 3, 3, 1, 0xff, 7, 0, 0, 20, 3, 3, 3})
	f.Add([]byte{10, 2, 5, 0, 0, 0, 10, 2, 0x48, 3, 0xa4, 4, 0x48, 0, 0, 0, 9, 3, 5, 20, 3})
	f.Add([]byte{200, 6, 0, 0x80, 0, 0, 5, 0, 0, 0, 0, 6, 0, 0x7f, 0xff, 0, 5, 0, 0, 0, 0, 3, 4})
	f.Add([]byte{30, 7, 4, 1, 2, 3, 4, 7, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0, 3})
	f.Add(bytes.Repeat([]byte{5, 0, 0, 0, 20}, 50))
}

func FuzzBuffer(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &fuzzProgram{data: data, cursor: 1_000_000}
		maxMs := 5 + int(p.next())
		clk := fakeclock.New(t0)
		b := opusrt.NewBuffer(time.Duration(maxMs)*time.Millisecond, opusrt.WithClock(clk))
		for steps := 0; p.more() && steps < 2000; steps++ {
			clk.Advance(time.Duration(p.next()%32) * time.Millisecond)
			switch op := p.next() % 8; op {
			case 0, 1, 2: // Append
				fr := p.frame()
				stamp := p.stamp()
				err := b.Append(fr, stamp)
				if fr.Valid() != !errors.Is(err, opusrt.ErrInvalidFrame) {
					t.Fatalf("Append(%x, %d) = %v", fr, stamp, err)
				}
			case 3, 4: // Frame
				got, loss, err := b.Frame()
				switch {
				case errors.Is(err, io.EOF):
					if got != nil || loss != 0 || b.Len() != 0 {
						t.Fatalf("Frame = %x, %v, EOF with %d held", got, loss, b.Len())
					}
				case err != nil:
					t.Fatalf("Frame: %v", err)
				case got == nil:
					if loss <= opusrt.StampTolerance {
						t.Fatalf("Frame: loss %v", loss)
					}
				default:
					if loss != 0 || !got.Valid() {
						t.Fatalf("Frame = %x, %v", got, loss)
					}
				}
			case 5: // Write, either header
				fr := p.frame()
				stamp := p.stamp()
				data := opusrt.ToStamped(fr, stamp)
				if p.next()%2 == 0 && stamp >= 0 {
					data[0] = 1
				}
				n, err := b.Write(data)
				if (err == nil) != (n == len(data)) || (fr.Valid() && stamp >= 0) == errors.Is(err, opusrt.ErrInvalidFrame) {
					t.Fatalf("Write(%x) = %d, %v", data, n, err)
				}
			case 6: // raw stamped bytes
				b.Write(p.take(int(p.next() % 16)))
			case 7:
				if p.next()%4 == 0 {
					b.Reset()
				}
			}
			checkBounds(t, b, maxMs)
		}
	})
}

// FuzzRealtimeBuffer drives a RealtimeBuffer on a fake clock from one
// goroutine: Frame is called only at NextDue, must not block for good, and
// after CloseWrite must drain to io.EOF in a bounded number of calls.
func FuzzRealtimeBuffer(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		synctest.Test(t, func(t *testing.T) { runRealtimeProgram(t, data) })
	})
}

func runRealtimeProgram(t *testing.T, data []byte) {
	p := &fuzzProgram{data: data, cursor: 1_000_000}
	maxMs := 5 + int(p.next())
	clk := fakeclock.New(t0)
	b := opusrt.NewBuffer(time.Duration(maxMs)*time.Millisecond, opusrt.WithClock(clk))
	delay := time.Duration(p.next()) * time.Millisecond
	opts := []opusrt.RealtimeOption{opusrt.WithPlayoutDelay(delay)}
	if delay/time.Millisecond%2 == 1 {
		// Adaptive playout on odd delays: it inserts and removes, and must
		// keep every bound checked here as well.
		opts = append(opts, opusrt.WithAdaptivePlayout(0, time.Duration(maxMs)*time.Millisecond))
	}
	r := opusrt.RealtimeFrom(b, opts...)
	defer r.Close()

	// frame calls Frame at NextDue. If it blocks there (NextDue was wrong,
	// see TestRealtimeNextDueAfterForwardJump), the clock is moved on to
	// rescue it; if no timer is armed it would block for good: a failure.
	type res struct {
		f    opusrt.Frame
		loss time.Duration
		err  error
	}
	// The audio handed out never runs ahead of the clock: before each
	// event, what was handed out since the first frame was written (or the
	// first after a Reset) is at most the time since then, plus the
	// tolerance of whole-millisecond stamps. Losses count, so an absurd
	// stamp, an overflow or a resync cannot make Frame return hours of
	// loss without waiting.
	var since time.Time
	var started bool
	var handedOut time.Duration
	bounded := func(x res) {
		if x.err != nil || !started {
			return
		}
		if ahead := handedOut - clk.Now().Sub(since); ahead > opusrt.StampTolerance {
			t.Fatalf("handed out %v of audio %v after the first frame: %v ahead of the clock", handedOut, clk.Now().Sub(since), ahead)
		}
		handedOut += x.loss + x.f.Duration()
	}
	frame := func() (x res, ok bool) {
		due, ok := r.NextDue()
		if !ok {
			return res{}, false
		}
		clk.Set(due)
		ch := make(chan res, 1)
		go func() {
			f, loss, err := r.Frame()
			ch <- res{f, loss, err}
		}()
		for range 1000 {
			synctest.Wait()
			select {
			case x := <-ch:
				bounded(x)
				return x, true
			default:
			}
			if !clk.AdvanceToNext() {
				r.Close()
				<-ch
				t.Fatalf("Frame blocks for good although NextDue said %v", due.Sub(t0))
			}
		}
		r.Close()
		<-ch
		t.Fatal("Frame does not return")
		return res{}, false
	}
	check := func(x res) {
		f, loss, err := x.f, x.loss, x.err
		switch {
		case err != nil:
			t.Fatalf("Frame: %v", err)
		case f == nil && loss <= 0:
			t.Fatalf("Frame: nil frame, loss %v", loss)
		case f != nil && (loss != 0 || !f.Valid()):
			t.Fatalf("Frame = %x, %v", f, loss)
		}
	}
	for steps := 0; p.more() && steps < 1000; steps++ {
		switch op := p.next() % 8; op {
		case 0, 1, 2, 3: // Write after a pause
			clk.Advance(time.Duration(p.next()%64) * time.Millisecond)
			fr := p.frame()
			stamp := p.stamp()
			data := opusrt.ToStamped(fr, stamp)
			n, err := r.Write(data)
			if err == nil && !started {
				since, started = clk.Now(), true
			}
			if (err == nil) != (n == len(data)) || (fr.Valid() && stamp >= 0) == errors.Is(err, opusrt.ErrInvalidFrame) {
				t.Fatalf("Write(%x) = %d, %v", data, n, err)
			}
		case 4: // raw stamped bytes: any stamp, any frame
			if _, err := r.Write(p.take(int(p.next() % 16))); err == nil && !started {
				since, started = clk.Now(), true
			}
		case 5, 6: // play what is due
			for range p.next() % 8 {
				x, ok := frame()
				if !ok {
					break
				}
				check(x)
			}
		case 7:
			if p.next()%4 == 0 {
				r.Reset()
				started, handedOut = false, 0
			}
		}
		checkBounds(t, b, maxMs)
	}
	// Drain: every held frame plays, gaps between them are single losses,
	// a jump to a new timeline comes after at most one playout delay of
	// underrun losses (of at least 2.5 ms each), then io.EOF.
	// A schedule left behind the clock (nothing was played for a while)
	// catches up at once, in steps of at least 2.5 ms.
	r.CloseWrite()
	limit := 2*b.Len() + 2 + int(delay/(2500*time.Microsecond)) + 2
	if due, ok := r.NextDue(); ok && due.Before(clk.Now()) {
		limit += int(clk.Now().Sub(due) / (2500 * time.Microsecond))
	}
	for i := 0; ; i++ {
		if i > limit {
			t.Fatalf("no io.EOF after %d Frame calls", i)
		}
		x, ok := frame()
		if !ok {
			if b.Len() != 0 {
				t.Fatalf("no schedule with %d frames held", b.Len())
			}
			break
		}
		if errors.Is(x.err, io.EOF) {
			break
		}
		check(x)
	}
	checkBounds(t, b, maxMs)
}
