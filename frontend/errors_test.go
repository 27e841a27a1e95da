package frontend

import (
	"strings"
	"testing"
)

// TestRecoveredTurnsPanicIntoError: a panic in a function that defers
// recovered becomes its error, which says what happened.
func TestRecoveredTurnsPanicIntoError(t *testing.T) {
	build := func(index int) (err error) {
		defer recovered(&err)
		_ = []string{}[index] // index out of range
		return nil
	}
	err := build(3)
	if err == nil || !strings.Contains(err.Error(), "internal error in the Slimfile frontend") || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("error %v, want the internal error with the panic's value", err)
	}
}
