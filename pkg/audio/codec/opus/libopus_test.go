package opus

import (
	"bufio"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
)

// decodeCompact decodes the BYTES field of testdata/libopus.verdicts: hex,
// with .N. standing for N zero bytes.
func decodeCompact(s string) ([]byte, error) {
	var out []byte
	for i, part := range strings.Split(s, ".") {
		if i%2 == 1 {
			n, err := strconv.Atoi(part)
			if err != nil {
				return nil, err
			}
			out = append(out, make([]byte, n)...)
			continue
		}
		b, err := hex.DecodeString(part)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// TestLibopusVerdicts checks ParsePacket and MultistreamSamples against
// libopus's own verdicts (opus_packet_parse, opus_multistream_decode) on
// packets built around the edges of the framing rules, and HasLBRR against
// whether libopus's FEC decoding of a real packet recovers anything of the
// packet before it; see testdata/libopus_verdicts.py.
func TestLibopusVerdicts(t *testing.T) {
	f, err := os.Open("testdata/libopus.verdicts")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var packets, valid, multi, multiValid, fecYes, fecNo int
	files := map[string][]realPacket{}
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "packet":
			b, err := decodeCompact(fields[1])
			if err != nil {
				t.Fatalf("line %d: %v", line, err)
			}
			packets++
			p, err := ParsePacket(b)
			if fields[2] == "invalid" {
				if err == nil {
					t.Errorf("line %d: %x: libopus rejects it, ParsePacket accepts it", line, b)
				}
				continue
			}
			valid++
			if err != nil {
				t.Errorf("line %d: %x: libopus accepts it, ParsePacket: %v", line, b, err)
				continue
			}
			count, _ := strconv.Atoi(fields[2])
			var sizes []string
			for i := range p.FrameCount() {
				sizes = append(sizes, strconv.Itoa(p.FrameSize(i)))
			}
			if p.FrameCount() != count || strings.Join(sizes, ",") != fields[3] {
				t.Errorf("line %d: %x: frames %s, libopus %s", line, b, strings.Join(sizes, ","), fields[3])
			}
		case "multistream":
			streams, _ := strconv.Atoi(fields[1])
			b, err := decodeCompact(fields[2])
			if err != nil {
				t.Fatalf("line %d: %v", line, err)
			}
			multi++
			samples, err := MultistreamSamples(b, streams)
			if fields[3] == "invalid" {
				if err == nil {
					t.Errorf("line %d: %d streams %x: libopus rejects it, MultistreamSamples = %d", line, streams, b, samples)
				}
				continue
			}
			multiValid++
			if want, _ := strconv.Atoi(fields[3]); err != nil || samples != want {
				t.Errorf("line %d: %d streams %x: MultistreamSamples = %d, %v; libopus plays %d", line, streams, b, samples, err, want)
			}
		case "fec":
			// Where the configuration changes, libopus's FEC path differs
			// from concealment even without LBRR; elsewhere it differs
			// exactly when there is LBRR data for the lost packet.
			name := fields[1]
			if files[name] == nil {
				files[name] = readPackets(t, name)
			}
			n, _ := strconv.Atoi(fields[2])
			pk := files[name]
			if n < 1 || n >= len(pk) {
				t.Fatalf("line %d: packet %d of %d", line, n, len(pk))
			}
			if pk[n-1].data[0]>>2 != pk[n].data[0]>>2 {
				continue
			}
			effective := fields[3] == "1"
			if effective {
				fecYes++
			} else {
				fecNo++
			}
			if HasLBRR(pk[n].data) != effective {
				t.Errorf("line %d: %s packet %d: HasLBRR = %v, libopus's FEC for packet %d effective %v", line, name, n, HasLBRR(pk[n].data), n-1, effective)
			}
		default:
			t.Fatalf("line %d: %q", line, fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d packets valid, %d of %d multistream packets valid, FEC effective for %d of %d", valid, packets, multiValid, multi, fecYes, fecYes+fecNo)
	// The file must exercise both verdicts of every kind.
	if valid < 100 || packets-valid < 100 || multiValid < 100 || multi-multiValid < 100 || fecYes < 100 || fecNo < 100 {
		t.Errorf("%d of %d packets and %d of %d multistream packets valid, FEC effective for %d of %d", valid, packets, multiValid, multi, fecYes, fecYes+fecNo)
	}
}
