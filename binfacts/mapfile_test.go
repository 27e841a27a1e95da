package binfacts

import (
	"bytes"
	"testing"
)

// MapFile gives the file's bytes, read in place.
func TestMapFile(t *testing.T) {
	path := build(t, amd64Stripped)
	data, unmap, err := MapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, readBin(t, path)) {
		t.Error("the mapped bytes are not the file's")
	}
	if _, err := Harden(data, Expect{}); err != nil {
		t.Error(err)
	}
	if err := unmap(); err != nil {
		t.Error(err)
	}
	if _, _, err := MapFile(path + ".none"); err == nil {
		t.Error("no error for a missing file")
	}
}
