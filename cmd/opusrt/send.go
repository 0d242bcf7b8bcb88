package main

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

func newSendCmd(e *env) *cobra.Command {
	var (
		nf     netFlags
		to     string
		loop   bool
		asJSON bool
		useRTP bool
		ro     rtpOptions
		pt     int
	)
	c := &cobra.Command{
		Use:   "send [IN.opus] --to HOST:PORT",
		Short: "Stream a file over UDP in real time, as stamped frames or RTP",
		Long: `send streams the packets of IN.opus to HOST:PORT over UDP as they would leave a
live encoder: one stamped frame per datagram (an 8-byte big-endian stamp in
epoch milliseconds, then the Opus packet), each sent when its audio starts on
the real clock. The network options impair the stream on the way out (by
default there are none); --loop starts the file again at its end, with stamps
that go on, until Ctrl-C.

With --rtp it sends RTP instead (RFC 3550, RFC 7587: one Opus packet per RTP
packet, a random SSRC, sequence and timestamp start), payload type --pt
(111, as browsers use), from a port P, and RTCP sender reports about every
second from P + 1 to HOST:PORT + 1; it reads the receiver reports that come
back on either and prints the loss, jitter and round-trip time they give. At
the end it waits up to 2 s for a report on the whole stream, then says BYE.
--sdp FILE writes, before the first packet, the session description a
receiver needs (ffmpeg -protocol_whitelist file,udp,rtp -i FILE, VLC,
opusrt recv --sdp FILE).

Without IN.opus, send streams the embedded speech sample; "-" reads stdin.
At the end it prints what it sent (stderr, or stdout with --json).`,
		Example: `  opusrt send talk.opus --to 127.0.0.1:7400
  opusrt send --to 127.0.0.1:7400 --loss 5 --burst 3 --jitter 20ms --reorder 2
  opusrt send talk.opus --to 192.168.1.20:7400 --loop     # soak test until Ctrl-C
  opusrt send talk.opus --rtp --sdp s.sdp --to 127.0.0.1:5004 --loss 5`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("send takes one input file, got %d", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return usagef("send needs --to HOST:PORT, where opusrt recv listens")
			}
			if err := checkSendAddr(to); err != nil {
				return err
			}
			cfg, err := nf.config()
			if err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			if !useRTP {
				for _, f := range []string{"pt", "ssrc", "sdp"} {
					if cmd.Flags().Changed(f) {
						return usagef("--%s is for RTP: add --rtp", f)
					}
				}
			}
			if pt < 0 || pt > 127 {
				return usagef("--pt %d: want an RTP payload type from 0 to 127 (96-127 for Opus)", pt)
			}
			ro.pt, ro.setSSRC = uint8(pt), cmd.Flags().Changed("ssrc")
			var rtpOpts *rtpOptions
			if useRTP {
				rtpOpts = &ro
			}
			return send(cmd.Context(), e, name, to, cfg, loop, asJSON, rtpOpts)
		},
	}
	c.Flags().StringVar(&to, "to", "", "where to send: HOST:PORT of opusrt recv")
	c.Flags().BoolVar(&loop, "loop", false, "start the file again at its end, until Ctrl-C")
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON on stdout")
	c.Flags().BoolVar(&useRTP, "rtp", false, "send RTP (RFC 3550, RFC 7587) with RTCP sender reports, instead of stamped frames")
	c.Flags().IntVar(&pt, "pt", 111, "RTP payload type (111, as browsers use)")
	c.Flags().Uint32Var(&ro.ssrc, "ssrc", 0, "RTP SSRC (default: random)")
	c.Flags().StringVar(&ro.sdpFile, "sdp", "", "with --rtp, write the SDP a receiver needs to this file before the first packet")
	nf.add(c.Flags(), netFlags{dist: defaultNet.dist, seed: 1})
	return c
}

// sendSummary is what send did. Lost and duplicated are the simulated
// impairments; Datagrams = Packets − Lost + Duplicated.
type sendSummary struct {
	To         string          `json:"to"`
	Packets    int             `json:"packets"`
	Lost       int             `json:"lost"`
	Duplicated int             `json:"duplicated"`
	Datagrams  int             `json:"datagrams"`
	Refused    int             `json:"refused"`
	AudioMs    float64         `json:"audio_ms"`
	Network    string          `json:"network"`
	RTP        *sendRTPSummary `json:"rtp,omitempty"`
}

// datagram is a stamped frame waiting for its time to leave.
type datagram struct {
	at   time.Time
	seq  int // send order, to keep equal times in order
	data []byte
}

type datagramHeap []datagram

func (h datagramHeap) Len() int { return len(h) }
func (h datagramHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h datagramHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *datagramHeap) Push(x any)   { *h = append(*h, x.(datagram)) }
func (h *datagramHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func send(ctx context.Context, e *env, name, to string, cfg netSpec, loop, asJSON bool, ro *rtpOptions) error {
	src, err := openSource(e, name, sourceOptions{repeat: loop || cfg.duration > 0, limit: cfg.duration, sendTime: cfg.sendTime})
	if err != nil {
		return err
	}
	defer src.Close()
	p, err := src.Next()
	if err == io.EOF {
		return fmt.Errorf("%s: no audio packets to send", src.name)
	}
	if err != nil {
		return err
	}
	havePacket := true
	var w wire
	var rw *rtpWire
	if ro != nil {
		if rw, err = newRTPWire(e, to, *ro); err != nil {
			return err
		}
		w = rw
	} else {
		conn, err := net.Dial("udp", to)
		if err != nil {
			return fmt.Errorf("--to %s: %v", to, netErr(err))
		}
		w = &stampedWire{conn}
	}
	defer w.close()
	done := func(sum sendSummary) error {
		if rw != nil {
			if ctx.Err() == nil {
				w.finish()
			} else {
				rw.sendReport(time.Now(), true) // interrupted: BYE at once
			}
			sum.RTP = rw.summary()
		}
		return sendDone(e, sum, asJSON)
	}
	link, err := cfg.newLink()
	if err != nil {
		return err
	}

	sum := sendSummary{To: to, Network: cfg.String()}
	start := time.Now()
	var (
		queue datagramHeap
		seq   int
		arr   []time.Time
		timer = time.NewTimer(0)
	)
	<-timer.C
	defer timer.Stop()
	for {
		// The next thing to do: take the next packet (at its send time) or
		// send the earliest queued datagram (at its arrival time).
		var next time.Time
		takePacket := havePacket
		if havePacket {
			next = start.Add(p.send)
		}
		if len(queue) > 0 && (!havePacket || queue[0].at.Before(next)) {
			next = queue[0].at
			takePacket = false
		}
		if !takePacket && len(queue) == 0 {
			break
		}
		if d := time.Until(next); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				timer.Stop()
				return done(sum)
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return done(sum)
		}
		if takePacket {
			at := start.Add(p.send)
			// The stamp is the packet's place on the sender's (drifting)
			// timeline, which --drift sets apart from its send time.
			data, err := w.datagram(p.frame, start.Add(p.pos))
			if err != nil {
				return err
			}
			arr = link.AppendSend(arr[:0], at)
			sum.Packets++
			sum.AudioMs += ms(p.frame.Duration())
			switch len(arr) {
			case 0:
				sum.Lost++
			case 2:
				sum.Duplicated++
			}
			for _, t := range arr {
				heap.Push(&queue, datagram{at: t, seq: seq, data: data})
				seq++
			}
			if p, err = src.Next(); err == io.EOF {
				havePacket = false
			} else if err != nil {
				return err
			}
			continue
		}
		d := heap.Pop(&queue).(datagram)
		if err := w.write(d.data, d.at); err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				sum.Refused++ // nobody listening yet: UDP goes on
				continue
			}
			return fmt.Errorf("--to %s: %v", to, netErr(err))
		}
		sum.Datagrams++
	}
	return done(sum)
}

func sendDone(e *env, s sendSummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Fprintf(e.stderr, "sent %d packets (%s of audio) to %s in %d datagrams: %d lost and %d duplicated by the simulated network",
		s.Packets, fmtDuration(time.Duration(s.AudioMs*float64(time.Millisecond))), s.To, s.Datagrams, s.Lost, s.Duplicated)
	if s.Refused > 0 {
		fmt.Fprintf(e.stderr, "; %d refused (nothing listening)", s.Refused)
	}
	fmt.Fprintln(e.stderr)
	if r := s.RTP; r != nil {
		fmt.Fprintf(e.stderr, "RTP: SSRC %v, payload type %d, %d sender reports", r.SSRC, r.PayloadType, r.SenderReports)
		if r.SDP != "" {
			fmt.Fprintf(e.stderr, ", SDP in %s", r.SDP)
		}
		if r.ReceiverReports == 0 {
			fmt.Fprintln(e.stderr, "; no receiver report came back")
			return nil
		}
		fmt.Fprintf(e.stderr, "; %d receiver reports, the last: %d lost (%.1f%% in its interval), jitter %s",
			r.ReceiverReports, r.ReportedLost, 100*r.ReportedFraction, fmtDuration(time.Duration(r.ReportedJitterMs*float64(time.Millisecond))))
		if r.RTTMs > 0 || r.RTTMeanMs > 0 {
			fmt.Fprintf(e.stderr, "; round trip %s (mean %s)", fmtDuration(time.Duration(r.RTTMs*float64(time.Millisecond))),
				fmtDuration(time.Duration(r.RTTMeanMs*float64(time.Millisecond))))
		}
		fmt.Fprintln(e.stderr)
	}
	return nil
}

// checkSendAddr checks that to is an address one can send to: HOST:PORT
// with a host that resolves and a port from 1 to 65535.
func checkSendAddr(to string) error {
	addr, err := net.ResolveUDPAddr("udp", to)
	if err != nil {
		return usagef("--to %s: %v (want HOST:PORT)", to, netErr(err))
	}
	if addr.Port == 0 {
		return usagef("--to %s: port 0 is no port to send to (want HOST:PORT, PORT from 1 to 65535)", to)
	}
	return nil
}

// netErr strips the operation and addresses Go puts in front of a network
// error, which the caller's message already names.
func netErr(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	var se interface{ Unwrap() error }
	if errors.As(err, &se) {
		if errors.Is(err, syscall.EADDRINUSE) {
			return errors.New("address already in use (is another opusrt recv running?)")
		}
		if errors.Is(err, syscall.EACCES) {
			return errors.New("permission denied (ports below 1024 need privileges)")
		}
		if errors.Is(err, syscall.EADDRNOTAVAIL) {
			return errors.New("this machine has no such address")
		}
	}
	return err
}
