// Command healthy is a service with the ways an image can check its
// health: an HTTP endpoint (/healthz on :8080), a TCP port (:9000), and a
// subcommand of its own, `healthy health`, that asks the endpoint. With
// UNHEALTHY set in its environment the endpoint answers 503 and the TCP
// port stays closed, so a test can see a container turn unhealthy.
// `healthy fetch URL` gets a URL and prints its status, for trying the
// image's CA bundle.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "health":
			os.Exit(health())
		case "fetch":
			os.Exit(fetch(os.Args[2:]))
		}
	}
	serve()
}

// health asks the health endpoint, as the exec form of a health check
// does: exit 0 when it answers 200.
func health() int {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://127.0.0.1:8080/healthz")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, resp.Status)
		return 1
	}
	return 0
}

// fetch gets the URL and prints its status line.
func fetch(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: healthy fetch URL")
		return 2
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(args[0])
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	fmt.Printf("%s %s", resp.Status, body)
	return 0
}

func serve() {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if os.Getenv("UNHEALTHY") != "" {
			http.Error(w, "told to be unhealthy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "healthy at your service")
	})
	srv := &http.Server{Addr: ":8080", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	// Unhealthy, it does not listen on the TCP port either.
	var tcp net.Listener
	if os.Getenv("UNHEALTHY") == "" {
		var err error
		if tcp, err = net.Listen("tcp", ":9000"); err != nil {
			log.Fatal(err)
		}
		go func() {
			for {
				c, err := tcp.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if tcp != nil {
			tcp.Close()
		}
		_ = srv.Shutdown(shutdown)
	}()
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		log.Fatal(err)
	}
	if tcp != nil {
		log.Print("listening on :8080 (HTTP) and :9000 (TCP)")
	} else {
		log.Print("listening on :8080 (HTTP, answering 503), not on :9000")
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
