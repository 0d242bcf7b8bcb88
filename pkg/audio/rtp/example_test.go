package rtp_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/opusrt/fakeclock"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
)

// A Receiver feeding a jitter buffer: datagrams in, frames and losses out
// on the sender's timeline. A real program reads the datagrams from a
// net.UDPConn and runs on the system clock; this one makes them with a
// Packetizer and moves a fake clock.
func ExampleReceiver() {
	clk := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	buf := opusrt.NewBuffer(time.Minute, opusrt.WithClock(clk))
	rx := rtp.NewReceiver(buf, rtp.WithReceiverClock(clk))

	tx := rtp.NewPacketizer(rtp.WithSSRC(0x5EED), rtp.WithInitialSequence(65534), rtp.WithInitialTimestamp(0))
	var datagram []byte
	for i := range 5 {
		frame := opusrt.Frame{0x78, byte(i)} // 20 ms each
		datagram, _ = tx.AppendPacket(datagram[:0], frame)
		if i == 2 {
			continue // lost in the network
		}
		if err := rx.Receive(datagram); err != nil && !errors.Is(err, rtp.ErrProbation) {
			fmt.Println("receive:", err)
		}
		clk.Advance(20 * time.Millisecond)
	}

	for {
		frame, loss, err := buf.Frame()
		if err != nil {
			break
		}
		if loss > 0 {
			fmt.Println("lost", loss)
			continue
		}
		fmt.Printf("frame % x\n", []byte(frame))
	}
	s := rx.Stats()
	fmt.Printf("SSRC %04x: received %d, lost %d, highest sequence %#x\n", s.SSRC, s.PacketsReceived, s.PacketsLost, s.ExtendedHighestSequence)
	// Output:
	// frame 78 00
	// frame 78 01
	// lost 20ms
	// frame 78 03
	// frame 78 04
	// SSRC 5eed: received 4, lost 1, highest sequence 0x10002
}

// A Packetizer makes the RTP packets of a stream and its sender reports.
// Without options the SSRC, first sequence number and first timestamp are
// random; fixed here so the output is the same every time.
func ExamplePacketizer() {
	clk := fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tx := rtp.NewPacketizer(rtp.WithSSRC(0x01020304), rtp.WithInitialSequence(1), rtp.WithInitialTimestamp(0), rtp.WithSenderClock(clk))
	for i := range 3 {
		if i == 2 {
			tx.Skip(40 * time.Millisecond) // silence not sent (DTX)
		}
		pkt, _ := tx.Packetize(opusrt.Frame{0x78, 0xAA})
		fmt.Printf("seq %d ts %4d marker %-5v % x\n", pkt.SequenceNumber, pkt.Timestamp, pkt.Marker, pkt.AppendTo(nil))
		clk.Advance(20 * time.Millisecond)
	}
	sr := tx.SenderReport(clk.Now())
	fmt.Printf("SR: RTP time %d, %d packets, %d bytes\n", sr.RTPTime, sr.PacketCount, sr.OctetCount)
	// Output:
	// seq 1 ts    0 marker true  80 ef 00 01 00 00 00 00 01 02 03 04 78 aa
	// seq 2 ts  960 marker false 80 6f 00 02 00 00 03 c0 01 02 03 04 78 aa
	// seq 3 ts 3840 marker true  80 ef 00 03 00 00 0f 00 01 02 03 04 78 aa
	// SR: RTP time 4800, 3 packets, 6 bytes
}

// Classify tells the datagrams that may share one port apart by their
// first two bytes.
func ExampleClassify() {
	for _, d := range [][]byte{
		{0x80, 0x6f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x78},
		{0x81, 0xc9, 0, 7, 0, 0, 0, 1},
		opusrt.ToStamped(opusrt.Frame{0x78}, 1767225600000),
		[]byte("hello"),
	} {
		fmt.Println(rtp.Classify(d))
	}
	// Output:
	// RTP
	// RTCP
	// stamped
	// unknown
}
