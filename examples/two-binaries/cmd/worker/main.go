// Command worker prints its version, build tag, user and whether the image
// ships CA certificates (its target turns them off).
package main

import (
	"fmt"
	"os"

	"github.com/slimfile/slimfile/examples/two-binaries/internal/v"
)

var version = "unset"

func main() {
	_, err := os.Stat("/etc/ssl/certs/ca-certificates.crt")
	fmt.Printf("worker %s %s uid=%d certs=%v\n", version, v.Tag, os.Getuid(), err == nil)
}
