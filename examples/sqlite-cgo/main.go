// Command notes keeps notes in SQLite through github.com/mattn/go-sqlite3,
// whose C code (SQLite itself) a Slimfile builds with build.cgo: true,
// statically linked against musl for every platform.
//
//	notes check [-db FILE] [HOST...]   # write and read the database, look up the user and HOST
//	notes serve [-db FILE] [-addr :8080]
//
// check also uses the C library for what Go would otherwise do itself:
// the user comes from os/user (getpwuid_r) and the host names from the
// cgo resolver (getaddrinfo), forced by the go:debug line below, which
// prints which resolver answered.
//
//go:debug netdns=cgo+1
package main

import (
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // the database/sql driver "sqlite3"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: notes check [-db FILE] [HOST...] | serve [-db FILE] [-addr :8080]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dbPath := fs.String("db", "/tmp/notes.db", "the SQLite database")
	addr := fs.String("addr", ":8080", "where serve listens")
	_ = fs.Parse(os.Args[2:])
	db, err := open(*dbPath)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	switch os.Args[1] {
	case "check":
		err = check(db, fs.Args())
	case "serve":
		err = serve(db, *addr)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// open opens the database and makes its table.
func open(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at TEXT NOT NULL)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("creating the table: %w", err)
	}
	return db, nil
}

func add(db *sql.DB, body string) error {
	_, err := db.Exec(`INSERT INTO notes (body, at) VALUES (?, ?)`, body, time.Now().UTC().Format(time.RFC3339))
	return err
}

func list(db *sql.DB) ([]string, error) {
	rows, err := db.Query(`SELECT body FROM notes ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// check writes three notes, reads them back in a query that SQLite's C
// code answers, then looks up the user and the hosts through the C
// library.
func check(db *sql.DB, hosts []string) error {
	for _, b := range []string{"one", "two", "three"} {
		if err := add(db, b); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
	}
	var n int
	var joined string
	if err := db.QueryRow(`SELECT count(*), group_concat(body, ',') FROM (SELECT body FROM notes ORDER BY id DESC LIMIT 3)`).Scan(&n, &joined); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	var version string
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(&version); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	fmt.Printf("sqlite %s: %d rows, last three %s\n", version, n, joined)
	u, err := user.Current()
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	fmt.Printf("user %s uid=%s gid=%s home=%s\n", u.Username, u.Uid, u.Gid, u.HomeDir)
	for _, h := range hosts {
		addrs, err := net.LookupHost(h)
		if err != nil {
			return fmt.Errorf("dns %s: %w", h, err)
		}
		fmt.Printf("dns %s: %s\n", h, strings.Join(addrs, " "))
	}
	return nil
}

// serve answers GET /notes with the notes, a line each, and POST /notes
// by adding the request body as a note, until SIGTERM or SIGINT.
func serve(db *sql.DB, addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
		notes, err := list(db)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	})
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		if _, err := fmt.Fscan(r.Body, &b); err != nil && !errors.Is(err, os.ErrClosed) {
			http.Error(w, "empty note", http.StatusBadRequest)
			return
		}
		if err := add(db, b.String()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		srv.Close()
	}()
	log.Printf("notes: serving on %s", addr)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Print("notes: shut down")
	return nil
}
