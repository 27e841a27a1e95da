//go:build !variable

package main

func variable() error { return nil }
