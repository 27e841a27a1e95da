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
