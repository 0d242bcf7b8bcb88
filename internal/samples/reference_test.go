package samples

import (
	"slices"
	"testing"
)

// TestReferenceListsOnlyEmbedded checks that reference.json lists exactly the
// embedded files, in the same (sorted) order, each once.
func TestReferenceListsOnlyEmbedded(t *testing.T) {
	r, err := loadReference()
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, f := range r.Files {
		listed = append(listed, f.Name)
	}
	if names := Names(); !slices.Equal(listed, names) {
		t.Errorf("reference.json lists %v\nembedded files are %v", listed, names)
	}
}
