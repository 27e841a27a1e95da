// Package binfacts measures a linked Go binary for Linux: what every byte of
// the file is (Attribute: ELF parts, and code bytes by module, package and
// function) and how it is hardened (Harden: stripped, static, stack and
// segment permissions, builder paths, build settings).
//
// Both read the file's bytes only, never run it, and work on stripped
// binaries: Go's function table (.gopclntab) and its module data, which
// stripping keeps, name every function and bound it.
package binfacts
