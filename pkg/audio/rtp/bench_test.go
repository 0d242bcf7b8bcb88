package rtp_test

import (
	"testing"
	"time"

	"github.com/haivivi/giztoy/internal/samples"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// speechPackets returns the RTP datagrams of the speech sample, 20 ms
// frames as a voice device sends them, and their total size.
func speechPackets(b *testing.B) ([][]byte, int) {
	tx := rtp.NewPacketizer(rtp.WithSSRC(1), rtp.WithInitialSequence(0), rtp.WithInitialTimestamp(0))
	var ds [][]byte
	n := 0
	for _, f := range sampleFramesB(b) {
		d, err := tx.AppendPacket(nil, f)
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, d)
		n += len(d)
	}
	return ds, n
}

func sampleFramesB(b *testing.B) []opusrt.Frame {
	data, err := samples.ReadFile(samples.Speech)
	if err != nil {
		b.Fatal(err)
	}
	return framesOf(b, data)
}

func BenchmarkPacketUnmarshal(b *testing.B) {
	ds, n := speechPackets(b)
	b.SetBytes(int64(n / len(ds)))
	b.ReportAllocs()
	var p rtp.Packet
	for i := 0; b.Loop(); i++ {
		if err := p.Unmarshal(ds[i%len(ds)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketizer(b *testing.B) {
	frames := sampleFramesB(b)
	tx := rtp.NewPacketizer()
	b.ReportAllocs()
	var dst []byte
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	b.SetBytes(int64(n / len(frames)))
	for i := 0; b.Loop(); i++ {
		var err error
		if dst, err = tx.AppendPacket(dst[:0], frames[i%len(frames)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReceiver is the receive path of a recorder: each datagram
// through the Receiver into a Buffer (directly, and through StampedSink as
// a RealtimeBuffer takes it), and read out again.
func BenchmarkReceiver(b *testing.B) {
	ds, n := speechPackets(b)
	for _, bc := range []struct {
		name string
		sink func(*opusrt.Buffer) rtp.Sink
	}{
		{"Buffer", func(buf *opusrt.Buffer) rtp.Sink { return buf }},
		{"StampedSink", func(buf *opusrt.Buffer) rtp.Sink { return rtp.StampedSink(buf) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			clk := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			buf := opusrt.NewBuffer(time.Hour, opusrt.WithClock(clk))
			rx := rtp.NewReceiver(bc.sink(buf), rtp.WithReceiverClock(clk), rtp.WithoutProbation())
			b.SetBytes(int64(n / len(ds)))
			b.ReportAllocs()
			// Packets keep their own timestamps across loops of the file:
			// re-stamp a copy each time round.
			var p rtp.Packet
			wire := make([]byte, 0, 1500)
			for i := 0; b.Loop(); i++ {
				if err := p.Unmarshal(ds[i%len(ds)]); err != nil {
					b.Fatal(err)
				}
				p.SequenceNumber = uint16(i)
				p.Timestamp = uint32(960 * i)
				wire = p.AppendTo(wire[:0])
				clk.Advance(20 * time.Millisecond)
				if err := rx.Receive(wire); err != nil {
					b.Fatal(err)
				}
				if _, _, err := buf.Frame(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshalRTCP(b *testing.B) {
	tx := rtp.NewPacketizer()
	report := tx.AppendReport(nil, time.Now())
	b.SetBytes(int64(len(report)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rtp.UnmarshalRTCP(report); err != nil {
			b.Fatal(err)
		}
	}
}
