// Package v tells which build tags the binary was built with.
package v

var Tag = "plain"
