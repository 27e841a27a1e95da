// Package schema is the data directory the api serves and migrate
// upgrades: a file holding the schema version, beside a lock file.
package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Latest is the version migrate brings the data to.
const Latest = 3

// File is the file that holds the version in dir.
func File(dir string) string { return filepath.Join(dir, "schema") }

// Version reads the data's schema version: 0 when there is none yet.
func Version(dir string) (int, error) {
	dt, err := os.ReadFile(File(dir))
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(dt)))
	if err != nil {
		return 0, fmt.Errorf("%s: %v", File(dir), err)
	}
	return v, nil
}
