package ogg_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/haivivi/giztoy/pkg/audio/codec/ogg"
)

// A PageWriter packs packets into pages; a PageReader and a Reassembler
// get them back.
func Example() {
	var stream bytes.Buffer
	pw := ogg.NewPageWriter(&stream, 0x1234)
	pw.WritePacket([]byte("header"), 0)
	pw.EndPage() // the header alone on the first page
	pw.WritePacket(bytes.Repeat([]byte{'a'}, 600), 100)
	pw.WritePacket([]byte("short"), 200)
	pw.Close() // flags the last page EOS

	pr := ogg.NewPageReader(&stream)
	ra := ogg.NewReassembler(0x1234)
	for {
		pg, err := pr.ReadPage()
		if err == io.EOF {
			break
		}
		fmt.Printf("page %d: flags %#x granule %d lacing %v\n", pg.Sequence, pg.Flags, pg.Granule, pg.Lacing)
		ra.PageIn(&pg)
		for p, ok := ra.Packet(); ok; p, ok = ra.Packet() {
			fmt.Printf("  packet of %d bytes, granule %d\n", len(p.Data), p.Granule)
		}
	}
	// Output:
	// page 0: flags 0x2 granule 0 lacing [6]
	//   packet of 6 bytes, granule 0
	// page 1: flags 0x4 granule 200 lacing [255 255 90 5]
	//   packet of 600 bytes, granule -1
	//   packet of 5 bytes, granule 200
}

// The PageReader passes over what is not a valid page and counts it.
func ExamplePageReader() {
	var stream bytes.Buffer
	pw := ogg.NewPageWriter(&stream, 1)
	for i := range 3 {
		pw.WritePacket([]byte{byte(i)}, int64(i))
		pw.EndPage()
	}
	pw.Close()
	b := stream.Bytes()
	damaged := append([]byte("junk before "), b[:28]...) // first page
	damaged = append(damaged, b[28:57]...)               // second page...
	damaged[len(damaged)-1] ^= 0xff                      // ...with a flipped byte
	damaged = append(damaged, b[57:]...)                 // third page

	pr := ogg.NewPageReader(bytes.NewReader(damaged))
	for {
		pg, err := pr.ReadPage()
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println("page", pg.Sequence)
	}
	fmt.Printf("%+v\n", pr.Stats())
	// Output:
	// page 0
	// page 2
	// EOF
	// {Pages:2 BadPages:1 Skipped:41}
}
