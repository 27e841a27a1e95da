package integration

// The tests read a build's progress from `--progress=rawjson`, which
// buildctl and docker buildx both print: one JSON object a line, each a
// client.SolveStatus of github.com/moby/buildkit/client, with the steps
// (vertexes), their statuses, their output (logs) and the frontend's
// warnings, rather than from the lines of --progress=plain, whose layout
// is BuildKit's to change. What the client prints besides that stream is
// kept as text: on a failed build, the error, after the Slimfile lines
// around it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// rawjson is the progress flag of every build the tests run.
const rawjson = "--progress=rawjson"

// solveStatus and the types below are client.SolveStatus and its parts
// (github.com/moby/buildkit/client/graph.go at go.mod's BuildKit), with
// their JSON names, less what the tests do not read. They are copied, not
// imported: that package needs containerd's APIs, which go.sum does not
// hold. []byte fields are base64 in JSON, as encoding/json reads them.
type solveStatus struct {
	Vertexes []*vertexRecord  `json:"vertexes,omitempty"`
	Statuses []*statusRecord  `json:"statuses,omitempty"`
	Logs     []*logRecord     `json:"logs,omitempty"`
	Warnings []*warningRecord `json:"warnings,omitempty"`
}

type vertexRecord struct {
	Digest    digest.Digest `json:"digest,omitempty"`
	Name      string        `json:"name,omitempty"`
	Started   *time.Time    `json:"started,omitempty"`
	Completed *time.Time    `json:"completed,omitempty"`
	Cached    bool          `json:"cached,omitempty"`
	Error     string        `json:"error,omitempty"`
}

type statusRecord struct {
	ID      string        `json:"id"`
	Vertex  digest.Digest `json:"vertex,omitempty"`
	Total   int64         `json:"total,omitempty"`
	Current int64         `json:"current"`
}

type logRecord struct {
	Vertex digest.Digest `json:"vertex,omitempty"`
	Stream int           `json:"stream,omitempty"`
	Data   []byte        `json:"data"`
}

type warningRecord struct {
	Vertex     digest.Digest `json:"vertex,omitempty"`
	Level      int           `json:"level,omitempty"`
	Short      []byte        `json:"short,omitempty"`
	Detail     [][]byte      `json:"detail,omitempty"`
	URL        string        `json:"url,omitempty"`
	SourceInfo *struct {
		Filename string `json:"filename,omitempty"`
	} `json:"sourceInfo,omitempty"`
	Range []*pb.Range `json:"range,omitempty"`
}

// progress is a build's rawjson stream, read.
type progress struct {
	steps    []*step // in the order the stream first names them
	byDigest map[digest.Digest]*step
	warnings []warning
	// text is what the client printed that is not the stream: on a
	// failed build, the error (buildctl's "error: ..." and buildx's
	// "ERROR: ..."), after the Slimfile lines around it.
	text string
}

// step is one vertex, with every record of it merged.
type step struct {
	digest            digest.Digest
	name              string
	cached            bool
	started, finished bool
	err               string
	statuses          []*statusRecord
	logs              bytes.Buffer
}

// warning is one build warning.
type warning struct {
	msg, detail, url string
	file             string
	line             int // first line of its range; 0 for none
	level            int
}

// readProgress reads out, the output of a build run with --progress=rawjson.
func readProgress(out []byte) (*progress, error) {
	p := &progress{byDigest: map[digest.Digest]*step{}}
	var text []string
	for n, line := range bytes.Split(out, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(`{"`)) {
			if len(bytes.TrimSpace(line)) > 0 || len(text) > 0 {
				text = append(text, string(line))
			}
			continue
		}
		var st solveStatus
		if err := json.Unmarshal(line, &st); err != nil {
			return p, fmt.Errorf("rawjson progress, line %d: %v: %.200s", n+1, err, line)
		}
		for _, v := range st.Vertexes {
			s := p.step(v.Digest)
			if v.Name != "" {
				s.name = v.Name
			}
			s.cached = s.cached || v.Cached
			s.started = s.started || v.Started != nil
			s.finished = s.finished || v.Completed != nil
			if v.Error != "" {
				s.err = v.Error
			}
		}
		for _, st := range st.Statuses {
			s := p.step(st.Vertex)
			s.statuses = append(s.statuses, st)
		}
		for _, l := range st.Logs {
			p.step(l.Vertex).logs.Write(l.Data)
		}
		for _, w := range st.Warnings {
			pw := warning{msg: string(w.Short), url: w.URL, level: w.Level}
			var detail []string
			for _, d := range w.Detail {
				detail = append(detail, string(d))
			}
			pw.detail = strings.Join(detail, "\n")
			if w.SourceInfo != nil {
				pw.file = w.SourceInfo.Filename
			}
			if len(w.Range) > 0 {
				pw.line = int(w.Range[0].GetStart().GetLine())
			}
			p.warnings = append(p.warnings, pw)
		}
	}
	p.text = strings.TrimRight(strings.Join(text, "\n"), "\n")
	return p, nil
}

func (p *progress) step(d digest.Digest) *step {
	s := p.byDigest[d]
	if s == nil {
		s = &step{digest: d}
		p.byDigest[d] = s
		p.steps = append(p.steps, s)
	}
	return s
}

// named is every step whose name starts with prefix, in stream order.
func (p *progress) named(prefix string) []*step {
	var out []*step
	for _, s := range p.steps {
		if s.name != "" && strings.HasPrefix(s.name, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// first is the first step whose name starts with prefix; it fails the
// test when there is none.
func (p *progress) first(t *testing.T, prefix string) *step {
	t.Helper()
	s := p.named(prefix)
	if len(s) == 0 {
		t.Fatalf("no step %q in progress:\n%s", prefix, tail(p.String(), 60))
	}
	return s[0]
}

// cached reports whether the first step whose name starts with prefix
// was CACHED; it fails the test when there is none.
func (p *progress) cached(t *testing.T, prefix string) bool {
	t.Helper()
	return p.first(t, prefix).cached
}

// mentioning is the names of the steps whose name contains s.
func (p *progress) mentioning(s string) []string {
	var out []string
	for _, st := range p.steps {
		if strings.Contains(st.name, s) {
			out = append(out, st.name)
		}
	}
	return out
}

// count is how many distinct steps are named name exactly.
func (p *progress) count(name string) int {
	n := 0
	for _, s := range p.steps {
		if s.name == name {
			n++
		}
	}
	return n
}

// logs is the output of the steps whose name starts with prefix ("" for
// every step), in stream order.
func (p *progress) logs(prefix string) string {
	var b strings.Builder
	for _, s := range p.steps {
		if strings.HasPrefix(s.name, prefix) {
			b.Write(s.logs.Bytes())
		}
	}
	return b.String()
}

// failed is the steps that ended in an error (canceled ones too), but
// the fetch of the default vulnerability database, https://vuln.go.dev,
// which the test bed cannot reach, as an air-gapped builder cannot: the
// build then warns that the check was skipped (TestVulnsNoDatabase), and
// the tests of the check point the database at the test bed's copy.
func (p *progress) failed() []*step {
	var out []*step
	for _, s := range p.steps {
		if s.err != "" && !strings.HasPrefix(s.name, "fetch the Go vulnerability database https://vuln.go.dev/") {
			out = append(out, s)
		}
	}
	return out
}

// warned is the warnings whose message contains msg.
func (p *progress) warned(msg string) []warning {
	var out []warning
	for _, w := range p.warnings {
		if strings.Contains(w.msg, msg) {
			out = append(out, w)
		}
	}
	return out
}

// servedFromCache reports whether the step named prefix was served from
// the cache: CACHED, or (its result needed on a builder that imported the
// cache, as the frontend reads the derived seccomp profile beside the
// binary) a layer extracted with no output of the step's process.
func (p *progress) servedFromCache(t *testing.T, prefix string) bool {
	t.Helper()
	s := p.first(t, prefix)
	if s.cached {
		return true
	}
	extracted := false
	for _, st := range s.statuses {
		extracted = extracted || strings.HasPrefix(st.ID, "extracting ")
	}
	return s.logs.Len() == 0 && extracted
}

// contextBytes is the most bytes one step sent of a build context (the
// "transferring context:" status).
func (p *progress) contextBytes() int64 {
	var most int64
	for _, s := range p.steps {
		for _, st := range s.statuses {
			if strings.HasPrefix(st.ID, "transferring context:") {
				most = max(most, st.Current)
			}
		}
	}
	return most
}

// String renders everything the stream said, decoded, step by step, in
// the manner of --progress=plain, then the warnings and the text: for
// failure messages, and for checks that something appears nowhere.
func (p *progress) String() string {
	var b strings.Builder
	for i, s := range p.steps {
		id := fmt.Sprintf("#%d", i+1)
		fmt.Fprintf(&b, "%s %s\n", id, s.name)
		for _, st := range s.statuses {
			fmt.Fprintf(&b, "%s %s %d\n", id, st.ID, st.Current)
		}
		for _, l := range strings.SplitAfter(s.logs.String(), "\n") {
			if l != "" {
				fmt.Fprintf(&b, "%s | %s", id, strings.TrimSuffix(l, "\n")+"\n")
			}
		}
		switch {
		case s.err != "":
			fmt.Fprintf(&b, "%s ERROR: %s\n", id, s.err)
		case s.cached:
			fmt.Fprintf(&b, "%s CACHED\n", id)
		case s.finished:
			fmt.Fprintf(&b, "%s DONE\n", id)
		}
	}
	for _, w := range p.warnings {
		fmt.Fprintf(&b, "WARNING: %s (%s:%d)", w.msg, w.file, w.line)
		if w.detail != "" {
			fmt.Fprintf(&b, " %s", w.detail)
		}
		if w.url != "" {
			fmt.Fprintf(&b, " %s", w.url)
		}
		b.WriteString("\n")
	}
	if p.text != "" {
		b.WriteString(p.text + "\n")
	}
	return b.String()
}
