package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/opusrt"
	"github.com/haivivi/giztoy/pkg/audio/sdp"
	"github.com/spf13/cobra"
)

// defaultListen is where recv listens unless told otherwise: loopback only.
const defaultListen = "127.0.0.1:7400"

// maxFill is the most loss recv writes for one gap: no decoder conceals
// more, and a hostile stamp must not make hours of fill. A longer gap is
// recorded as this much.
const maxFill = opusrt.DefaultResyncThreshold

// defaultRecvPlayout is recv's playout delay. A recorder trades latency
// for completeness: every frame that arrives less than this late is
// recorded, and nothing waits for it at the end (what is held is written
// at once). Half a second absorbs a sender's scheduling stalls (GStreamer
// on a loaded machine pauses 300 ms) and most network jitter.
const defaultRecvPlayout = 500 * time.Millisecond

// reportInterval is the mean time between receiver reports.
const reportInterval = time.Second

func newRecvCmd(e *env) *cobra.Command {
	var (
		listen  string
		out     string
		idle    time.Duration
		playout time.Duration
		asJSON  bool
		pt      int
		sdpFile string
		serial  uint32
	)
	c := &cobra.Command{
		Use:   "recv -o OUT.opus [--listen HOST:PORT]",
		Short: "Record a UDP stream of RTP or stamped frames through the jitter buffer",
		Long: `recv listens on UDP for an Opus stream, in RTP (RFC 3550 and RFC 7587: WebRTC,
SIP phones, ffmpeg -f rtp, GStreamer rtpopuspay, opusrt send --rtp) or as
stamped frames (opusrt send, or a device: one frame per datagram, an 8-byte
stamp then the packet), told apart by their first byte, and plays it through
a RealtimeBuffer, in real time, into OUT.opus with every loss filled, so the
file keeps the real timeline. A gap longer than 5 s (a pause, or a stamp
that jumps) is recorded as 5 s. A status line on stderr (on a terminal)
shows what was received, lost and late, the jitter and what is buffered.

RTP: the payload type is the first dynamic one (96-127) that carries Opus,
unless --pt or --sdp (the SDP file the sender wrote, as ffmpeg prints and
opusrt send --sdp writes) names it. recv sends RTCP receiver reports about
every second: back where the sender's RTCP comes from (on the RTP port when
it multiplexes RTCP, as WebRTC does), else to its RTP port + 1; it takes
RTCP on its own port + 1 when that is free.

recv follows the first sender that sends valid audio (two frames that
agree); datagrams that are not valid audio, and those of other senders, are
counted and ignored. When the followed sender has sent nothing valid for
1 s, the next sender of valid audio takes its place (a device that
restarted from another port, or with a new SSRC), and what it sent in that
second (up to 16 KiB) is recorded too: its stream starts in the recording
where it took over, stamped or RTP alike, so a quick restart loses
nothing and leaves up to 1 s of fill.

It listens on loopback unless --listen names another address (0.0.0.0:PORT
for every interface). It stops on Ctrl-C, SIGTERM, or when no valid audio
has come for --idle (counted from the first datagram until audio comes);
then it writes at once everything it holds and finishes the file, so
nothing received is lost. A second Ctrl-C stops at once; the file holds
every page written so far. On a write error (a full disk) the file keeps
what was written. The exit status is 1 when no valid audio was recorded.
"-o -" writes the stream to stdout.`,
		Example: `  opusrt recv -o rec.opus                      # listen on 127.0.0.1:7400
  opusrt recv --listen 0.0.0.0:7400 -o rec.opus --idle 30s
  opusrt recv -o - | opusdec - rec.wav
  opusrt recv --sdp stream.sdp -o rec.opus     # RTP: port and payload type from the SDP`,
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
			if pt < -1 || pt > 127 {
				return usagef("--pt %d: want an RTP payload type from 0 to 127", pt)
			}
			if sdpFile != "" {
				sess, err := readSDP(sdpFile)
				if err != nil {
					return err
				}
				if cmd.Flags().Changed("pt") && pt != int(sess.PayloadType) {
					return usagef("--pt %d, but %s says payload type %d", pt, sdpFile, sess.PayloadType)
				}
				pt = int(sess.PayloadType)
				if !cmd.Flags().Changed("listen") {
					listen = net.JoinHostPort(sess.Address, strconv.Itoa(sess.Port))
				}
			}
			o := recvOptions{listen: listen, out: out, idle: idle, playout: playout, json: asJSON, pt: pt}
			if cmd.Flags().Changed("serial") {
				o.serial = opusrt.WithSerial(serial)
			}
			return recv(cmd.Context(), e, o)
		},
	}
	c.Flags().StringVar(&listen, "listen", defaultListen, "UDP address to listen on")
	c.Flags().StringVarP(&out, "output", "o", "", "Ogg Opus file to record to (\"-\" for stdout)")
	c.Flags().DurationVar(&idle, "idle", 5*time.Second, "stop when no valid audio has come for this long (0: never)")
	c.Flags().DurationVar(&playout, "playout-delay", defaultRecvPlayout, "how long the buffer holds the first frame before playing it: the most a frame may be late and still be recorded")
	c.Flags().BoolVar(&asJSON, "json", false, "print the final summary as JSON (on stderr when -o -)")
	c.Flags().StringVar(&sdpFile, "sdp", "", "SDP file of the RTP stream: its payload type, and its address and port unless --listen is given")
	c.Flags().Uint32Var(&serial, "serial", 0, "Ogg stream serial number of the recording, decimal or 0x hex (default: random)")
	c.Flags().IntVar(&pt, "pt", -1, "RTP payload type of the Opus stream (default: the first dynamic type, 96-127, that carries Opus)")
	return c
}

type recvOptions struct {
	listen, out   string
	idle, playout time.Duration
	json          bool
	pt            int              // RTP payload type expected; −1: any dynamic one
	serial        opusrt.OggOption // the Ogg serial number; nil: random
}

// recvSummary is what recv received and recorded. The packet counts are the
// buffer's Stats; Datagrams counts the followed stream's valid audio,
// Ignored the datagrams of other senders, Invalid those of the followed
// sender that were not valid audio, NotAudio those before any valid audio.
type recvSummary struct {
	Listen            string       `json:"listen"`
	Sender            string       `json:"sender,omitempty"`
	Datagrams         int64        `json:"datagrams"`
	Ignored           int64        `json:"ignored"`
	OtherSenders      int          `json:"other_senders"`
	MoreSenders       bool         `json:"more_other_senders,omitempty"` // more than other_senders were seen
	Takeovers         int          `json:"takeovers"`
	NotAudio          int64        `json:"not_audio"`
	Invalid           int64        `json:"invalid"`
	Received          uint64       `json:"received"`
	Played            uint64       `json:"played"`
	Late              uint64       `json:"late"`
	Duplicate         uint64       `json:"duplicate"`
	Dropped           uint64       `json:"dropped"`
	Resynced          uint64       `json:"resynced"`
	Resyncs           uint64       `json:"resyncs"`
	Left              uint64       `json:"left_in_buffer"`
	Concealed         uint64       `json:"concealed_packets"`
	ConcealmentEvents uint64       `json:"concealment_events"`
	ConcealedMs       float64      `json:"concealed_ms"`
	CappedGaps        int          `json:"capped_gaps"`
	UnfilledMs        float64      `json:"unfilled_ms"`
	JitterMs          float64      `json:"jitter_ms"`
	BufferDelayMs     float64      `json:"jitter_buffer_delay_mean_ms"`
	Output            string       `json:"output"`
	Serial            serialNumber `json:"serial"`
	OutputMs          float64      `json:"output_ms"`
	OutputBytes       int64        `json:"output_bytes"`
	Stopped           string       `json:"stopped"`
	WriteError        string       `json:"write_error,omitempty"`
	RTP               *rtpSummary  `json:"rtp,omitempty"`
}

// rtpSummary is what the RTP receiver counted, when the stream followed
// was RTP: the RFC 3550 reception statistics its receiver reports carry.
type rtpSummary struct {
	SSRC            serialNumber `json:"ssrc"`
	PayloadType     int          `json:"payload_type"`
	Streams         uint64       `json:"streams"`
	Packets         uint64       `json:"packets"`
	Lost            int64        `json:"lost"`
	Duplicated      uint64       `json:"duplicated"`
	Invalid         uint64       `json:"invalid"`
	Ignored         uint64       `json:"ignored"`
	DTXGaps         uint64       `json:"dtx_gaps"`
	JitterMs        float64      `json:"jitter_ms"`
	SenderReports   uint64       `json:"sender_reports"`
	ReceiverReports int          `json:"receiver_reports"`
	RTCPMuxed       bool         `json:"rtcp_mux"`
}

// recorder writes what the buffer plays into the file: frames, and each
// loss before a frame filled, capped at maxFill. The loss after the last
// frame (the underrun when the sender stops) is not written.
type recorder struct {
	ow      *opusrt.OggWriter
	rec     *recording
	pending time.Duration // loss not yet written
	trail   uint64        // loss events in pending
	capped  int           // gaps longer than maxFill
	unfill  time.Duration // loss not written because of the cap
	fill    time.Duration // loss written
	fillEv  uint64        // loss events written
	frames  uint64        // frames written
	flushed time.Time
}

// take writes one event of a FrameReader.
func (w *recorder) take(f opusrt.Frame, loss time.Duration) error {
	if f == nil {
		w.pending += loss
		w.trail++
		return nil
	}
	if w.pending > 0 {
		fill := w.pending
		if fill > maxFill {
			w.capped++
			w.unfill += fill - maxFill
			fill = maxFill
		}
		if err := w.ow.WriteLoss(fill); err != nil {
			return err
		}
		w.fill += fill
		w.fillEv += w.trail
	}
	w.pending, w.trail = 0, 0
	if err := w.ow.Write(f); err != nil {
		return err
	}
	w.frames++
	if now := time.Now(); now.Sub(w.flushed) >= time.Second {
		// A page at least every second reaches the file, so a crash
		// loses little.
		w.flushed = now
		return w.ow.Flush()
	}
	return nil
}

// drain writes every frame b holds, at once, without waiting for real
// time: what the buffer held when input stopped.
func (w *recorder) drain(b *opusrt.Buffer) error {
	for {
		f, loss, err := b.Frame()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := w.take(f, loss); err != nil {
			return err
		}
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
	conn.SetReadBuffer(4 << 20) // room for a burst; the kernel may give less
	rec, err := createRecording(e, o.out)
	if err != nil {
		return err
	}
	defer rec.Close()
	ow, err := opusrt.NewOggWriter(rec, 0, opusrt.WithTags("", "ENCODER=opusrt recv"), o.serial)
	if err != nil {
		return err
	}
	listen := conn.LocalAddr().String()
	fmt.Fprintf(e.stderr, "listening on %s, recording to %s (Ctrl-C to stop)\n", listen, o.out)

	buf := opusrt.NewBuffer(0)
	rtb := opusrt.RealtimeFrom(buf, opusrt.WithPlayoutDelay(o.playout))
	rc := newReceiver(rtb, o.pt, opusrt.SystemClock())
	// RTCP comes on the RTP port + 1 unless the sender multiplexes it on
	// the RTP port; when that port is taken, reports go out from the RTP
	// port and RTCP is taken only multiplexed.
	rtcpConn, _ := net.ListenUDP("udp", &net.UDPAddr{IP: conn.LocalAddr().(*net.UDPAddr).IP, Port: conn.LocalAddr().(*net.UDPAddr).Port + 1})
	var reading sync.WaitGroup
	reading.Add(1)
	stopped := make(chan string, 1)
	go func() {
		defer reading.Done()
		stopped <- rc.run(conn, o.idle)
	}()
	if rtcpConn != nil {
		defer rtcpConn.Close()
		go rc.runRTCP(rtcpConn)
	}
	reportsDone := make(chan struct{})
	go func() {
		// Receiver reports about every second (RFC 3550 §6.3.1 randomises
		// the interval by 0.5–1.5 so that receivers do not synchronise);
		// shorter than the RFC's 5 s so that a short stream gets some.
		var b []byte
		for {
			t := time.NewTimer(time.Duration((0.5 + rand.Float64()) * float64(reportInterval)))
			select {
			case now := <-t.C:
				b = rc.report(conn, rtcpConn, now, b)
			case <-reportsDone:
				t.Stop()
				return
			}
		}
	}()

	// Stop on a signal or when the reader stops: the reader takes what the
	// socket holds, the playout loop ends at once, and what the buffer
	// holds is written without waiting.
	why := make(chan string, 1)
	finished := make(chan struct{})
	go func() {
		w := ""
		select {
		case <-ctx.Done():
			w = "interrupted"
		case w = <-stopped:
		case <-finished:
		}
		rc.stop()
		reading.Wait()
		close(reportsDone)
		rc.report(conn, rtcpConn, time.Now(), nil) // the last, on all that came
		conn.Close()
		if rtcpConn != nil {
			rtcpConn.Close()
		}
		rtb.Close()
		why <- w
	}()

	w := &recorder{ow: ow, rec: rec, flushed: time.Now()}
	tty := isTerminal(e.stderr) && !o.json
	var lastStatus time.Time
	var werr error
	for {
		f, loss, err := rtb.Frame()
		if err != nil {
			break // io.EOF: stopped
		}
		if werr = w.take(f, loss); werr != nil {
			break
		}
		if now := time.Now(); tty && now.Sub(lastStatus) >= 250*time.Millisecond {
			lastStatus = now
			fmt.Fprintf(e.stderr, "\r\033[K%s", statusLine(rc, rtb.Stats()))
		}
	}
	close(finished)
	stop := <-why
	if werr == nil {
		werr = w.drain(buf)
	}
	if werr == nil {
		werr = ow.Close()
	}
	if cerr := rec.Close(); werr == nil {
		werr = cerr
	}
	if tty {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if stop == "" {
		stop = "stopped"
	}
	sum := summarize(rc, rtb.Stats(), w, listen, o.out, stop)
	if werr != nil {
		werr = writeError(o.out, rec, werr)
		sum.WriteError = werr.Error()
		sum.OutputMs = ms(rec.Kept()) // what the file plays
	}
	if o.json {
		dst := e.stdout
		if o.out == "-" {
			dst = e.stderr
		}
		enc := json.NewEncoder(dst)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil && werr == nil {
			werr = err
		}
	} else if werr == nil && w.frames > 0 {
		printRecvSummary(e.stderr, sum)
	}
	if werr != nil {
		return werr
	}
	if w.frames == 0 {
		c, _, _, _, _ := rc.counts()
		return fmt.Errorf("%s; %s holds an empty stream", noAudioReason(c, listen, o.pt), o.out)
	}
	return nil
}

// readSDP reads the session description of the stream to receive.
func readSDP(name string) (*sdp.Session, error) {
	text, err := os.ReadFile(name)
	if err != nil {
		return nil, fileError(name, err)
	}
	if len(text) > 1<<20 {
		return nil, fmt.Errorf("--sdp %s: %d bytes is no session description", name, len(text))
	}
	// ffmpeg -f rtp prints the description after a line "SDP:"; take
	// what was copied from its output as well as an -sdp_file.
	text = bytes.TrimPrefix(bytes.TrimLeft(text, " \t\r\n"), []byte("SDP:"))
	text = bytes.TrimLeft(text, " \t\r\n")
	sess, err := sdp.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("--sdp %s: %w", name, err)
	}
	if sess.Encrypted() {
		return nil, fmt.Errorf("--sdp %s: the stream is SRTP (%s), encrypted; recv records plain RTP (take it from a gateway that forwards plain RTP)", name, sess.Protocol)
	}
	return sess, nil
}

// writeError says that writing the recording failed, how much it keeps,
// and why, in one line.
func writeError(name string, rec *recording, err error) error {
	// The cause alone ("no space left on device"): the file is named, and
	// the library's layers add nothing the user can act on.
	for errors.Unwrap(err) != nil {
		err = errors.Unwrap(err)
	}
	return fmt.Errorf("%s: write failed after %d bytes: %v; the file keeps the %s recorded before", name, rec.whole, err, fmtDuration(rec.Kept()))
}

func summarize(rc *receiver, s opusrt.Stats, w *recorder, listen, out, stop string) recvSummary {
	c, followed, ok, others, more := rc.counts()
	sum := recvSummary{
		Listen: listen, Datagrams: c.Audio, Ignored: c.Ignored, OtherSenders: others, MoreSenders: more,
		Takeovers: c.Takeovers, NotAudio: c.Datagrams - c.Audio - c.Invalid - c.Ignored,
		Invalid: c.Invalid, Received: s.PacketsReceived,
		Played: s.PacketsPlayed, Late: s.PacketsLate, Duplicate: s.PacketsDuplicated,
		Dropped: s.PacketsDropped, Resynced: s.PacketsResynced, Resyncs: s.Resyncs,
		Left: s.PacketsCleared + uint64(s.BufferedPackets),
		// The underrun after the last frame is in Stats but not in the file.
		Concealed: s.PacketsLost - min(w.trail, s.PacketsLost), ConcealmentEvents: w.fillEv,
		ConcealedMs: ms(w.fill), CappedGaps: w.capped, UnfilledMs: ms(w.unfill),
		JitterMs: ms(s.Jitter), BufferDelayMs: ms(s.MeanJitterBufferDelay()), Output: out,
		Serial: serialNumber(w.ow.Serial()), OutputMs: ms(w.ow.Duration()), OutputBytes: w.rec.whole, Stopped: stop,
	}
	if ok {
		sum.Sender = followed.String()
	}
	if ok && followed.rtp {
		rs := rc.rtp.Stats()
		rc.mu.Lock()
		sum.RTP = &rtpSummary{
			SSRC: serialNumber(rs.SSRC), PayloadType: rs.PayloadType, Streams: rs.Streams,
			Packets: rs.PacketsReceived, Lost: rs.PacketsLost, Duplicated: rs.PacketsDuplicated,
			Invalid: rs.PacketsInvalid, Ignored: rs.PacketsIgnored, DTXGaps: rs.DTXGaps,
			JitterMs: ms(rs.Jitter), SenderReports: rs.SenderReports,
			ReceiverReports: rc.reports, RTCPMuxed: rc.rtcpMuxed,
		}
		rc.mu.Unlock()
	}
	return sum
}

func statusLine(rc *receiver, s opusrt.Stats) string {
	line := fmt.Sprintf("received %d  lost %d  late %d  jitter %s  buffered %s",
		s.PacketsReceived, s.PacketsLost, s.PacketsLate, fmtDuration(s.Jitter), fmtDuration(s.Buffered))
	if c, _, _, _, _ := rc.counts(); c.Ignored > 0 {
		line += fmt.Sprintf("  ignored %d", c.Ignored)
	}
	return line
}

func printRecvSummary(w io.Writer, s recvSummary) {
	// The counts add up: received = played + late + duplicate + dropped +
	// resynced.
	other := fmt.Sprintf(", dropped %d, resynced %d", s.Dropped, s.Resynced)
	if s.Resyncs > 0 {
		other += fmt.Sprintf(" (%d resyncs)", s.Resyncs)
	}
	if s.Left > 0 {
		other += fmt.Sprintf(", left in the buffer %d", s.Left)
	}
	fill := fmtDuration(time.Duration(s.ConcealedMs * float64(time.Millisecond)))
	if s.CappedGaps > 0 {
		fill += fmt.Sprintf(", %d gaps of more than %s recorded as %s", s.CappedGaps, fmtDuration(maxFill), fmtDuration(maxFill))
	}
	fmt.Fprintf(w, "%s: received %d packets from %s: played %d, late %d, duplicate %d%s; invalid %d;"+
		" concealed %d packets in %d events (%s); jitter %s; %s (%d bytes) written to %s\n",
		s.Stopped, s.Received, s.Sender, s.Played, s.Late, s.Duplicate, other, s.Invalid,
		s.Concealed, s.ConcealmentEvents, fill,
		fmtDuration(time.Duration(s.JitterMs*float64(time.Millisecond))),
		fmtDuration(time.Duration(s.OutputMs*float64(time.Millisecond))), s.OutputBytes, s.Output)
	if r := s.RTP; r != nil {
		rtcp := "on its RTP port + 1"
		if r.RTCPMuxed {
			rtcp = "multiplexed on its RTP port"
		}
		fmt.Fprintf(w, "RTP: SSRC %v, payload type %d, %d stream(s): %d packets, %d lost, %d duplicated, jitter %s; %d sender reports received, %d receiver reports sent %s\n",
			r.SSRC, r.PayloadType, r.Streams, r.Packets, r.Lost, r.Duplicated,
			fmtDuration(time.Duration(r.JitterMs*float64(time.Millisecond))), r.SenderReports, r.ReceiverReports, rtcp)
	}
	if s.Ignored > 0 || s.NotAudio > 0 || s.Takeovers > 0 {
		fmt.Fprintf(w, "ignored %d datagrams from %s other sender(s), %d that came before valid audio; %d takeovers\n",
			s.Ignored, sendersText(s.OtherSenders, s.MoreSenders), s.NotAudio, s.Takeovers)
	}
}

// fmtDuration prints a duration in the one style of recv and send: Go's, as
// the flags take it, rounded to what matters (0.1 ms under a second, 1 ms
// under a minute, 0.1 s beyond).
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Second && d > -time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute && d > -time.Minute:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
