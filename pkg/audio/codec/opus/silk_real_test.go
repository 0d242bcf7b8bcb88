package opus

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// realPacket is one line of a testdata/*.packets file (see gen.sh): a
// packet libopus made and the RMS level, in dBFS, of each 20 ms (or of the
// whole packet, if shorter) that opusdec decoded it to.
type realPacket struct {
	data   []byte
	levels []float64
}

func readPackets(t testing.TB, name string) []realPacket {
	t.Helper()
	f, err := os.Open("testdata/" + name + ".packets")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []realPacket
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		hexData, levels, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: line %q", name, line)
		}
		var p realPacket
		if p.data, err = hex.DecodeString(hexData); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for s := range strings.SplitSeq(levels, ",") {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			p.levels = append(p.levels, v)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no packets", name)
	}
	return out
}

// Levels, in dBFS of decoded audio, that tell speech from silence. The
// encoder's VAD looks a few milliseconds ahead of what the decoder plays,
// so a 20 ms segment is judged only when it and its neighbours agree.
const (
	speechLevel  = -40.0 // louder: speech, the VAD must be set
	silenceLevel = -70.0 // quieter: the digital silence around it, the VAD must be clear
)

// segment is one 20 ms (or shorter) piece of the decoded stream and whether
// the VAD flags covering it say it is active.
type segment struct {
	level  float64
	active bool
	coded  bool // some SILK frame covering it has a header
}

func TestRealPackets(t *testing.T) {
	tests := []struct {
		file       string
		configs    []int // the TOC configurations libopus chose
		stereo     bool
		frames     int  // Opus frames per packet, but for the last packet
		fec        bool // the encoder was asked for in-band FEC
		dtx        bool // the encoder was asked for DTX
		silentSide bool // both channels carry the same audio
		laterOnly  bool // some packet has LBRR in frames after the first only
	}{
		{file: "silk20", configs: []int{9}, frames: 1},
		{file: "silk10", configs: []int{8}, frames: 1},
		{file: "silk40", configs: []int{9, 10}, frames: 1},
		{file: "silk60", configs: []int{11}, frames: 1},
		{file: "hybrid20", configs: []int{13, 15}, frames: 1},
		{file: "hybrid60", configs: []int{13, 15}, frames: 3},
		{file: "fec20", configs: []int{9, 13}, frames: 1, fec: true},
		{file: "nofec20", configs: []int{9, 13, 15}, frames: 1},
		{file: "fec60", configs: []int{11, 13, 15}, frames: 0, fec: true, laterOnly: true},
		{file: "stereo20", configs: []int{9, 13, 15}, stereo: true, frames: 1},
		{file: "stereofec20", configs: []int{9, 13, 15}, stereo: true, frames: 1, fec: true},
		{file: "dualmono20", configs: []int{9, 13, 15}, stereo: true, frames: 1, fec: true, silentSide: true},
		{file: "dtx20", configs: []int{9}, frames: 1, dtx: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			packets := readPackets(t, tt.file)
			var segs []segment
			var prevVAD [2]bool // any VAD of the previous Opus frame, per channel
			var lbrr, lbrrDue, lbrrDueSet, sideFlags, dtxPackets, fecPackets, laterOnly int
			configs := map[int]bool{}
			for n, p := range packets {
				pkt, err := ParsePacket(p.data)
				if err != nil {
					t.Fatalf("packet %d: %v", n, err)
				}
				h, err := ParseSILKHeader(p.data)
				if err != nil {
					t.Fatalf("packet %d: %v", n, err)
				}
				configs[pkt.TOC.Config()] = true
				if pkt.TOC.Stereo() != tt.stereo || h.Channels() != pkt.TOC.Channels() {
					t.Fatalf("packet %d: stereo %v, %d channels", n, pkt.TOC.Stereo(), h.Channels())
				}
				if tt.frames != 0 && n < len(packets)-1 && h.FrameCount() != tt.frames {
					t.Fatalf("packet %d: %d frames, want %d", n, h.FrameCount(), tt.frames)
				}
				if len(p.data) == 1 {
					dtxPackets++
					if !IsInactive(p.data) || HasLBRR(p.data) {
						t.Errorf("packet %d (TOC only): IsInactive %v, HasLBRR %v", n, IsInactive(p.data), HasLBRR(p.data))
					}
				}
				step := min(pkt.Samples(), 960)
				base := len(segs)
				for range p.levels {
					segs = append(segs, segment{})
				}
				for j, l := range p.levels {
					segs[base+j].level = l
				}
				active, firstLBRR, anyLBRR := false, false, false
				for i := range h.FrameCount() {
					var vad [2]bool
					for c := range h.Channels() {
						for k := range h.SILKFrames() {
							j := (i*pkt.TOC.FrameSamples() + k*960) / step
							if j >= len(p.levels) {
								t.Fatalf("packet %d: SILK frame %d.%d past its %d levels", n, i, k, len(p.levels))
							}
							segs[base+j].coded = segs[base+j].coded || h.Coded(i)
							if h.VAD(i, c, k) {
								segs[base+j].active = true
								vad[c] = true
								active = true
							}
						}
						if c == 1 && (vad[1] || h.LBRR(i, 1)) {
							sideFlags++
						}
						if h.LBRR(i, c) {
							lbrr++
							anyLBRR = true
							firstLBRR = firstLBRR || i == 0
							// LBRR is coded for a frame the encoder found
							// active: the previous one.
							if !prevVAD[c] || n == 0 && i == 0 {
								t.Errorf("packet %d frame %d channel %d: LBRR after an inactive frame", n, i, c)
							}
						}
						if h.Coded(i) && prevVAD[c] {
							lbrrDue++
							if h.LBRR(i, c) {
								lbrrDueSet++
							}
						}
					}
					prevVAD = vad
				}
				if IsInactive(p.data) != !active || HasLBRR(p.data) != firstLBRR || h.Active() != active || h.HasLBRR() != firstLBRR || h.AnyLBRR() != anyLBRR {
					t.Errorf("packet %d: IsInactive %v, HasLBRR %v; flags say active %v, LBRR %v in the first frame, %v in any", n, IsInactive(p.data), HasLBRR(p.data), active, firstLBRR, anyLBRR)
				}
				if firstLBRR {
					fecPackets++
				}
				if anyLBRR && !firstLBRR {
					laterOnly++
				}
			}
			var got []int
			for c := range configs {
				got = append(got, c)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.configs) {
				t.Errorf("configurations %v, want %v", got, tt.configs)
			}

			// The VAD flags against the decoded audio.
			var speech, silence int
			for j := 1; j+1 < len(segs); j++ {
				s := segs[j]
				if !s.coded {
					continue
				}
				switch {
				case max(segs[j-1].level, s.level, segs[j+1].level) < silenceLevel:
					silence++
					if s.active {
						t.Errorf("segment %d at %.1f dBFS (silence) is active", j, s.level)
					}
				case min(segs[j-1].level, s.level, segs[j+1].level) > speechLevel:
					speech++
					if !s.active {
						t.Errorf("segment %d at %.1f dBFS (speech) is inactive", j, s.level)
					}
				}
			}
			if speech < len(segs)/4 || silence < len(segs)/4 {
				t.Errorf("%d speech and %d silent segments of %d: the file is not speech between silences", speech, silence, len(segs))
			}

			// LBRR: present after active frames when asked for, never otherwise.
			if tt.fec {
				if lbrrDue == 0 || lbrrDueSet*10 < lbrrDue*9 {
					t.Errorf("LBRR on %d of %d frames after an active one", lbrrDueSet, lbrrDue)
				}
				if fecPackets == 0 {
					t.Error("no packet carries FEC for the one before it")
				}
				if tt.laterOnly != (laterOnly > 0) {
					t.Errorf("%d packets with LBRR in later frames only", laterOnly)
				}
			} else if lbrr != 0 {
				t.Errorf("%d LBRR flags without FEC", lbrr)
			}
			if tt.silentSide && sideFlags != 0 {
				t.Errorf("%d side-channel flags set on dual mono", sideFlags)
			}
			if tt.stereo && !tt.silentSide && sideFlags == 0 {
				t.Error("no side-channel flag set on true stereo")
			}
			if tt.dtx != (dtxPackets > 0) {
				t.Errorf("%d TOC-only packets", dtxPackets)
			}
		})
	}
}

func TestRealCELTPackets(t *testing.T) {
	for _, tt := range []struct {
		file    string
		configs []int
	}{
		{"celt20", []int{31}},
		{"celt2_5", []int{24, 28}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			configs := map[int]bool{}
			for n, p := range readPackets(t, tt.file) {
				if !Valid(p.data) {
					t.Fatalf("packet %d invalid", n)
				}
				configs[TOC(p.data[0]).Config()] = true
				if _, err := ParseSILKHeader(p.data); !errors.Is(err, ErrNoSILK) {
					t.Errorf("packet %d: ParseSILKHeader: %v, want ErrNoSILK", n, err)
				}
				if IsInactive(p.data) || HasLBRR(p.data) {
					t.Errorf("packet %d: IsInactive %v, HasLBRR %v", n, IsInactive(p.data), HasLBRR(p.data))
				}
			}
			var got []int
			for c := range configs {
				got = append(got, c)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.configs) {
				t.Errorf("configurations %v, want %v", got, tt.configs)
			}
		})
	}
}
