// Command hello is a small HTTP service: it greets, tells the time in a
// time zone (from the image's tzdata), and shuts down gracefully on SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	once := flag.Bool("self-test", false, "print a greeting and the time in Asia/Tokyo, then exit")
	flag.Parse()

	if *once {
		loc, err := time.LoadLocation("Asia/Tokyo")
		if err != nil {
			log.Fatalf("time zone data: %v", err)
		}
		fmt.Printf("hello from %s; Tokyo is UTC%s\n", os.Args[0], time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Format("-07:00"))
		return
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from slimfile")
	})
	mux.HandleFunc("/time", func(w http.ResponseWriter, r *http.Request) {
		tz := r.URL.Query().Get("tz")
		if tz == "" {
			tz = "UTC"
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintln(w, time.Now().In(loc).Format(time.RFC3339))
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("listening on %s", *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("shut down")
}
