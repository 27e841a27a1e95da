// Command migrate brings the data directory to the latest schema, as a
// migration tool run beside a server does: it takes an exclusive flock(2)
// on the directory's lock file, so that two runs never migrate at once,
// then writes the new version to a temporary file, fsyncs it and renames
// it over the old one with renameat(2), all through golang.org/x/sys/unix.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/slimfile/slimfile/examples/api-migrate/internal/schema"
)

func main() {
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: migrate [DATA_DIR]  (default /tmp/data)") }
	flag.Parse()
	dir := "/tmp/data"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	lock, err := unix.Open(filepath.Join(dir, ".lock"), unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o644)
	if err != nil {
		log.Fatalf("opening the lock file: %v", err)
	}
	defer unix.Close(lock)
	if err := unix.Flock(lock, unix.LOCK_EX); err != nil {
		log.Fatalf("locking %s: %v", dir, err)
	}
	from, err := schema.Version(dir)
	if err != nil {
		log.Fatal(err)
	}
	if from >= schema.Latest {
		fmt.Printf("schema version %d: up to date\n", from)
		return
	}
	tmp := schema.File(dir) + ".new"
	fd, err := unix.Open(tmp, unix.O_CREAT|unix.O_TRUNC|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := unix.Write(fd, []byte(strconv.Itoa(schema.Latest)+"\n")); err != nil {
		log.Fatal(err)
	}
	if err := unix.Fsync(fd); err != nil {
		log.Fatalf("fsync: %v", err)
	}
	unix.Close(fd)
	if err := unix.Renameat(unix.AT_FDCWD, tmp, unix.AT_FDCWD, schema.File(dir)); err != nil {
		log.Fatalf("renameat: %v", err)
	}
	fmt.Printf("migrated %s from schema version %d to %d\n", dir, from, schema.Latest)
}
