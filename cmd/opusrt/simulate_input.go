package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/haivivi/giztoy/pkg/audio/codec/opus"
	"github.com/haivivi/giztoy/pkg/audio/opusrt"
)

// sentPacket is one packet as the sender sends it.
type sentPacket struct {
	frame opusrt.Frame
	stamp opusrt.EpochMillis
	// pos is where the packet's audio starts in the stream sent, on the
	// sender's clock: the input's damage and repeats included, save its
	// jumps (see maxInputGap).
	pos time.Duration
	// send is when it is sent, from the start, on the receiver's clock.
	send time.Duration
	// link is the input's link it belongs to (with sourceOptions.trim;
	// else nil).
	link *linkMeta
}

// linkMeta is what -o needs of one link of a chained input: its headers,
// and its end trimming once its end was read.
type linkMeta struct {
	header opusrt.OggHeader
	tags   opusrt.OggTags
	trim   int // 48 kHz samples
}

// same reports whether links a and b play alike (one header, one set of
// tags): consecutive passes of a one-link input are one link of -o.
func (a *linkMeta) same(b *linkMeta) bool {
	ha, hb := a.header, b.header
	return ha.Channels == hb.Channels && ha.PreSkip == hb.PreSkip && ha.InputSampleRate == hb.InputSampleRate &&
		ha.OutputGain == hb.OutputGain && ha.MappingFamily == hb.MappingFamily && ha.StreamCount == hb.StreamCount &&
		ha.CoupledCount == hb.CoupledCount && slices.Equal(ha.ChannelMapping, hb.ChannelMapping) &&
		a.tags.Vendor == b.tags.Vendor && slices.Equal(a.tags.Comments, b.tags.Comments)
}

// sourceOptions say how a packetSource sends its input.
type sourceOptions struct {
	// trim asks for the input's end trimming, for -o (it costs a second
	// scan of the input as it is read).
	trim bool
	// repeat sends the input again and again, stamps going on, until
	// limit of audio is sent, or for ever when limit is 0.
	repeat bool
	// limit stops the sending once this much audio is sent; 0: no limit.
	limit time.Duration
	// sendTime, when not nil, maps where a packet's audio starts on the
	// sender's clock (its stamp) to when it is sent on the receiver's:
	// a sender's clock that drifts.
	sendTime func(pos time.Duration) time.Duration
}

// packetSource reads the input's packets as they are sent, one at a time,
// so that nothing of the input is held beyond the packet being sent.
// Packets are sent back to back, each when its audio starts; damage in
// the input (reported as loss by the reader) leaves a gap in the stamps,
// as a sender that lost audio would.
type packetSource struct {
	name   string // for messages: the file, "(stdin)" or the sample
	header opusrt.OggHeader
	tags   opusrt.OggTags

	e        *env
	arg      string // the input as named on the command line
	opts     sourceOptions
	stdin    []byte // with repeat, stdin read whole, to read again
	in       *input
	reader   *opusrt.OggReader
	pos      time.Duration // where the next packet starts
	jumped   time.Duration // the stamps' lead over pos: the input's jumps
	passLen  time.Duration // the input's length, once read to its end
	passSent int           // packets sent in this pass
	sent     int
	done     bool
	whole    bool // the last packet sent was the input's last

	// With sourceOptions.trim, the first pass is read link by link
	// (Multistream(false)), to sum the links' playback lengths.
	linkwise bool
	playback int64     // of the links read to their end, 48 kHz samples
	link     *linkMeta // the link being read (with sourceOptions.trim)
	first    *linkMeta // the first link, where a pass starts again

	// With repeat, a small input's first pass is kept (memo) and the
	// later passes replay it: they cost no reading and parsing.
	memo      []memoItem
	memoBytes int
	memoOff   bool // the input is too large to keep
	replay    int  // with memo complete: the next item to replay, from 1
}

// memoItem is what the reader returned: a frame, or a loss (frame nil).
type memoItem struct {
	frame opusrt.Frame
	loss  time.Duration
	link  *linkMeta
}

// maxInputGap is the longest loss in the input (a damaged or hostile
// file: a page's granule 2⁶² after a missing page) that is sent as a gap
// of the stream: beyond it, the buffers' resync threshold, the sender's
// stamps jump instead, and the sending goes on at once, as a sender whose
// clock jumped would, so that nothing waits for the gap, and no output
// fills it.
const maxInputGap = opusrt.DefaultResyncThreshold

// maxInputJump bounds one jump of the stamps, and maxJumped all of them,
// so that no stamp leaves the range the wire format carries.
const (
	maxInputJump = time.Hour
	maxJumped    = 100 * 365 * 24 * time.Hour
)

// maxMemoBytes is the largest input kept to be replayed by repeat.
const maxMemoBytes = 4 << 20

// read returns the next frame or loss of the input, from the reader or
// the memo.
func (s *packetSource) read() (opusrt.Frame, time.Duration, error) {
	if s.replay > 0 {
		if s.replay > len(s.memo) {
			return nil, 0, io.EOF
		}
		it := s.memo[s.replay-1]
		s.replay++
		s.link = it.link
		return it.frame, it.loss, nil
	}
	f, loss, err := s.reader.Frame()
	for err == io.EOF && s.linkwise {
		// The end of a link: its playback length is known.
		l := s.reader.Link()
		s.playback += l.PlaybackSamples()
		s.link.trim = int(l.EndTrim)
		if err = s.reader.NextLink(); err == nil {
			nl := s.reader.Link()
			s.link = &linkMeta{header: nl.Header, tags: nl.Tags}
			f, loss, err = s.reader.Frame()
		} else if err == io.EOF {
			s.linkwise = false // the input's end: every link was summed
		} else {
			// A link that cannot be read: no trimming to trust.
			s.linkwise, s.playback = false, 0
			s.reader.Multistream(true)
			f, loss, err = s.reader.Frame()
		}
	}
	if err == nil && s.opts.repeat && !s.memoOff {
		s.memoBytes += len(f) + 16
		if s.memoBytes > maxMemoBytes {
			s.memo, s.memoOff = nil, true
		} else {
			s.memo = append(s.memo, memoItem{frame: f, loss: loss, link: s.link})
		}
	}
	return f, loss, err
}

// openSource opens the named input (see openInput) and reads its headers.
func openSource(e *env, name string, o sourceOptions) (*packetSource, error) {
	in, err := openInput(e, name)
	if err != nil {
		return nil, err
	}
	s := &packetSource{name: in.name, e: e, arg: name, opts: o, in: in}
	if name == "-" {
		s.name = "(stdin)"
		if o.repeat {
			// Stdin cannot be read twice: keep it.
			if s.stdin, err = io.ReadAll(in); err != nil {
				return nil, fmt.Errorf("%s: %v", s.name, err)
			}
			in.Reader = bytes.NewReader(s.stdin)
		}
	}
	s.reader, err = opusrt.NewOggReader(in)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %s", s.name, trimPrefix(err))
	}
	if o.trim {
		s.linkwise = true
		s.reader.Multistream(false)
		s.link = &linkMeta{header: s.reader.Header, tags: s.reader.Tags}
		s.first = s.link
	}
	s.header, s.tags = s.reader.Header, s.reader.Tags
	return s, nil
}

// Next returns the next packet to send, or io.EOF after the last.
func (s *packetSource) Next() (sentPacket, error) {
	for !s.done {
		if s.opts.limit > 0 && s.pos >= s.opts.limit {
			s.stop()
			break
		}
		f, loss, err := s.read()
		if err == io.EOF {
			if s.passLen == 0 {
				s.passLen = s.pos
			}
			s.whole = true
			if !s.opts.repeat || s.passSent == 0 {
				s.stop()
				break
			}
			if err := s.again(); err != nil {
				return sentPacket{}, err
			}
			continue
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			continue // truncated: every complete packet was returned
		}
		if errors.Is(err, opusrt.ErrHeader) {
			continue // a later link's damaged header: its audio is read on
		}
		if err != nil {
			return sentPacket{}, fmt.Errorf("%s: %s", s.name, trimPrefix(err))
		}
		if f == nil {
			if loss > maxInputGap {
				// No sender waits this out: its stamps jump, and it
				// sends on.
				if s.jumped < maxJumped {
					s.jumped += min(loss, maxInputJump)
				}
				continue
			}
			s.pos += loss
			continue
		}
		p := sentPacket{frame: f, stamp: opusrt.FromTime(simStart.Add(s.pos + s.jumped)), pos: s.pos, send: s.pos, link: s.link}
		if s.opts.sendTime != nil {
			p.send = s.opts.sendTime(s.pos)
		}
		s.sent++
		s.passSent++
		s.whole = false
		s.pos += f.Duration()
		return p, nil
	}
	return sentPacket{}, io.EOF
}

// stop ends the sending: at the limit, it looks whether the input was
// sent to its end, for the end trimming.
func (s *packetSource) stop() {
	s.done = true
	if !s.whole && s.opts.trim {
		for {
			f, _, err := s.read()
			if err == io.EOF {
				s.whole = true
			}
			if f == nil && errors.Is(err, io.ErrUnexpectedEOF) {
				continue
			}
			break
		}
	}
}

// again starts the input again, for repeat.
func (s *packetSource) again() error {
	s.passSent = 0
	if !s.memoOff {
		s.replay = 1
		return nil
	}
	// Read through (Multistream): the links of later passes are not told
	// apart, and take the first one's place in -o.
	s.link = s.first
	s.in.Close()
	if s.stdin != nil {
		s.in = &input{Reader: bytes.NewReader(s.stdin), name: s.in.name}
	} else {
		in, err := openInput(s.e, s.arg)
		if err != nil {
			return err
		}
		s.in = in
	}
	r, err := opusrt.NewOggReader(s.in)
	if err != nil {
		return fmt.Errorf("%s: %s", s.name, trimPrefix(err))
	}
	s.reader = r
	return nil
}

// Duration returns the audio sent so far, the input's damage included:
// after the last packet, the length of the stream sent.
func (s *packetSource) Duration() time.Duration { return s.pos }

// Trim returns the end trimming (48 kHz samples) that makes an output of
// the stream sent play as long as the input: the packets' length less the
// pre-skip, less the input's playback length (final granule − pre-skip,
// summed over the links of a chained input). It is 0 without
// sourceOptions.trim, before the input's end, when the stream sent does
// not end where the input does (a limit cut it), or when the input's
// granules cannot be read. A repeated input is trimmed at its last end.
func (s *packetSource) Trim() int {
	if !s.opts.trim || !s.done || !s.whole {
		return 0
	}
	playback := s.playback
	if playback <= 0 {
		return 0
	}
	packets := int64(s.passLen * opus.SampleRate / time.Second)
	return int(max(0, packets-int64(s.header.PreSkip)-playback))
}

// Close closes the input.
func (s *packetSource) Close() error {
	return s.in.Close()
}
