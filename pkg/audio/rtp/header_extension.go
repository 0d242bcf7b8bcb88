package rtp

// The header extension profiles of RFC 8285, which pack several elements,
// each with a local ID negotiated in SDP (a=extmap), into the one
// extension RFC 3550 allows.
const (
	// ProfileOneByte is the one-byte-header form (RFC 8285 §4.2): IDs 1 to
	// 14, 1 to 16 bytes of data each. Browsers send audio level,
	// abs-send-time and transport-wide sequence numbers in it.
	ProfileOneByte uint16 = 0xBEDE
	// ProfileTwoByte is the two-byte-header form (RFC 8285 §4.3): IDs 1 to
	// 255, 0 to 255 bytes each. Its low 4 bits ("appbits") are free for the
	// application, so any profile in 0x1000–0x100F is this form.
	ProfileTwoByte uint16 = 0x1000
)

// Extension is one element of an RFC 8285 header extension.
type Extension struct {
	// ID is the local identifier: 1–14 in the one-byte form, 1–255 in the
	// two-byte form.
	ID uint8
	// Payload is the element's data. From Extensions it aliases the
	// header's ExtensionData.
	Payload []byte
}

// isTwoByte reports whether profile is the two-byte form.
func isTwoByte(profile uint16) bool { return profile&0xFFF0 == ProfileTwoByte }

// Extensions returns the elements of an RFC 8285 header extension, in
// order, with their payloads aliasing ExtensionData. It returns nil for a
// header without an extension, and an error wrapping ErrInvalidExtension
// for another profile or elements that overrun the data. Padding bytes (ID
// 0) are skipped; in the one-byte form, ID 15 ends the parse as RFC 8285
// §4.2 says.
func (h *Header) Extensions() ([]Extension, error) {
	var exts []Extension
	err := h.rangeExtensions(func(id uint8, payload []byte) bool {
		exts = append(exts, Extension{ID: id, Payload: payload})
		return true
	})
	return exts, err
}

// ExtensionByID returns the payload of the first RFC 8285 element with the
// given ID, aliasing ExtensionData, and whether there is one. A malformed
// extension has none.
func (h *Header) ExtensionByID(id uint8) ([]byte, bool) {
	var found []byte
	ok := false
	err := h.rangeExtensions(func(eid uint8, payload []byte) bool {
		if eid == id {
			found, ok = payload, true
			return false
		}
		return true
	})
	if err != nil {
		return nil, false
	}
	return found, ok
}

// rangeExtensions calls f on each element until f returns false.
func (h *Header) rangeExtensions(f func(id uint8, payload []byte) bool) error {
	if !h.Extension {
		return nil
	}
	data := h.ExtensionData
	switch {
	case h.ExtensionProfile == ProfileOneByte:
		for i := 0; i < len(data); {
			id, size := data[i]>>4, int(data[i]&0x0F)+1
			switch id {
			case 0:
				i++ // a padding byte
				continue
			case 15:
				return nil
			}
			i++
			if i+size > len(data) {
				return errorf(ErrInvalidExtension, "element %d of %d bytes at offset %d overruns the %d-byte extension", id, size, i-1, len(data))
			}
			if !f(id, data[i:i+size:i+size]) {
				return nil
			}
			i += size
		}
	case isTwoByte(h.ExtensionProfile):
		for i := 0; i < len(data); {
			id := data[i]
			if id == 0 {
				i++
				continue
			}
			if i+1 >= len(data) {
				return errorf(ErrInvalidExtension, "element %d at offset %d has no length byte", id, i)
			}
			size := int(data[i+1])
			i += 2
			if i+size > len(data) {
				return errorf(ErrInvalidExtension, "element %d of %d bytes at offset %d overruns the %d-byte extension", id, size, i-2, len(data))
			}
			if !f(id, data[i:i+size:i+size]) {
				return nil
			}
			i += size
		}
	default:
		return errorf(ErrInvalidExtension, "profile 0x%04x is not RFC 8285", h.ExtensionProfile)
	}
	return nil
}

// SetExtensions sets the header extension to the RFC 8285 elements exts,
// in the one-byte form when every ID is 1–14 and every payload 1–16 bytes,
// else the two-byte form; with no elements it removes the extension.
// ExtensionData is newly allocated and zero-padded to a multiple of 4. It
// returns an error wrapping ErrInvalidExtension, and leaves h alone, for an
// ID of 0 or a payload longer than 255 bytes.
func (h *Header) SetExtensions(exts []Extension) error {
	if len(exts) == 0 {
		h.Extension, h.ExtensionProfile, h.ExtensionData = false, 0, nil
		return nil
	}
	oneByte := true
	size := 0
	for _, e := range exts {
		if e.ID == 0 || len(e.Payload) > 255 {
			return errorf(ErrInvalidExtension, "element ID %d with %d bytes: ID must be 1–255 and data at most 255 bytes", e.ID, len(e.Payload))
		}
		if e.ID > 14 || len(e.Payload) == 0 || len(e.Payload) > 16 {
			oneByte = false
		}
		size += 2 + len(e.Payload)
	}
	if size > MaxExtensionSize {
		return errorf(ErrInvalidExtension, "%d bytes of elements, at most %d", size, MaxExtensionSize)
	}
	data := make([]byte, 0, (size+3)&^3)
	if oneByte {
		for _, e := range exts {
			data = append(data, e.ID<<4|byte(len(e.Payload)-1))
			data = append(data, e.Payload...)
		}
		h.ExtensionProfile = ProfileOneByte
	} else {
		for _, e := range exts {
			data = append(data, e.ID, byte(len(e.Payload)))
			data = append(data, e.Payload...)
		}
		h.ExtensionProfile = ProfileTwoByte
	}
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	h.Extension, h.ExtensionData = true, data
	return nil
}
