package ogg

import (
	"errors"
	"fmt"
)

// DefaultMaxPacketSize is the MaxPacketSize a Reassembler uses when its own
// is 0: 16 MiB, room for any real codec packet, cover art included.
const DefaultMaxPacketSize = 16 << 20

// ErrSerial reports a page given to a Reassembler of another stream.
var ErrSerial = errors.New("ogg: page of another logical stream")

// Packet is one packet of a logical stream, as a Reassembler returns it.
type Packet struct {
	// Data is the packet. It aliases the page it was read from or the
	// Reassembler's buffer, and is valid only until the next call to
	// PageIn or Packet: copy what you keep.
	Data []byte
	// Granule is the page's granule position when this packet is the last
	// one completed on its page, and -1 otherwise (as libogg reports it).
	Granule int64
	// Sequence is the sequence number of the page the packet completes on.
	Sequence uint32
	// BOS reports that the packet completes on the stream's first page.
	BOS bool
	// EOS reports that the packet is the last one completed on the
	// stream's last page.
	EOS bool
	// Hole reports that data of the stream was lost just before this
	// packet: a page sequence gap, or a packet dropped because its start
	// was lost, it was cut short, or it grew past MaxPacketSize.
	Hole bool
	// Offset is where Data starts in the Body of the page it completes
	// on, or −1 when the packet was continued across pages and Data is
	// the Reassembler's buffer. A reader that keeps the page can keep the
	// offset instead of the slice.
	Offset int
}

// span is a packet completed on the current page: body[start:end], or
// joined for spans[0] when joined is not nil.
type span struct {
	start, end uint32
	hole       bool
}

// ReassemblerStats counts what a Reassembler has seen.
type ReassemblerStats struct {
	// Pages is the number of pages given to PageIn.
	Pages int64
	// Packets is the number of packets completed.
	Packets int64
	// Holes is the number of places where data was found missing.
	Holes int64
	// Dropped is the number of packets, or parts of packets, dropped:
	// continued packets whose start was lost or that were cut short, and
	// packets larger than MaxPacketSize.
	Dropped int64
	// Repeated is the number of pages skipped because their sequence
	// number was seen already.
	Repeated int64
}

// ErrRepeated reports a page that PageIn skipped because its sequence
// number was seen already.
var ErrRepeated = errors.New("ogg: repeated page")

// repeatWindow is how far behind the expected sequence number a page is
// taken for a repeat rather than a gap (a stream restarted or damaged).
const repeatWindow = 64

// Reassembler puts back together the packets of one logical stream from
// its pages, in the order they are given to PageIn. A packet continued
// across pages is copied into the Reassembler's buffer; any other is
// returned in place, aliasing its page.
//
// Where data is missing — a gap in the page sequence numbers, a continued
// page whose packet start was lost, a packet cut short by a page that does
// not continue it — the incomplete packet is dropped and the next packet
// returned is flagged Hole. Memory is bounded by MaxPacketSize.
//
// It is not safe for concurrent use.
type Reassembler struct {
	// MaxPacketSize is the largest packet kept; a packet that grows past it
	// is dropped and counted, and the packet after it flagged Hole. 0
	// means DefaultMaxPacketSize. It may be changed between pages.
	MaxPacketSize int

	serial  uint32
	started bool   // a page was seen
	nextSeq uint32 // the sequence number expected next

	// A packet continued across pages: its bytes so far in partial.
	partial    []byte
	inPartial  bool
	discarding bool // the packet in progress is being dropped
	spare      []byte

	hole bool // flag the next packet Hole

	// The packets completed on the current page, as spans of its body
	// (which, unlike Packet values, hold no pointers to copy); joined is
	// the data of spans[0] when that packet was continued across pages.
	body    []byte
	joined  []byte
	spans   [MaxSegments]span
	n, next int
	last    int // the span that ends at the page's last packet end, or -1
	seq     uint32
	flags   Flags
	granule int64

	stats ReassemblerStats
}

// NewReassembler returns a Reassembler for the logical stream with the given
// serial number.
func NewReassembler(serial uint32) *Reassembler {
	return &Reassembler{serial: serial}
}

// Serial returns the serial number of the stream.
func (ra *Reassembler) Serial() uint32 { return ra.serial }

// Stats returns the counts so far.
func (ra *Reassembler) Stats() ReassemblerStats { return ra.stats }

// Partial reports whether a packet continued across pages is in progress:
// at the end of the input, it means the stream was cut short.
func (ra *Reassembler) Partial() bool { return ra.inPartial || ra.discarding }

// Reset forgets any packet in progress and the expected sequence number,
// so the next page is taken as the stream's first one seen.
func (ra *Reassembler) Reset() {
	ra.started = false
	ra.inPartial = false
	ra.discarding = false
	ra.partial = ra.partial[:0]
	ra.hole = false
	ra.n, ra.next = 0, 0
	ra.body, ra.joined = nil, nil
}

// ResetTo is Reset for the logical stream with the given serial number:
// the next link of a chained stream, read with the same Reassembler. Stats
// go on counting across streams.
func (ra *Reassembler) ResetTo(serial uint32) {
	ra.Reset()
	ra.serial = serial
}

func (ra *Reassembler) maxPacket() int {
	if ra.MaxPacketSize > 0 {
		return ra.MaxPacketSize
	}
	return DefaultMaxPacketSize
}

// drop abandons the packet in progress, if any, and flags a hole. A packet
// already being discarded was counted when that began.
func (ra *Reassembler) drop() {
	if ra.inPartial {
		ra.stats.Dropped++
	}
	if ra.inPartial || ra.discarding {
		ra.setHole()
	}
	ra.inPartial = false
	ra.discarding = false
	ra.partial = ra.partial[:0]
}

func (ra *Reassembler) setHole() {
	if !ra.hole {
		ra.stats.Holes++
	}
	ra.hole = true
}

// PageIn takes the next page of the stream and splits it into packets,
// which Packet then returns. Packets of the previous page not yet taken
// are discarded. The page's bytes must stay unchanged until those packets
// have been taken. A page of another serial number is an error wrapping
// ErrSerial. A page whose sequence number lies just behind the expected
// one (up to 64 pages: a duplicated or replayed page) yields no packets
// and an error wrapping ErrRepeated, which a reader may take as a skip; a
// page further back is taken as a gap.
func (ra *Reassembler) PageIn(pg *Page) error {
	if pg.Serial != ra.serial {
		return fmt.Errorf("%w: page of stream %#x given to stream %#x", ErrSerial, pg.Serial, ra.serial)
	}
	ra.n, ra.next, ra.last = 0, 0, -1
	if behind := ra.nextSeq - pg.Sequence; ra.started && behind >= 1 && behind <= repeatWindow {
		// A page seen already (a duplicated or replayed page): its
		// packets were taken once.
		ra.body, ra.joined = nil, nil
		ra.stats.Repeated++
		return fmt.Errorf("%w: page %d of stream %#x after page %d", ErrRepeated, pg.Sequence, ra.serial, ra.nextSeq-1)
	}
	if len(pg.Lacing) > MaxSegments {
		return fmt.Errorf("ogg: page %d of stream %#x has %d lacing values, more than %d", pg.Sequence, ra.serial, len(pg.Lacing), MaxSegments)
	}
	ra.body, ra.joined = pg.Body, nil
	ra.seq, ra.flags, ra.granule = pg.Sequence, pg.Flags, pg.Granule
	ra.stats.Pages++
	gapDropped := false // a packet in progress was lost in a gap
	if ra.started && pg.Sequence != ra.nextSeq {
		ra.setHole()
		gapDropped = ra.inPartial || ra.discarding
		ra.drop()
	}
	if !pg.Continued() && (ra.inPartial || ra.discarding) {
		// The packet in progress was never finished.
		ra.drop()
	} else if pg.Continued() && !ra.inPartial && !ra.discarding && len(pg.Lacing) > 0 {
		// The page goes on with a packet whose start is lost; when that
		// start was dropped at the gap, the packet is already counted.
		ra.discarding = true
		if !gapDropped {
			ra.stats.Dropped++
		}
		ra.setHole()
	}
	ra.started = true
	ra.nextSeq = pg.Sequence + 1

	// The last completed packet gets the page's granule and EOS flag.
	last := len(pg.Lacing) - 1
	for last >= 0 && pg.Lacing[last] == MaxSegmentSize {
		last--
	}
	max := ra.maxPacket()
	body, start := pg.Body, 0 // start of the packet being read in body
	off := 0
	for i, v := range pg.Lacing {
		off += int(v)
		if off > len(body) {
			// A lacing/body mismatch (a page built by hand): stop.
			break
		}
		if v == MaxSegmentSize {
			continue
		}
		// A packet ends at off.
		switch {
		case ra.discarding:
			ra.discarding = false
			start = off
			continue
		case ra.inPartial:
			if len(ra.partial)+off-start > max {
				ra.drop()
				start = off
				continue
			}
			// Complete it in the buffer it grew in, and keep growing the
			// next one in the spare buffer; joined stays valid until the
			// next call. It can only be the page's first packet.
			ra.joined = append(ra.partial, body[start:off]...)
			ra.partial, ra.spare = ra.spare[:0], ra.joined
			ra.inPartial = false
		default:
			if off-start > max {
				ra.stats.Dropped++
				ra.setHole()
				start = off
				continue
			}
		}
		ra.spans[ra.n] = span{start: uint32(start), end: uint32(off), hole: ra.hole}
		if i == last {
			ra.last = ra.n
		}
		ra.hole = false
		ra.stats.Packets++
		ra.n++
		start = off
	}
	if off > len(body) {
		off = len(body)
	}
	// What follows the last packet end goes on in the next page.
	if start < off && !ra.discarding {
		if !ra.inPartial {
			ra.inPartial = true
			ra.partial = ra.partial[:0]
		}
		if len(ra.partial)+off-start > max {
			ra.inPartial = false
			ra.partial = ra.partial[:0]
			ra.discarding = true
			ra.stats.Dropped++
			ra.setHole()
		} else {
			ra.partial = append(ra.partial, body[start:off]...)
		}
	}
	if pg.EOS() {
		// Nothing can continue the stream's last packet.
		ra.drop()
	}
	if ra.n == 0 {
		ra.body = nil
	}
	return nil
}

// Packet returns the next packet completed on the page last given to
// PageIn, and false when there is none left.
func (ra *Reassembler) Packet() (Packet, bool) {
	if ra.next >= ra.n {
		return Packet{}, false
	}
	i := ra.next
	sp := ra.spans[i]
	data, off := ra.body[sp.start:sp.end:sp.end], int(sp.start)
	if i == 0 && ra.joined != nil {
		data, off = ra.joined, -1
	}
	granule, eos := int64(-1), false
	if i == ra.last {
		granule, eos = ra.granule, ra.flags&EOS != 0
	}
	if ra.next++; ra.next == ra.n {
		// Hold no reference to the page once its packets are taken.
		ra.body, ra.joined = nil, nil
	}
	// Built in one expression: a Packet assembled field by field is read
	// back from memory before its stores have landed, which is slow.
	return Packet{
		Data:     data,
		Granule:  granule,
		Sequence: ra.seq,
		BOS:      ra.flags&BOS != 0,
		EOS:      eos,
		Hole:     sp.hole,
		Offset:   off,
	}, true
}
