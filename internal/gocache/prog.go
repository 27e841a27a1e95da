package gocache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// request and response are the messages of the GOCACHEPROG protocol
// (cmd/go/internal/cacheprog), in JSON.
type request struct {
	ID       int64
	Command  string
	ActionID []byte `json:",omitempty"`
	OutputID []byte `json:",omitempty"`
	BodySize int64  `json:",omitempty"`
}

type response struct {
	ID            int64
	Err           string     `json:",omitempty"`
	KnownCommands []string   `json:",omitempty"`
	Miss          bool       `json:",omitempty"`
	OutputID      []byte     `json:",omitempty"`
	Size          int64      `json:",omitempty"`
	Time          *time.Time `json:",omitempty"`
	DiskPath      string     `json:",omitempty"`
}

// Recorder is a cache program that reads through Persist and writes every
// object the go command reads or stores into Out as well as Persist: Out
// ends up holding exactly what one build used, in the disk format, and
// Persist everything it produced. When the go command closes it, it
// packs Out (Pack) and writes Out's IDFile.
type Recorder struct {
	Persist, Out Dir

	mu      sync.Mutex
	actions [][]byte
}

// Serve answers the go command's requests read from r on w until it
// closes the program or r ends. Requests are answered concurrently, as
// the protocol allows.
func (c *Recorder) Serve(r io.Reader, w io.Writer) error {
	in := requests{bufio.NewReaderSize(r, 1<<20)}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	var wmu sync.Mutex
	send := func(res response) {
		wmu.Lock()
		defer wmu.Unlock()
		enc.Encode(res)
		bw.Flush()
	}
	send(response{KnownCommands: []string{"get", "put", "close"}})
	var wg sync.WaitGroup
	for {
		req, body, err := in.next()
		if err == io.EOF {
			wg.Wait()
			return nil
		} else if err != nil {
			return err
		}
		switch req.Command {
		case "get":
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, e := c.get(req)
				send(res)
				// The go command reads the output from Persist; the
				// layer's copy need not hold it up.
				if res.DiskPath != "" {
					if err := c.Out.put(req.ActionID, e, copyFrom(res.DiskPath)); err != nil {
						fmt.Fprintf(os.Stderr, "slimfile-go: writing the dependency layer: %v\n", err)
					}
				}
			}()
		case "put":
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := entry{output: req.OutputID, size: int64(len(body)), time: time.Now()}
				res := c.put(req, e, body)
				send(res)
				// The go command reads the output from Out: the
				// persistent copy need not hold it up.
				if res.Err == "" {
					if err := c.Persist.put(req.ActionID, e, bodyOf(body)); err != nil {
						fmt.Fprintf(os.Stderr, "slimfile-go: writing the build cache: %v\n", err)
					}
				}
			}()
		case "close":
			wg.Wait()
			res := response{ID: req.ID}
			if err := c.writeID(); err != nil {
				res.Err = err.Error()
			}
			send(res)
			return nil
		default:
			send(response{ID: req.ID, Err: "unknown command " + req.Command})
		}
	}
}

// requests reads the go command's requests: a JSON object on a line of
// its own, and after a put's, a line with its body as a JSON string of
// base64, whose alphabet JSON never escapes. Decoding that line directly
// is many times faster than a JSON decoder reading it byte by byte, and
// a dependency build puts hundreds of megabytes.
type requests struct{ r *bufio.Reader }

// next reads a request and, for a put, its body.
func (in requests) next() (request, []byte, error) {
	var req request
	line, err := in.line()
	if err != nil {
		return req, nil, err
	}
	if err := json.Unmarshal(line, &req); err != nil {
		return req, nil, fmt.Errorf("reading a request of the go command: %w", err)
	}
	if req.Command != "put" || req.BodySize <= 0 {
		return req, nil, nil
	}
	line, err = in.line()
	if err != nil {
		return req, nil, fmt.Errorf("reading the body of a put: %w", err)
	}
	if len(line) < 2 || line[0] != '"' || line[len(line)-1] != '"' {
		return req, nil, errors.New("reading the body of a put: not a JSON string")
	}
	body := make([]byte, base64.StdEncoding.DecodedLen(len(line)-2))
	n, err := base64.StdEncoding.Decode(body, line[1:len(line)-1])
	if err != nil {
		return req, nil, fmt.Errorf("decoding the body of a put: %w", err)
	}
	if int64(n) != req.BodySize {
		return req, nil, fmt.Errorf("the body of a put has %d bytes, not %d", n, req.BodySize)
	}
	return req, body[:n], nil
}

// line is the next line that is not blank, trimmed; io.EOF at the end.
func (in requests) line() ([]byte, error) {
	for {
		b, err := in.r.ReadBytes('\n')
		if t := bytes.TrimSpace(b); len(t) > 0 {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// get serves an entry of Persist, which Serve copies to Out after
// answering.
func (c *Recorder) get(req request) (response, entry) {
	res := response{ID: req.ID}
	e, ok := c.Persist.get(req.ActionID)
	if !ok {
		res.Miss = true
		return res, e
	}
	c.record(req.ActionID)
	res.OutputID, res.Size, res.Time, res.DiskPath = e.output, e.size, &e.time, c.Persist.file(e.output, "-d")
	return res, e
}

// put stores a new object, entry e with body, in Out (Serve copies it to
// Persist after answering).
func (c *Recorder) put(req request, e entry, body []byte) response {
	res := response{ID: req.ID}
	if err := c.Out.put(req.ActionID, e, bodyOf(body)); err != nil {
		res.Err = err.Error()
		return res
	}
	c.record(req.ActionID)
	res.DiskPath = c.Out.file(e.output, "-d")
	return res
}

// bodyOf writes body.
func bodyOf(body []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(body); return err }
}

func (c *Recorder) record(action []byte) {
	c.mu.Lock()
	c.actions = append(c.actions, slices.Clone(action))
	c.mu.Unlock()
}

// writeID names what Out holds: a hash of its actions.
func (c *Recorder) writeID() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.actions) == 0 {
		return nil
	}
	slices.SortFunc(c.actions, func(a, b []byte) int { return slices.Compare(a, b) })
	h := sha256.New()
	for _, a := range slices.CompactFunc(c.actions, slices.Equal) {
		h.Write(a)
	}
	id := hex.EncodeToString(h.Sum(nil))
	if err := c.Out.Pack(); err != nil {
		// Loose, the layer is only bigger.
		fmt.Fprintf(os.Stderr, "slimfile-go: %v\n", err)
	}
	return os.WriteFile(filepath.Join(string(c.Out), IDFile), []byte(id+"\n"), 0o644)
}
