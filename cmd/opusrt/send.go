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

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/spf13/cobra"
)

func newSendCmd(e *env) *cobra.Command {
	var (
		nf     netFlags
		to     string
		loop   bool
		asJSON bool
	)
	c := &cobra.Command{
		Use:   "send [IN.opus] --to HOST:PORT",
		Short: "Stream a file over UDP in real time, one stamped frame per datagram",
		Long: `send streams the packets of IN.opus to HOST:PORT over UDP as they would leave a
live encoder: one stamped frame per datagram (an 8-byte big-endian stamp in
epoch milliseconds, then the Opus packet), each sent when its audio starts on
the real clock. The network options impair the stream on the way out (by
default there are none); --loop starts the file again at its end, with stamps
that go on, until Ctrl-C.

Without IN.opus, send streams the embedded speech sample; "-" reads stdin.
At the end it prints what it sent (stderr, or stdout with --json).`,
		Example: `  opusrt send talk.opus --to 127.0.0.1:7400
  opusrt send --to 127.0.0.1:7400 --loss 5 --burst 3 --jitter 20ms --reorder 2
  opusrt send talk.opus --to 192.168.1.20:7400 --loop     # soak test until Ctrl-C`,
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
			return send(cmd.Context(), e, name, to, cfg, loop, asJSON)
		},
	}
	c.Flags().StringVar(&to, "to", "", "where to send: HOST:PORT of opusrt recv")
	c.Flags().BoolVar(&loop, "loop", false, "start the file again at its end, until Ctrl-C")
	c.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON on stdout")
	nf.add(c.Flags(), netFlags{dist: defaultNet.dist, seed: 1})
	return c
}

// sendSummary is what send did. Lost and duplicated are the simulated
// impairments; Datagrams = Packets − Lost + Duplicated.
type sendSummary struct {
	To         string  `json:"to"`
	Packets    int     `json:"packets"`
	Lost       int     `json:"lost"`
	Duplicated int     `json:"duplicated"`
	Datagrams  int     `json:"datagrams"`
	Refused    int     `json:"refused"`
	AudioMs    float64 `json:"audio_ms"`
	Network    string  `json:"network"`
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

func send(ctx context.Context, e *env, name, to string, cfg netSpec, loop, asJSON bool) error {
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
	conn, err := net.Dial("udp", to)
	if err != nil {
		return fmt.Errorf("--to %s: %v", to, netErr(err))
	}
	defer conn.Close()
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
		// The next thing to do: take packet i (at its send time) or send
		// the earliest queued datagram (at its arrival time).
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
				return sendDone(e, sum, asJSON)
			case <-timer.C:
			}
		} else if ctx.Err() != nil {
			return sendDone(e, sum, asJSON)
		}
		if takePacket {
			at := start.Add(p.send)
			data := opusrt.ToStamped(p.frame, opusrt.FromTime(start.Add(p.pos)))
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
		if _, err := conn.Write(d.data); err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) {
				sum.Refused++ // nobody listening yet: UDP goes on
				continue
			}
			return fmt.Errorf("--to %s: %v", to, netErr(err))
		}
		sum.Datagrams++
	}
	return sendDone(e, sum, asJSON)
}

func sendDone(e *env, s sendSummary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	fmt.Fprintf(e.stderr, "sent %d packets (%s of audio) to %s in %d datagrams: %d lost and %d duplicated by the simulated network",
		s.Packets, fmtDur(time.Duration(s.AudioMs*float64(time.Millisecond))), s.To, s.Datagrams, s.Lost, s.Duplicated)
	if s.Refused > 0 {
		fmt.Fprintf(e.stderr, "; %d refused (nothing listening)", s.Refused)
	}
	fmt.Fprintln(e.stderr)
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
