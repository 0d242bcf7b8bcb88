package rtp

import "encoding/binary"

// reportBlockSize is the size of one report block.
const reportBlockSize = 24

// The limits of the 24-bit signed cumulative-lost field.
const (
	maxCumulativeLost = 1<<23 - 1
	minCumulativeLost = -1 << 23
)

// ReportBlock is one reception report (RFC 3550 §6.4.1): what the sender of
// the report has received from one source.
type ReportBlock struct {
	// SSRC is the source this block reports on.
	SSRC uint32
	// FractionLost is the fraction of packets lost since the previous
	// report, in 1/256ths (RFC 3550 A.3): 0 when none were lost or more
	// arrived than expected (duplicates).
	FractionLost uint8
	// CumulativeLost is the packets expected minus the packets received
	// since reception began: negative when duplicates outnumber the lost.
	// The field is 24-bit signed: AppendTo clamps to −2²³…2²³−1.
	CumulativeLost int32
	// ExtendedHighestSequence is the highest sequence number received,
	// with the count of its 16-bit wraps in the upper 16 bits.
	ExtendedHighestSequence uint32
	// Jitter is the interarrival jitter (RFC 3550 §6.4.1, A.8) in
	// timestamp units: 1/48000 s for Opus.
	Jitter uint32
	// LastSR is LSR: the middle 32 bits of the NTP time of the last SR
	// received from the source (NTPTime.Middle), 0 if none.
	LastSR uint32
	// DelaySinceLastSR is DLSR: the time from receiving that SR to sending
	// this report, in 1/65536 s; 0 if no SR was received.
	DelaySinceLastSR uint32
}

func (rb *ReportBlock) unmarshal(b []byte) {
	rb.SSRC = binary.BigEndian.Uint32(b)
	rb.FractionLost = b[4]
	lost := uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7])
	rb.CumulativeLost = int32(lost<<8) >> 8 // sign-extend 24 bits
	rb.ExtendedHighestSequence = binary.BigEndian.Uint32(b[8:])
	rb.Jitter = binary.BigEndian.Uint32(b[12:])
	rb.LastSR = binary.BigEndian.Uint32(b[16:])
	rb.DelaySinceLastSR = binary.BigEndian.Uint32(b[20:])
}

func (rb *ReportBlock) appendTo(dst []byte) []byte {
	lost := min(max(rb.CumulativeLost, minCumulativeLost), maxCumulativeLost)
	dst = binary.BigEndian.AppendUint32(dst, rb.SSRC)
	dst = append(dst, rb.FractionLost, byte(lost>>16), byte(lost>>8), byte(lost))
	dst = binary.BigEndian.AppendUint32(dst, rb.ExtendedHighestSequence)
	dst = binary.BigEndian.AppendUint32(dst, rb.Jitter)
	dst = binary.BigEndian.AppendUint32(dst, rb.LastSR)
	return binary.BigEndian.AppendUint32(dst, rb.DelaySinceLastSR)
}

// parseReportBlocks reads count blocks from b and returns them and what
// follows (the profile-specific extension).
func parseReportBlocks(b []byte, count int, typ RTCPType) ([]ReportBlock, []byte, error) {
	if len(b) < count*reportBlockSize {
		return nil, nil, errorf(ErrInvalidRTCP, "type %d: %d report blocks need %d bytes, have %d", typ, count, count*reportBlockSize, len(b))
	}
	var blocks []ReportBlock
	if count > 0 {
		blocks = make([]ReportBlock, count)
	}
	for i := range blocks {
		blocks[i].unmarshal(b[i*reportBlockSize:])
	}
	ext := b[count*reportBlockSize:]
	if len(ext)%4 != 0 {
		return nil, nil, errorf(ErrInvalidRTCP, "type %d: %d bytes after the report blocks, not whole words", typ, len(ext))
	}
	if len(ext) == 0 {
		ext = nil
	}
	return blocks, ext, nil
}

func validateReport(blocks int, ext []byte) error {
	if blocks > maxRTCPCount {
		return errorf(ErrInvalidRTCP, "%d report blocks, at most %d", blocks, maxRTCPCount)
	}
	if len(ext)%4 != 0 {
		return errorf(ErrInvalidRTCP, "profile extension of %d bytes, not a multiple of 4", len(ext))
	}
	return nil
}

// SenderReport is an RTCP SR (RFC 3550 §6.4.1): what a sender has sent and
// when, so receivers can measure the round trip and map its RTP timestamps
// to wall-clock time, and reports on what it has received.
type SenderReport struct {
	// SSRC is the sender's source.
	SSRC uint32
	// NTPTime is the wall-clock time at which the report was sent.
	NTPTime NTPTime
	// RTPTime is that same instant in the stream's RTP timestamp clock.
	RTPTime uint32
	// PacketCount is the RTP packets sent since the stream began.
	PacketCount uint32
	// OctetCount is the payload bytes sent (headers and padding excluded).
	OctetCount uint32
	// Reports are the reception reports, at most 31.
	Reports []ReportBlock
	// ProfileExtensions is what follows the report blocks (RFC 3550
	// §6.4.1), a multiple of 4 bytes; usually empty. It aliases the
	// unmarshaled bytes.
	ProfileExtensions []byte
}

const senderInfoSize = 24 // SSRC, NTP time, RTP time, the two counts

// Unmarshal parses the single SR packet b.
func (sr *SenderReport) Unmarshal(b []byte) error {
	h, body, err := unmarshalOne(b, RTCPSenderReport)
	if err != nil {
		return err
	}
	if len(body) < senderInfoSize {
		return errorf(ErrInvalidRTCP, "SR of %d bytes, shorter than the sender info", len(b))
	}
	sr.SSRC = binary.BigEndian.Uint32(body)
	sr.NTPTime = NTPTime(binary.BigEndian.Uint64(body[4:]))
	sr.RTPTime = binary.BigEndian.Uint32(body[12:])
	sr.PacketCount = binary.BigEndian.Uint32(body[16:])
	sr.OctetCount = binary.BigEndian.Uint32(body[20:])
	sr.Reports, sr.ProfileExtensions, err = parseReportBlocks(body[senderInfoSize:], h.count, RTCPSenderReport)
	return err
}

// MarshalSize returns the size of the encoded SR in bytes.
func (sr *SenderReport) MarshalSize() int {
	return rtcpHeaderSize + senderInfoSize + reportBlockSize*len(sr.Reports) + len(sr.ProfileExtensions)
}

func (sr *SenderReport) validate() error {
	return validateReport(len(sr.Reports), sr.ProfileExtensions)
}

// AppendTo appends the encoded SR to dst. It panics with more than 31
// report blocks or a profile extension that is not whole words.
func (sr *SenderReport) AppendTo(dst []byte) []byte {
	mustValid(sr)
	dst = appendRTCPHeader(dst, len(sr.Reports), RTCPSenderReport, sr.MarshalSize())
	dst = binary.BigEndian.AppendUint32(dst, sr.SSRC)
	dst = binary.BigEndian.AppendUint64(dst, uint64(sr.NTPTime))
	dst = binary.BigEndian.AppendUint32(dst, sr.RTPTime)
	dst = binary.BigEndian.AppendUint32(dst, sr.PacketCount)
	dst = binary.BigEndian.AppendUint32(dst, sr.OctetCount)
	for i := range sr.Reports {
		dst = sr.Reports[i].appendTo(dst)
	}
	return append(dst, sr.ProfileExtensions...)
}

// Marshal returns the encoded SR.
func (sr *SenderReport) Marshal() ([]byte, error) { return marshalRTCP(sr) }

// ReceiverReport is an RTCP RR (RFC 3550 §6.4.2): reception reports from a
// participant that does not send.
type ReceiverReport struct {
	// SSRC is the reporter's own source.
	SSRC uint32
	// Reports are the reception reports, at most 31.
	Reports []ReportBlock
	// ProfileExtensions is what follows the report blocks, a multiple of
	// 4 bytes; usually empty. It aliases the unmarshaled bytes.
	ProfileExtensions []byte
}

// Unmarshal parses the single RR packet b.
func (rr *ReceiverReport) Unmarshal(b []byte) error {
	h, body, err := unmarshalOne(b, RTCPReceiverReport)
	if err != nil {
		return err
	}
	if len(body) < 4 {
		return errorf(ErrInvalidRTCP, "RR of %d bytes has no SSRC", len(b))
	}
	rr.SSRC = binary.BigEndian.Uint32(body)
	rr.Reports, rr.ProfileExtensions, err = parseReportBlocks(body[4:], h.count, RTCPReceiverReport)
	return err
}

// MarshalSize returns the size of the encoded RR in bytes.
func (rr *ReceiverReport) MarshalSize() int {
	return rtcpHeaderSize + 4 + reportBlockSize*len(rr.Reports) + len(rr.ProfileExtensions)
}

func (rr *ReceiverReport) validate() error {
	return validateReport(len(rr.Reports), rr.ProfileExtensions)
}

// AppendTo appends the encoded RR to dst. It panics with more than 31
// report blocks or a profile extension that is not whole words.
func (rr *ReceiverReport) AppendTo(dst []byte) []byte {
	mustValid(rr)
	dst = appendRTCPHeader(dst, len(rr.Reports), RTCPReceiverReport, rr.MarshalSize())
	dst = binary.BigEndian.AppendUint32(dst, rr.SSRC)
	for i := range rr.Reports {
		dst = rr.Reports[i].appendTo(dst)
	}
	return append(dst, rr.ProfileExtensions...)
}

// Marshal returns the encoded RR.
func (rr *ReceiverReport) Marshal() ([]byte, error) { return marshalRTCP(rr) }

// FindReport returns the report block about source ssrc in the SRs and
// RRs of a compound packet (the last one, if several), and whether there
// is one: what a sender looks for in the reports it receives, to learn
// its loss and, with RoundTripTime, the round trip.
func FindReport(pkts []RTCPPacket, ssrc uint32) (ReportBlock, bool) {
	var found ReportBlock
	ok := false
	for _, p := range pkts {
		var blocks []ReportBlock
		switch p := p.(type) {
		case *SenderReport:
			blocks = p.Reports
		case *ReceiverReport:
			blocks = p.Reports
		}
		for _, rb := range blocks {
			if rb.SSRC == ssrc {
				found, ok = rb, true
			}
		}
	}
	return found, ok
}
