//go:build extra

package v

func init() { Tag = "extra" }
