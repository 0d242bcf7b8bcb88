package ogg

import (
	"bytes"
	"testing"
)

func TestPageWriterSetHeldGranule(t *testing.T) {
	var buf bytes.Buffer
	pw := NewPageWriter(&buf, 7)
	if pw.SetHeldGranule(5) {
		t.Fatal("SetHeldGranule with no page held reported true")
	}
	pw.WritePacket([]byte{1, 2, 3}, 960)
	pw.EndPage()
	if !pw.SetHeldGranule(900) {
		t.Fatal("SetHeldGranule on a held page reported false")
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	pg, n, err := ParsePage(buf.Bytes())
	if err != nil || n != buf.Len() {
		t.Fatalf("ParsePage: %v (%d of %d bytes)", err, n, buf.Len())
	}
	if pg.Granule != 900 || !pg.EOS() {
		t.Fatalf("page granule %d EOS %v, want 900 and EOS", pg.Granule, pg.EOS())
	}

	// A held page on which no packet ends keeps its granule of -1.
	buf.Reset()
	pw = NewPageWriter(&buf, 7)
	pw.WritePacket(make([]byte, 255*255+10), 960) // ends on the second page
	pw.Flush()
	pw.WritePacket(make([]byte, 255*255), 1920) // fills a page, ends on the next
	if pw.Pending() != 1 {
		t.Fatalf("Pending = %d", pw.Pending())
	}
	if pw.SetHeldGranule(1) {
		t.Fatal("SetHeldGranule changed a page with granule -1")
	}
}
