package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Error is a problem at one place of a Slimfile.
type Error struct {
	Range Range
	Msg   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("Slimfile:%d:%d: %s", e.Range.Line, e.Range.Column, e.Msg)
}

// ValueError is an error that a Slimfile value caused, found after
// parsing (a step, an image or a file it names): BuildKit shows the
// value's line beside the message, which does not repeat it.
type ValueError struct {
	Range Range
	Err   error
}

func (e *ValueError) Error() string { return e.Err.Error() }
func (e *ValueError) Unwrap() error { return e.Err }

// Errors is every problem found in one Slimfile, in file order.
type Errors []*Error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

func (es Errors) sorted() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Range, es[j].Range
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return es
}
