package gocache

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
// writes Out's IDFile.
type Recorder struct {
	Persist, Out Dir

	mu      sync.Mutex
	actions [][]byte
}

// Serve answers the go command's requests read from r on w until it
// closes the program or r ends. Requests are answered concurrently, as
// the protocol allows.
func (c *Recorder) Serve(r io.Reader, w io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(r))
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
		var req request
		if err := dec.Decode(&req); err == io.EOF {
			wg.Wait()
			return nil
		} else if err != nil {
			return fmt.Errorf("reading a request of the go command: %w", err)
		}
		switch req.Command {
		case "get":
			wg.Add(1)
			go func() { defer wg.Done(); send(c.get(req)) }()
		case "put":
			// The body is the next value of the stream: read it here.
			var body []byte
			if req.BodySize > 0 {
				var s string
				if err := dec.Decode(&s); err != nil {
					return fmt.Errorf("reading the body of a put: %w", err)
				}
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return fmt.Errorf("decoding the body of a put: %w", err)
				}
				body = b
			}
			wg.Add(1)
			go func() { defer wg.Done(); send(c.put(req, body)) }()
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

// get serves an entry of Persist, copied to Out.
func (c *Recorder) get(req request) response {
	res := response{ID: req.ID}
	e, ok := c.Persist.get(req.ActionID)
	if !ok {
		res.Miss = true
		return res
	}
	if err := c.Out.put(req.ActionID, e, copyFrom(c.Persist.file(e.output, "-d"))); err != nil {
		res.Err = err.Error()
		return res
	}
	c.record(req.ActionID)
	res.OutputID, res.Size, res.Time, res.DiskPath = e.output, e.size, &e.time, c.Out.file(e.output, "-d")
	return res
}

// put stores a new object in Persist and in Out.
func (c *Recorder) put(req request, body []byte) response {
	res := response{ID: req.ID}
	e := entry{output: req.OutputID, size: int64(len(body)), time: time.Now()}
	write := func(w io.Writer) error { _, err := w.Write(body); return err }
	for _, d := range []Dir{c.Persist, c.Out} {
		if err := d.put(req.ActionID, e, write); err != nil {
			res.Err = err.Error()
			return res
		}
	}
	c.record(req.ActionID)
	res.DiskPath = c.Out.file(e.output, "-d")
	return res
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
	return os.WriteFile(filepath.Join(string(c.Out), IDFile), []byte(id+"\n"), 0o644)
}
