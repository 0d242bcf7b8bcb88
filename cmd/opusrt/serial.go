package main

import (
	"fmt"
	"strconv"
	"strings"
)

// serialNumber is an Ogg stream's serial number (or an RTP SSRC), shown
// one way in every output: hex, as the library's errors show it, "0x"
// and eight digits; JSON carries the same string.
type serialNumber uint32

func (s serialNumber) String() string { return fmt.Sprintf("0x%08x", uint32(s)) }

// MarshalJSON writes the serial as its String, quoted.
func (s serialNumber) MarshalJSON() ([]byte, error) {
	return []byte(`"` + s.String() + `"`), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *serialNumber) UnmarshalJSON(b []byte) error {
	str, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("serial %s: want a quoted hex number", b)
	}
	v, err := strconv.ParseUint(strings.TrimPrefix(str, "0x"), 16, 32)
	if err != nil {
		return fmt.Errorf("serial %q: want 0x and hex digits", str)
	}
	*s = serialNumber(v)
	return nil
}
