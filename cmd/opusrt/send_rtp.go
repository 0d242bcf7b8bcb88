package main

import (
	encbin "encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/rtp"
	"github.com/haivivi/giztoy/pkg/audio/sdp"
)

// wire is how send puts frames on the network: stamped frames, or RTP.
type wire interface {
	// datagram returns the datagram that carries frame, whose audio
	// starts at at on the sender's clock.
	datagram(frame opusrt.Frame, at time.Time) ([]byte, error)
	// write sends a datagram; due is when the simulated network delivers
	// it.
	write(b []byte, due time.Time) error
	// finish ends the stream: for RTP, the last sender report, then a wait
	// for the receiver's report on it.
	finish()
	close()
}

// stampedWire sends stamped frames on a connected socket.
type stampedWire struct{ conn net.Conn }

func (w *stampedWire) datagram(frame opusrt.Frame, at time.Time) ([]byte, error) {
	return opusrt.ToStamped(frame, opusrt.FromTime(at)), nil
}

func (w *stampedWire) write(b []byte, _ time.Time) error {
	_, err := w.conn.Write(b)
	return err
}

func (w *stampedWire) finish() {}
func (w *stampedWire) close()  { w.conn.Close() }

// rtpOptions are send's RTP flags.
type rtpOptions struct {
	pt      uint8
	ssrc    uint32
	setSSRC bool
	sdpFile string
}

// senderReportInterval is the mean time between sender reports: about a
// second (randomised by 0.5–1.5, RFC 3550 §6.3.1), shorter than the RFC's
// 5 s so that a short stream gets some.
const senderReportInterval = time.Second

// finalReportWait is how long send waits at the end for a receiver report
// on the whole stream, once a receiver has sent any.
const finalReportWait = 2 * time.Second

// byeAfter is the least time between the last packet and the BYE: a
// receiver that reads its RTCP port before its RTP port (ffmpeg) and
// stops on the BYE must have had the last packet first.
const byeAfter = 100 * time.Millisecond

// rtpWire sends RTP from one port and RTCP from the next (RFC 3550 §11),
// or from the same one when the next is taken; it reads the receiver
// reports on both.
type rtpWire struct {
	pz         *rtp.Packetizer
	to         *net.UDPAddr
	rtpConn    *net.UDPConn
	rtcpConn   *net.UDPConn // nil: RTCP goes out of rtpConn
	stop       chan struct{}
	done       sync.WaitGroup
	lastWrite  time.Time
	lastSeq    uint16
	sentAny    bool
	jitter     jitterMeter   // over the delivery times drawn
	sentJitter jitterMeter   // over the times the datagrams left
	rrArrived  chan struct{} // a token per receiver report
	mu         sync.Mutex
	sum        sendRTPSummary
	rttSum     time.Duration
	rttCount   int
	lastReport time.Time
}

// sendRTPSummary is what send --rtp sent and what the receiver reported.
type sendRTPSummary struct {
	SSRC            serialNumber `json:"ssrc"`
	PayloadType     uint8        `json:"payload_type"`
	SenderReports   int          `json:"sender_reports"`
	ReceiverReports int          `json:"receiver_reports"`
	// From the last receiver report.
	ReportedLost     int32   `json:"reported_lost"`
	ReportedFraction float64 `json:"reported_fraction_lost"`
	ReportedJitterMs float64 `json:"reported_jitter_ms"`
	ReportedHighest  uint32  `json:"reported_highest_sequence"`
	// The round-trip time (RFC 3550 §6.4.1) of the last report, and the
	// mean over the reports that gave one.
	RTTMs     float64 `json:"rtt_ms"`
	RTTMeanMs float64 `json:"rtt_mean_ms"`
	// DrawnJitterMs is the interarrival jitter (RFC 3550 §6.4.1) of the
	// delivery times the simulated network drew: what the receiver should
	// measure, the loopback's own jitter aside.
	DrawnJitterMs float64 `json:"drawn_jitter_ms"`
	// SentJitterMs is the same over the times the datagrams left, which
	// adds the lateness of the sender's timer to what was drawn.
	SentJitterMs float64 `json:"sent_jitter_ms"`
	SDP          string  `json:"sdp,omitempty"`
}

func newRTPWire(e *env, to string, o rtpOptions) (*rtpWire, error) {
	ra, err := net.ResolveUDPAddr("udp", to)
	if err != nil {
		return nil, fmt.Errorf("--to %s: %v", to, netErr(err))
	}
	network := "udp4"
	if ra.IP.To4() == nil {
		network = "udp6"
	}
	rtpConn, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, fmt.Errorf("--to %s: %v", to, netErr(err))
	}
	la := rtpConn.LocalAddr().(*net.UDPAddr)
	rtcpConn, _ := net.ListenUDP(network, &net.UDPAddr{IP: la.IP, Port: la.Port + 1})
	opts := []rtp.PacketizerOption{rtp.WithSendPayloadType(o.pt)}
	if o.setSSRC {
		opts = append(opts, rtp.WithSSRC(o.ssrc))
	}
	w := &rtpWire{
		pz: rtp.NewPacketizer(opts...), to: ra, rtpConn: rtpConn, rtcpConn: rtcpConn,
		stop: make(chan struct{}), rrArrived: make(chan struct{}, 64),
	}
	w.sum.SSRC, w.sum.PayloadType = serialNumber(w.pz.SSRC()), o.pt
	if o.sdpFile != "" {
		if err := writeSDP(o.sdpFile, ra, o.pt); err != nil {
			w.close()
			return nil, err
		}
		w.sum.SDP = o.sdpFile
	}
	w.done.Add(1)
	go w.readReports(rtpConn)
	if rtcpConn != nil {
		w.done.Add(1)
		go w.readReports(rtcpConn)
	}
	w.done.Add(1)
	go w.sendReports()
	return w, nil
}

// writeSDP writes the description a receiver needs of the stream to ra:
// ffmpeg -protocol_whitelist file,udp,rtp -i FILE, VLC, GStreamer.
func writeSDP(name string, ra *net.UDPAddr, pt uint8) error {
	s := sdp.NewSession(ra.IP.String(), ra.Port, pt)
	s.Name = "opusrt send"
	text, err := s.Marshal()
	if err != nil {
		return fmt.Errorf("--sdp %s: %w", name, err)
	}
	if err := os.WriteFile(name, text, 0o644); err != nil {
		return fileError(name, err)
	}
	return nil
}

func (w *rtpWire) datagram(frame opusrt.Frame, _ time.Time) ([]byte, error) {
	return w.pz.AppendPacket(nil, frame)
}

func (w *rtpWire) write(b []byte, due time.Time) error {
	_, err := w.rtpConn.WriteToUDP(b, w.to)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	w.mu.Lock()
	now := time.Now()
	w.jitter.add(due, encbin.BigEndian.Uint32(b[4:8]))
	w.sentJitter.add(now, encbin.BigEndian.Uint32(b[4:8]))
	w.lastWrite, w.lastSeq, w.sentAny = now, encbin.BigEndian.Uint16(b[2:4]), true
	w.mu.Unlock()
	return nil
}

// rtcpTo returns where RTCP goes: the RTP port + 1.
func (w *rtpWire) rtcpTo() *net.UDPAddr {
	return &net.UDPAddr{IP: w.to.IP, Port: w.to.Port + 1, Zone: w.to.Zone}
}

// sendReport sends a sender report; with bye, a BYE after it (RFC 3550
// §6.6: the stream ends, and receivers such as ffmpeg stop at once).
func (w *rtpWire) sendReport(now time.Time, bye bool) {
	conn := w.rtcpConn
	if conn == nil {
		conn = w.rtpConn
	}
	b := w.pz.AppendReport(nil, now)
	if bye {
		b = rtp.AppendRTCP(b, &rtp.Goodbye{Sources: []uint32{w.pz.SSRC()}})
	}
	if _, err := conn.WriteToUDP(b, w.rtcpTo()); err == nil {
		w.mu.Lock()
		w.sum.SenderReports++
		w.mu.Unlock()
	}
}

// sendReports sends a sender report about every senderReportInterval,
// from the first packet on.
func (w *rtpWire) sendReports() {
	defer w.done.Done()
	for {
		t := time.NewTimer(time.Duration((0.5 + rand.Float64()) * float64(senderReportInterval)))
		select {
		case now := <-t.C:
			w.mu.Lock()
			any := w.sentAny
			w.mu.Unlock()
			if any {
				w.sendReport(now, false)
			}
		case <-w.stop:
			t.Stop()
			return
		}
	}
}

// readReports reads RTCP on conn and keeps the report blocks about our
// stream, with the round trip each gives.
func (w *rtpWire) readReports(conn *net.UDPConn) {
	defer w.done.Done()
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFromUDP(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		now := time.Now()
		if rtp.Classify(buf[:n]) != rtp.KindRTCP {
			continue
		}
		pkts, err := rtp.UnmarshalRTCP(buf[:n])
		if err != nil {
			continue
		}
		for _, p := range pkts {
			var blocks []rtp.ReportBlock
			switch p := p.(type) {
			case *rtp.ReceiverReport:
				blocks = p.Reports
			case *rtp.SenderReport:
				blocks = p.Reports
			}
			for _, b := range blocks {
				if b.SSRC == w.pz.SSRC() {
					w.took(b, now)
				}
			}
		}
	}
}

func (w *rtpWire) took(b rtp.ReportBlock, now time.Time) {
	w.mu.Lock()
	s := &w.sum
	s.ReceiverReports++
	s.ReportedLost = b.CumulativeLost
	s.ReportedFraction = float64(b.FractionLost) / 256
	s.ReportedJitterMs = float64(b.Jitter) / 48
	s.ReportedHighest = b.ExtendedHighestSequence
	if rtt, ok := rtp.RoundTripTime(now, b); ok {
		s.RTTMs = ms(rtt)
		w.rttSum += rtt
		w.rttCount++
		s.RTTMeanMs = ms(w.rttSum / time.Duration(w.rttCount))
	}
	w.lastReport = now
	w.mu.Unlock()
	select {
	case w.rrArrived <- struct{}{}:
	default:
	}
}

// finish sends the last sender report and, when the receiver has sent
// reports, waits up to finalReportWait for one that covers the last
// packet: made after it arrived, with its sequence number. Then it says
// BYE.
func (w *rtpWire) finish() {
	w.sendReport(time.Now(), false)
	w.waitReport()
	w.mu.Lock()
	wait := byeAfter - time.Since(w.lastWrite)
	w.mu.Unlock()
	time.Sleep(wait)
	w.sendReport(time.Now(), true)
}

func (w *rtpWire) waitReport() {
	w.mu.Lock()
	waiting := w.sum.ReceiverReports > 0
	w.mu.Unlock()
	if !waiting {
		return
	}
	deadline := time.NewTimer(finalReportWait)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		covered := uint16(w.sum.ReportedHighest) == w.lastSeq && w.lastReport.After(w.lastWrite)
		w.mu.Unlock()
		if covered {
			return
		}
		select {
		case <-w.rrArrived:
		case <-deadline.C:
			return
		}
	}
}

func (w *rtpWire) summary() *sendRTPSummary {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sum
	s.DrawnJitterMs = ms(w.jitter.jitter())
	s.SentJitterMs = ms(w.sentJitter.jitter())
	return &s
}

func (w *rtpWire) close() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.rtpConn.Close()
	if w.rtcpConn != nil {
		w.rtcpConn.Close()
	}
	w.done.Wait()
}

// jitterMeter is the interarrival jitter of RFC 3550 §6.4.1 over arrival
// times and 48 kHz RTP timestamps.
type jitterMeter struct {
	started bool
	transit float64 // the previous packet's, in samples
	j       float64 // in samples
}

func (m *jitterMeter) add(arrival time.Time, ts uint32) {
	// Transit in samples, relative: the arrival on a 48 kHz clock, minus
	// the timestamp, both modulo 2³² so that the difference survives the
	// wrap.
	t := float64(int32(uint32(arrival.UnixMicro()*48/1000) - ts))
	if m.started {
		d := t - m.transit
		if d < 0 {
			d = -d
		}
		m.j += (d - m.j) / 16
	}
	m.started, m.transit = true, t
}

func (m *jitterMeter) jitter() time.Duration {
	return time.Duration(m.j / 48000 * float64(time.Second))
}
