//go:build !variable

package main

func variable() {}
