package opus

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestMultistream(t *testing.T) {
	const a, b, c, d = 0xa, 0xb, 0xc, 0xd
	tests := []struct {
		name    string
		data    []byte
		streams int
		sizes   []int // bytes of each stream as it lies in data
		samples int
	}{
		{"one stream is a standard packet", []byte{celt20, a, b}, 1, []int{3}, 960},
		{"one stream TOC only", []byte{silk20}, 1, []int{1}, 960},
		{"two streams code 0", []byte{celt20, 2, a, b, celt20 | stereo, c}, 2, []int{4, 2}, 960},
		{"two streams, the last empty", []byte{celt20, 1, a, celt20}, 2, []int{3, 1}, 960},
		{"three streams of 40 ms, codes 1, 2 and 3", []byte{
			silk20 | 1, 1, a, b, // self-delimited code 1
			silk20 | 2, 1, 0, c, // self-delimited code 2, second frame empty
			silk20 | 3, 0x82, 1, d, a, // standard code 3 VBR
		}, 3, []int{4, 4, 5}, 1920},
		{"four streams of 60 ms, code 3 padded", []byte{
			silk60, 1, a,
			silk20 | 3, 0x43, 1, 1, a, b, c, 0,
			hybFB20 | 3, 0x83, 0, 0, 1, a,
			silk60 | stereo, b, c,
		}, 4, []int{3, 8, 6, 3}, 2880},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStreams(tt.data, tt.streams)
			var std [][]byte
			var sizes []int
			for s.Next() {
				if s.Index() != len(sizes) {
					t.Fatalf("Index = %d, want %d", s.Index(), len(sizes))
				}
				sizes = append(sizes, len(s.Bytes()))
				std = append(std, s.Packet().AppendStandard(nil))
				if s.Packet().Samples() != tt.samples {
					t.Errorf("stream %d: %d samples", s.Index(), s.Packet().Samples())
				}
			}
			if err := s.Err(); err != nil {
				t.Fatal(err)
			}
			if !equalInts(sizes, tt.sizes) {
				t.Errorf("stream sizes %v, want %v", sizes, tt.sizes)
			}
			if err := ValidateMultistream(tt.data, tt.streams); err != nil {
				t.Errorf("ValidateMultistream: %v", err)
			}
			if n, err := MultistreamSamples(tt.data, tt.streams); n != tt.samples || err != nil {
				t.Errorf("MultistreamSamples = %d, %v; want %d", n, err, tt.samples)
			}
			got, err := AppendMultistream([]byte{0xee}, std...)
			if err != nil || !bytes.Equal(got, cat([]byte{0xee}, tt.data)) {
				t.Errorf("AppendMultistream = %x, %v\nwant ee%x", got, err, tt.data)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMultistreamInvalid(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		streams int
		want    string // in the error
	}{
		{"no streams", []byte{celt20}, 0, "multistream packet of 0 streams"},
		{"negative streams", []byte{celt20}, -1, "multistream packet of -1 streams"},
		{"256 streams", bytes.Repeat([]byte{celt20, 0}, 256), 256, "multistream packet of 256 streams"},
		{"empty", nil, 1, "stream 0 of 1: R1:"},
		{"first stream truncated", []byte{celt20, 5, 1, 2}, 2, "stream 0 of 2: R4:"},
		{"last stream missing", []byte{celt20, 1, 1}, 2, "stream 1 of 2: R1:"},
		{"last stream invalid", []byte{celt20, 1, 1, celt20 | 1, 1}, 2, "stream 1 of 2: R3:"},
		{"middle stream invalid", []byte{celt20, 0, silk20 | 3, 0, celt20}, 3, "stream 1 of 3: R5:"},
		{"durations differ", []byte{celt20, 0, silkNB40, 1}, 2, "stream 1 of 2 plays 1920 samples, stream 0 960"},
		{"durations differ, frame count", []byte{celt20, 0, celt20, 0, celt20 | 1}, 3, "stream 2 of 3 plays 1920 samples, stream 0 960"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateMultistream(tt.data, tt.streams)
			if !errors.Is(err, ErrInvalidPacket) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidPacket with %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "opus: invalid packet: ") {
				t.Errorf("err = %q, not prefixed", err)
			}
			if n, err2 := MultistreamSamples(tt.data, tt.streams); n != 0 || err2 == nil || err2.Error() != err.Error() {
				t.Errorf("MultistreamSamples = %d, %v", n, err2)
			}
			s := NewStreams(tt.data, tt.streams)
			for s.Next() {
			}
			if s.Err() == nil || s.Next() {
				t.Errorf("Streams: Err = %v after the end", s.Err())
			}
		})
	}
}

func TestAppendMultistreamInvalid(t *testing.T) {
	tests := []struct {
		name    string
		packets [][]byte
		want    string
	}{
		{"none", nil, "multistream packet of 0 streams"},
		{"too many", make([][]byte, 256), "multistream packet of 256 streams"},
		{"invalid", [][]byte{{celt20}, {celt20 | 1, 1}}, "stream 1 of 2: R3:"},
		{"durations differ", [][]byte{{celt20}, {celt25}}, "stream 1 of 2 plays 120 samples, stream 0 960"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{1, 2, 3}
			got, err := AppendMultistream(dst, tt.packets...)
			if !errors.Is(err, ErrInvalidPacket) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !bytes.Equal(got, dst) {
				t.Errorf("dst = %x, want %x", got, dst)
			}
		})
	}
}

// TestRealMultistream reads the multistream packets opusenc made for 5.1
// (4 streams, 2 of them coupled) and 3.0 (2 streams) input: each parses
// into its streams, plays as its TOCs say, and is rebuilt byte for byte
// from the streams' standard forms.
func TestRealMultistream(t *testing.T) {
	tests := []struct {
		file    string
		streams int
		coupled int
		samples int // of every packet but the last
		codes   []int
		silk    bool // some stream is SILK or hybrid
	}{
		{"surround51", 4, 2, 960, []int{0}, true},
		{"surround51_60", 4, 2, 2880, []int{0, 3}, true},
		{"surround51_2_5", 4, 2, 120, []int{0}, false},
		{"three30", 2, 1, 960, []int{0}, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			packets := readPackets(t, tt.file)
			codes := map[int]bool{}
			silk := 0
			for n, rp := range packets {
				samples, err := MultistreamSamples(rp.data, tt.streams)
				if err != nil {
					t.Fatalf("packet %d: %v", n, err)
				}
				if n < len(packets)-1 && samples != tt.samples {
					t.Errorf("packet %d: %d samples, want %d", n, samples, tt.samples)
				}
				s := NewStreams(rp.data, tt.streams)
				var std [][]byte
				for s.Next() {
					p := s.Packet()
					codes[p.TOC.Code()] = true
					if p.TOC.Stereo() != (s.Index() < tt.coupled) {
						t.Errorf("packet %d stream %d: stereo %v", n, s.Index(), p.TOC.Stereo())
					}
					std = append(std, p.AppendStandard(nil))
					// The SILK header read in place is the one of the
					// stream's standard form.
					h, err := p.SILKHeader()
					h2, err2 := ParseSILKHeader(std[len(std)-1])
					if h != h2 || !errors.Is(err, err2) || err != nil && !errors.Is(err, ErrNoSILK) {
						t.Errorf("packet %d stream %d: SILKHeader %+v, %v; standard form %+v, %v", n, s.Index(), h, err, h2, err2)
					}
					if err == nil {
						silk++
					}
				}
				if s.Err() != nil || len(std) != tt.streams {
					t.Fatalf("packet %d: %d streams, %v", n, len(std), s.Err())
				}
				again, err := AppendMultistream(nil, std...)
				if err != nil || !bytes.Equal(again, rp.data) {
					t.Fatalf("packet %d rebuilt as %x, %v\nwant %x", n, again, err, rp.data)
				}
			}
			for _, c := range tt.codes {
				if !codes[c] {
					t.Errorf("no code %d packet in %v", c, codes)
				}
			}
			if (silk > 0) != tt.silk {
				t.Errorf("%d streams with a SILK layer", silk)
			}
		})
	}
}

func TestStreamsAllocs(t *testing.T) {
	data := []byte{silk20 | 1, 1, 0xa, 0xb, silk20 | 2, 1, 0, 0xc, silk20 | 3, 0x82, 1, 0xd, 0xa}
	n := testing.AllocsPerRun(100, func() {
		if _, err := MultistreamSamples(data, 3); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

func FuzzMultistream(f *testing.F) {
	f.Add([]byte{celt20, 2, 0xa, 0xb, celt20 | stereo, 0xc}, uint8(2))
	f.Add([]byte{silk20 | 1, 1, 0xa, 0xb, silk20 | 2, 1, 0, 0xc, silk20 | 3, 0x82, 1, 0xd, 0xa}, uint8(3))
	f.Add([]byte{silk60, 1, 0xa, silk20 | 3, 0x43, 1, 1, 0xa, 0xb, 0xc, 0, hybFB20 | 3, 0x83, 0, 0, 1, 0xa, silk60 | stereo, 0xb}, uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, streams uint8) {
		samples, err := MultistreamSamples(data, int(streams))
		if verr := ValidateMultistream(data, int(streams)); (verr == nil) != (err == nil) {
			t.Fatalf("ValidateMultistream: %v, MultistreamSamples: %v", verr, err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) || samples != 0 {
				t.Fatalf("samples, err = %d, %v", samples, err)
			}
			return
		}
		if samples <= 0 || samples > MaxPacketSamples {
			t.Fatalf("samples = %d", samples)
		}
		s := NewStreams(data, int(streams))
		var std [][]byte
		total := 0
		for s.Next() {
			if s.Packet().Samples() != samples {
				t.Fatalf("stream %d: %d samples of %d", s.Index(), s.Packet().Samples(), samples)
			}
			total += len(s.Bytes())
			std = append(std, s.Packet().AppendStandard(nil))
			h, err := s.Packet().SILKHeader()
			h2, err2 := ParseSILKHeader(std[len(std)-1])
			if h != h2 || !errors.Is(err, err2) {
				t.Fatalf("stream %d: SILKHeader %+v, %v; standard form %+v, %v", s.Index(), h, err, h2, err2)
			}
		}
		if s.Err() != nil || len(std) != int(streams) || total != len(data) {
			t.Fatalf("%d streams of %d bytes in %d: %v", len(std), total, len(data), s.Err())
		}
		again, err := AppendMultistream(nil, std...)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("rebuilt as %x, %v", again, err)
		}
	})
}
