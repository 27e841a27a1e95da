// Command api serves the data's schema version over HTTP, and refuses to
// serve data that migrate has not brought up to date.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/slimfile/slimfile/examples/api-migrate/internal/schema"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	data := flag.String("data", "/tmp/data", "data directory")
	flag.Parse()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		v, err := schema.Version(*data)
		switch {
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		case v < schema.Latest:
			http.Error(w, fmt.Sprintf("schema version %d: run migrate first", v), http.StatusServiceUnavailable)
		default:
			fmt.Fprintf(w, "schema version %d\n", v)
		}
	})
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("serving %s on %s", *data, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("shut down")
}
