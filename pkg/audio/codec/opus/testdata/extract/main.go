// Command extract prints the audio packets of an Ogg Opus file, one a line
// in hex, each followed by the RMS level in dBFS of the samples it decodes
// to in a 16-bit 48 kHz WAV file made from the same file by opusdec (the
// pre-skip already removed): one level per 20 ms of the packet (one for a
// packet shorter than that), comma-separated. gen.sh uses it to make the
// .packets files.
//
// Usage: go run ./testdata/extract FILE.opus DECODED.wav
package main

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: extract FILE.opus DECODED.wav")
		os.Exit(2)
	}
	ogg, err := os.ReadFile(os.Args[1])
	check(err)
	wav, err := os.ReadFile(os.Args[2])
	check(err)
	pcm, channels := wavSamples(wav)
	packets := oggPackets(ogg)
	if len(packets) < 2 {
		fail("no OpusHead and OpusTags")
	}
	head := packets[0]
	preSkip := int(binary.LittleEndian.Uint16(head[10:12]))
	if family := head[18]; family != 0 {
		fmt.Printf("# OpusHead channels %d family %d streams %d coupled %d\n", head[9], family, head[19], head[20])
	}
	pos := -preSkip // first sample of the packet, in decoded samples
	for _, p := range packets[2:] {
		n := samples(p)
		fmt.Print(hex.EncodeToString(p))
		step := min(n, 960)
		for j := 0; j < n; j += step {
			sep := ","
			if j == 0 {
				sep = " "
			}
			fmt.Printf("%s%.1f", sep, level(pcm, channels, pos+j, pos+j+step))
		}
		fmt.Println()
		pos += n
	}
}

// oggPackets returns every packet of the file's one logical stream.
func oggPackets(b []byte) [][]byte {
	var out [][]byte
	var cur []byte
	for len(b) > 0 {
		if len(b) < 27 || string(b[:4]) != "OggS" {
			fail("bad Ogg page")
		}
		segs := int(b[26])
		lacing := b[27 : 27+segs]
		body := b[27+segs:]
		off := 0
		for _, l := range lacing {
			cur = append(cur, body[off:off+int(l)]...)
			off += int(l)
			if l < 255 {
				out = append(out, cur)
				cur = nil
			}
		}
		b = body[off:]
	}
	return out
}

// samples returns the packet's length in 48 kHz samples from its TOC.
func samples(p []byte) int {
	c := int(p[0] >> 3)
	var frame int
	switch {
	case c < 12:
		frame = []int{480, 960, 1920, 2880}[c&3]
	case c < 16:
		frame = []int{480, 960}[c&1]
	default:
		frame = []int{120, 240, 480, 960}[c&3]
	}
	count := 1
	switch p[0] & 3 {
	case 1, 2:
		count = 2
	case 3:
		count = int(p[1] & 0x3f)
	}
	return count * frame
}

// wavSamples returns the 16-bit samples of a canonical WAV file.
func wavSamples(b []byte) ([]int16, int) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		fail("not a WAV file")
	}
	channels := 1
	for b = b[12:]; len(b) >= 8; {
		id, size := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:8]))
		body := b[8:min(len(b), 8+size)]
		switch id {
		case "fmt ":
			channels = int(binary.LittleEndian.Uint16(body[2:4]))
			if bits := binary.LittleEndian.Uint16(body[14:16]); bits != 16 {
				fail("WAV of %d-bit samples", bits)
			}
		case "data":
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, channels
		}
		b = b[min(len(b), 8+size+size&1):]
	}
	fail("WAV without data")
	return nil, 0
}

// level returns the RMS level in dBFS of decoded samples [from, to) over
// every channel; samples before the start or past the end count as silence.
func level(pcm []int16, channels, from, to int) float64 {
	var sum float64
	n := 0
	for i := from; i < to; i++ {
		for c := range channels {
			if j := i*channels + c; i >= 0 && j < len(pcm) {
				v := float64(pcm[j]) / 32768
				sum += v * v
			}
			n++
		}
	}
	if sum == 0 {
		return -120
	}
	return max(-120, 10*math.Log10(sum/float64(n)))
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "extract: "+format+"\n", args...)
	os.Exit(1)
}
