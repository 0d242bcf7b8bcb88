package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/spf13/cobra"
)

// defaultListen is where recv listens unless told otherwise: loopback only.
const defaultListen = "127.0.0.1:7400"

func newRecvCmd(e *env) *cobra.Command {
	var (
		listen  string
		out     string
		idle    time.Duration
		playout time.Duration
		asJSON  bool
	)
	c := &cobra.Command{
		Use:   "recv -o OUT.opus [--listen HOST:PORT]",
		Short: "Record a UDP stream of stamped frames through the jitter buffer",
		Long: `recv listens for stamped Opus frames on UDP (as opusrt send or a device sends
them: one frame per datagram, an 8-byte stamp then the packet) and plays them
through a RealtimeBuffer, in real time, into OUT.opus with every loss filled,
so the file keeps the real timeline. A status line on stderr (on a terminal)
shows what was received, lost and late, the jitter and what is buffered.

recv locks onto the first sender: datagrams from any other address are
counted and ignored. It listens on loopback unless --listen names another
address (0.0.0.0:PORT for every interface). It stops on Ctrl-C, SIGTERM, or
when nothing has come for --idle after the first datagram, and then plays out
what it holds and finishes the file, so nothing received is lost. "-o -"
writes the stream to stdout.`,
		Example: `  opusrt recv -o rec.opus                      # listen on 127.0.0.1:7400
  opusrt recv --listen 0.0.0.0:7400 -o rec.opus --idle 30s
  opusrt recv -o - | opusdec - rec.wav`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("recv takes no arguments (got %q): name the output with -o", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("recv needs -o OUT.opus (\"-\" for stdout)")
			}
			if idle < 0 || playout < 0 {
				return usagef("--idle and --playout-delay must not be negative")
			}
			return recv(cmd.Context(), e, recvOptions{listen: listen, out: out, idle: idle, playout: playout, json: asJSON})
		},
	}
	c.Flags().StringVar(&listen, "listen", defaultListen, "UDP address to listen on")
	c.Flags().StringVarP(&out, "output", "o", "", "Ogg Opus file to record to (\"-\" for stdout)")
	c.Flags().DurationVar(&idle, "idle", 5*time.Second, "stop when nothing has come for this long after the first datagram (0: never)")
	c.Flags().DurationVar(&playout, "playout-delay", opusrt.DefaultPlayoutDelay, "how long the buffer holds the first frame before playing it")
	c.Flags().BoolVar(&asJSON, "json", false, "print the final summary as JSON (on stderr when -o -)")
	return c
}

type recvOptions struct {
	listen, out   string
	idle, playout time.Duration
	json          bool
}

// recvSummary is what recv received and recorded. The packet counts are the
// buffer's Stats; Ignored counts datagrams from senders other than the
// first, Invalid those that were not stamped Opus frames.
type recvSummary struct {
	Listen            string  `json:"listen"`
	Sender            string  `json:"sender,omitempty"`
	Datagrams         int64   `json:"datagrams"`
	Ignored           int64   `json:"ignored"`
	OtherSenders      int     `json:"other_senders"`
	Invalid           uint64  `json:"invalid"`
	Received          uint64  `json:"received"`
	Played            uint64  `json:"played"`
	Late              uint64  `json:"late"`
	Duplicate         uint64  `json:"duplicate"`
	Dropped           uint64  `json:"dropped"`
	Resynced          uint64  `json:"resynced"`
	Resyncs           uint64  `json:"resyncs"`
	Left              uint64  `json:"left_in_buffer"`
	Concealed         uint64  `json:"concealed_packets"`
	ConcealmentEvents uint64  `json:"concealment_events"`
	ConcealedMs       float64 `json:"concealed_ms"`
	JitterMs          float64 `json:"jitter_ms"`
	BufferDelayMs     float64 `json:"jitter_buffer_delay_mean_ms"`
	Output            string  `json:"output"`
	OutputMs          float64 `json:"output_ms"`
	Stopped           string  `json:"stopped"`
}

// receiver reads datagrams into the buffer, locked onto the first sender.
type receiver struct {
	conn      *net.UDPConn
	rtb       *opusrt.RealtimeBuffer
	idle      time.Duration
	datagrams atomic.Int64
	ignored   atomic.Int64

	mu     sync.Mutex
	sender *net.UDPAddr
	others map[string]bool
}

// run reads until the connection is closed or idle; it returns why it
// stopped.
func (r *receiver) run() string {
	buf := make([]byte, 64<<10)
	for {
		if r.idle > 0 && r.datagrams.Load() > 0 {
			r.conn.SetReadDeadline(time.Now().Add(r.idle))
		}
		n, from, err := r.conn.ReadFromUDP(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fmt.Sprintf("idle for %v", r.idle)
			}
			return "" // closed by the caller
		}
		r.mu.Lock()
		if r.sender == nil {
			r.sender = from
		}
		mine := r.sender.IP.Equal(from.IP) && r.sender.Port == from.Port
		if !mine {
			r.others[from.String()] = true
		}
		r.mu.Unlock()
		if !mine {
			r.ignored.Add(1)
			continue
		}
		r.datagrams.Add(1)
		r.rtb.Write(buf[:n]) // late, duplicate, invalid: counted in Stats
	}
}

func recv(ctx context.Context, e *env, o recvOptions) error {
	addr, err := net.ResolveUDPAddr("udp", o.listen)
	if err != nil {
		return usagef("--listen %s: %v", o.listen, netErr(err))
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return fmt.Errorf("--listen %s: %v", o.listen, netErr(err))
	}
	defer conn.Close()
	out, err := createOutput(e, o.out, false)
	if err != nil {
		return err
	}
	ow, err := opusrt.NewOggWriter(out, 0, opusrt.WithTags("", "ENCODER=opusrt recv"))
	if err != nil {
		out.Abort()
		return err
	}
	status := e.stderr
	if o.json && o.out != "-" {
		status = io.Discard
	}
	fmt.Fprintf(status, "listening on %s, recording to %s (Ctrl-C to stop)\n", conn.LocalAddr(), o.out)

	rtb := opusrt.RealtimeFrom(opusrt.NewBuffer(0), opusrt.WithPlayoutDelay(o.playout))
	rc := &receiver{conn: conn, rtb: rtb, idle: o.idle, others: map[string]bool{}}
	stopped := make(chan string, 1)
	go func() { stopped <- rc.run() }()

	// Stop on a signal or when the reader stops; then play out what is
	// held and end.
	var why atomic.Value
	why.Store("")
	finished := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			why.Store("interrupted")
		case w := <-stopped:
			why.Store(w)
		case <-finished:
			return
		}
		conn.Close()
		rtb.CloseWrite()
		// Playing out what is held takes about a playout delay; never
		// wait much longer than that.
		t := time.NewTimer(o.playout + 2*time.Second)
		defer t.Stop()
		select {
		case <-t.C:
			rtb.Close()
		case <-finished:
		}
	}()

	tty := isTerminal(e.stderr) && status == e.stderr
	var (
		lastStatus, lastFlush time.Time
		werr                  error
		// Losses are written when the next frame comes: the underrun
		// after the sender's last frame is not recorded.
		pending     time.Duration
		trailEvents uint64
	)
	for {
		f, loss, err := rtb.Frame()
		if err == io.EOF {
			break
		}
		if err != nil {
			werr = err
			break
		}
		if f == nil {
			pending += loss
			trailEvents++
			continue
		}
		if pending > 0 {
			if werr = ow.WriteLoss(pending); werr != nil {
				break
			}
		}
		pending, trailEvents = 0, 0
		if werr = ow.Write(f); werr != nil {
			break
		}
		if now := time.Now(); now.Sub(lastFlush) >= time.Second {
			// A page at least every second reaches the file, so a crash
			// loses little.
			lastFlush = now
			if werr = ow.Flush(); werr == nil {
				werr = out.Sync()
			}
			if werr != nil {
				break
			}
		}
		if now := time.Now(); tty && now.Sub(lastStatus) >= 250*time.Millisecond {
			lastStatus = now
			fmt.Fprintf(e.stderr, "\r\033[K%s", statusLine(rc, rtb.Stats()))
		}
	}
	close(finished)
	conn.Close()
	if tty {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if werr != nil {
		rtb.Close()
		out.Abort()
		return werr
	}
	if err := ow.Close(); err != nil {
		out.Abort()
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}

	s := rtb.Stats()
	w, _ := why.Load().(string)
	if w == "" {
		w = "stopped"
	}
	rc.mu.Lock()
	sum := recvSummary{
		Listen: conn.LocalAddr().String(), Datagrams: rc.datagrams.Load(), Ignored: rc.ignored.Load(),
		OtherSenders: len(rc.others), Invalid: s.PacketsInvalid, Received: s.PacketsReceived,
		Played: s.PacketsPlayed, Late: s.PacketsLate, Duplicate: s.PacketsDuplicated,
		Dropped: s.PacketsDropped, Resynced: s.PacketsResynced, Resyncs: s.Resyncs,
		Left: s.PacketsCleared + uint64(s.BufferedPackets),
		// The underrun after the last frame is in Stats but not in the file.
		Concealed:         s.PacketsLost - min(trailEvents, s.PacketsLost),
		ConcealmentEvents: s.ConcealmentEvents - min(trailEvents, s.ConcealmentEvents),
		ConcealedMs:       ms(s.LostDuration - pending),
		JitterMs:          ms(s.Jitter), BufferDelayMs: ms(s.MeanJitterBufferDelay()), Output: o.out,
		OutputMs: ms(ow.Duration()), Stopped: w,
	}
	if rc.sender != nil {
		sum.Sender = rc.sender.String()
	}
	rc.mu.Unlock()
	if o.json {
		dst := e.stdout
		if o.out == "-" {
			dst = e.stderr
		}
		enc := json.NewEncoder(dst)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	printRecvSummary(e.stderr, sum)
	return nil
}

func statusLine(rc *receiver, s opusrt.Stats) string {
	line := fmt.Sprintf("received %d  lost %d  late %d  jitter %.1f ms  buffered %.0f ms",
		s.PacketsReceived, s.PacketsLost, s.PacketsLate, ms(s.Jitter), ms(s.Buffered))
	if n := rc.ignored.Load(); n > 0 {
		line += fmt.Sprintf("  ignored %d", n)
	}
	return line
}

func printRecvSummary(w io.Writer, s recvSummary) {
	if s.Sender == "" {
		fmt.Fprintf(w, "%s: nothing received on %s; %s holds an empty stream\n", s.Stopped, s.Listen, s.Output)
		return
	}
	// The counts add up: received = played + late + duplicate + dropped +
	// resynced (+ left, when recv had to stop before playing all out).
	other := fmt.Sprintf(", dropped %d, resynced %d", s.Dropped, s.Resynced)
	if s.Resyncs > 0 {
		other += fmt.Sprintf(" (%d resyncs)", s.Resyncs)
	}
	if s.Left > 0 {
		other += fmt.Sprintf(", left in the buffer %d", s.Left)
	}
	fmt.Fprintf(w, "%s: received %d packets from %s: played %d, late %d, duplicate %d%s; invalid %d;"+
		" concealed %d packets in %d events (%s); jitter %s; %s written to %s\n",
		s.Stopped, s.Received, s.Sender, s.Played, s.Late, s.Duplicate, other, s.Invalid,
		s.Concealed, s.ConcealmentEvents, fmtDur(time.Duration(s.ConcealedMs*float64(time.Millisecond))),
		fmtDur(time.Duration(s.JitterMs*float64(time.Millisecond))),
		fmtDur(time.Duration(s.OutputMs*float64(time.Millisecond))), s.Output)
	if s.Ignored > 0 {
		fmt.Fprintf(w, "ignored %d datagrams from %d other sender(s)\n", s.Ignored, s.OtherSenders)
	}
}
