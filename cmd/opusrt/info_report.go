package main

// fileReport is what info finds in one file; it is also its JSON form.
// Durations in samples are 48 kHz samples per channel, as Ogg Opus granule
// positions count them.
type fileReport struct {
	File            string        `json:"file"`
	Bytes           int64         `json:"bytes"`
	DurationSeconds float64       `json:"duration_seconds"`
	PlaybackSamples int64         `json:"playback_samples"`
	PacketSamples   int64         `json:"packet_samples"`
	Packets         int           `json:"packets"`
	Pages           int           `json:"pages"`
	PayloadBytes    int64         `json:"payload_bytes"`
	Bitrate         bitrateReport `json:"bitrate"`
	FrameSizes      []frameCount  `json:"frame_sizes"`
	TOCCodes        [4]int        `json:"toc_codes"`
	Links           []*linkReport `json:"links"`
	OtherStreams    []otherStream `json:"other_streams,omitempty"`
	Problems        []problem     `json:"problems"`
	// LinksNotListed and ProblemsNotListed count what is past the limits
	// of the lists (maxListedLinks, maxListedProblems): counted in the
	// totals, not described one by one.
	LinksNotListed int `json:"links_not_listed,omitempty"`
	// LastPageGranule is the granule position of the file's last page,
	// read first by seeking to its end (opusfile's way to a length), when
	// the input can seek; omitted for a pipe.
	LastPageGranule   *int64 `json:"last_page_granule,omitempty"`
	ProblemsNotListed int    `json:"problems_not_listed,omitempty"`

	linkCount int // links read, listed or not
	// Notes are facts worth knowing that are no damage, such as a link
	// with no audio.
	Notes []string `json:"notes,omitempty"`
}

// bitrateReport gives bit rates in kbit/s: over the whole playback length,
// with and without the container, and the lowest and highest of the payload
// over one-second windows of audio.
type bitrateReport struct {
	AverageKbps float64 `json:"average_kbps"`
	PayloadKbps float64 `json:"payload_kbps"`
	MinKbps     float64 `json:"min_kbps"`
	MaxKbps     float64 `json:"max_kbps"`
	Windows     int     `json:"windows"`
}

// frameCount counts the packets that last PacketMillis, made of
// FramesPerPacket frames of FrameMillis each.
type frameCount struct {
	PacketMillis    float64 `json:"packet_ms"`
	FrameMillis     float64 `json:"frame_ms"`
	FramesPerPacket int     `json:"frames_per_packet"`
	Packets         int     `json:"packets"`
}

// packetShape is a packet's length and its frames' length, in 48 kHz
// samples.
type packetShape struct{ samples, frameSamples int }

// linkReport describes one Opus logical stream: one link of a chain.
type linkReport struct {
	Serial          serialNumber `json:"serial"`
	Offset          int64        `json:"offset"`
	Channels        int          `json:"channels"`
	PreSkip         int          `json:"pre_skip"`
	InputRate       int          `json:"input_rate"`
	OutputGain      int          `json:"output_gain"`
	OutputGainDB    float64      `json:"output_gain_db"`
	MappingFamily   int          `json:"mapping_family"`
	Vendor          string       `json:"vendor"`
	Comments        []string     `json:"comments"`
	Pages           int          `json:"pages"`
	Packets         int          `json:"packets"`
	PayloadBytes    int64        `json:"payload_bytes"`
	PacketSamples   int64        `json:"packet_samples"`
	FinalGranule    int64        `json:"final_granule"`
	PlaybackSamples int64        `json:"playback_samples"`
	DurationSeconds float64      `json:"duration_seconds"`
	EOS             bool         `json:"eos"`
}

// otherStream is a logical stream that is not Opus, ignored.
type otherStream struct {
	Serial serialNumber `json:"serial"`
	Codec  string       `json:"codec"`
	// Note says why an Opus stream is ignored.
	Note string `json:"note,omitempty"`
}

// problem is one thing wrong with a file, and where: a byte offset, and the
// link and page sequence number when known (Link counts from 1; 0 means
// not in a known link).
type problem struct {
	Offset  int64  `json:"offset"`
	Link    int    `json:"link,omitempty"`
	Page    int64  `json:"page"`
	Message string `json:"message"`
}
