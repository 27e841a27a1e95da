// Command testbed runs the pieces of the local BuildKit test bed that are
// written in Go: a loopback OCI registry that stands in for Docker Hub, and
// the pusher of a Go toolchain image made from this machine's Go install.
//
//	testbed registry -addr 127.0.0.1:5000 -dir DIR
//	testbed push-toolchain -registry 127.0.0.1:5000 [DEBIAN.tar.gz ZIG.tar.gz]
//	testbed run -oci out.tar -platform linux/arm64 [-- args...]
//	testbed vulndb -version V -out DIR
//	testbed serve-vulndb -addr 127.0.0.1:5001 -dir DIR
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "registry":
		fs := flag.NewFlagSet("registry", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:5000", "listen address")
		dir := fs.String("dir", "", "directory for blobs and manifests")
		_ = fs.Parse(os.Args[2:])
		err = serveRegistry(*addr, *dir)
	case "push-toolchain":
		fs := flag.NewFlagSet("push-toolchain", flag.ExitOnError)
		reg := fs.String("registry", "127.0.0.1:5000", "registry host:port")
		cache := fs.String("cache", "", "directory to keep the built layer in")
		_ = fs.Parse(os.Args[2:])
		// Arguments: the layers of cgo-rootfs.sh, for the cgo toolchains.
		err = pushToolchain(*reg, *cache, fs.Args())
	case "run":
		fs := flag.NewFlagSet("run", flag.ExitOnError)
		layout := fs.String("oci", "", "OCI layout (directory or tar) exported by a build")
		platform := fs.String("platform", "linux/amd64", "image platform to run")
		_ = fs.Parse(os.Args[2:])
		err = runImage(*layout, *platform, fs.Args())
	case "vulndb":
		fs := flag.NewFlagSet("vulndb", flag.ExitOnError)
		version := fs.String("version", "", "version of golang.org/x/vulndb")
		out := fs.String("out", "", "directory to write the database to")
		_ = fs.Parse(os.Args[2:])
		err = makeVulnDB(*version, *out)
	case "serve-vulndb":
		fs := flag.NewFlagSet("serve-vulndb", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:5001", "listen address")
		dir := fs.String("dir", "", "the database, as vulndb wrote it")
		_ = fs.Parse(os.Args[2:])
		err = serveVulnDB(*addr, *dir)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testbed:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: testbed registry|push-toolchain|run|vulndb|serve-vulndb [flags]")
	os.Exit(2)
}
