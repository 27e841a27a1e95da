// Command api prints what its image gives it: the version stamped by
// -ldflags, the build tag in effect, its environment, its arguments and the
// config file shipped with image.files.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/slimfile/slimfile/examples/two-binaries/internal/v"
)

var version = "unset"

func main() {
	cfg, err := os.ReadFile("/etc/api/config.yaml")
	fmt.Printf("api %s %s %s %s %q %v\n", version, v.Tag, os.Getenv("GREETING")+"/"+os.Getenv("SHARED")+"/"+os.Getenv("ROLE"), strings.Join(os.Args[1:], " "), cfg, err)
}
