package report

import (
	"strings"
	"testing"
)

// addsUp wants every node's children to add up to its bytes, and gives the
// nodes by kind.
func addsUp(t *testing.T, root *Node) map[string][]*Node {
	t.Helper()
	kinds := map[string][]*Node{}
	var walk func(n *Node, path string)
	walk = func(n *Node, path string) {
		path += " > " + n.Name
		kinds[n.Kind] = append(kinds[n.Kind], n)
		if len(n.Children) == 0 {
			return
		}
		var sum int64
		for i, c := range n.Children {
			sum += c.Bytes
			if i > 0 && c.Bytes > n.Children[i-1].Bytes {
				t.Errorf("%s: children not largest first", path)
			}
			walk(c, path)
		}
		if sum != n.Bytes {
			t.Errorf("%s: children add up to %d bytes, it has %d", path, sum, n.Bytes)
		}
	}
	walk(root, "")
	return kinds
}

// TestTreeAddsUp: the sample's tree is the image's compressed bytes, every
// level adding up, with what no child of the model explains as "other".
func TestTreeAddsUp(t *testing.T) {
	r := richSample()
	for _, funcs := range []bool{false, true} {
		root := buildTree(r, funcs)
		if root.Bytes != r.Image.Compressed {
			t.Errorf("the tree holds %d bytes, the image %d", root.Bytes, r.Image.Compressed)
		}
		kinds := addsUp(t, root)
		if len(kinds["layer"]) != 3 || len(kinds["module"]) != 6 || len(kinds["part"]) != 7 {
			t.Errorf("%d layers, %d modules, %d parts", len(kinds["layer"]), len(kinds["module"]), len(kinds["part"]))
		}
		if got := len(kinds["function"]) > 0; got != funcs {
			t.Errorf("with functions %v, %d function nodes", funcs, len(kinds["function"]))
		}
		var others []string
		for _, o := range kinds["other"] {
			others = append(others, o.Name)
		}
		all := strings.Join(others, ",")
		for _, want := range []string{"unattributed code", "other packages"} {
			if !strings.Contains(all, want) {
				t.Errorf("no %q among the other nodes %q", want, all)
			}
		}
		if funcs && !strings.Contains(all, "other functions") {
			t.Errorf("no other functions among %q", all)
		}
	}
}

// TestTreeOfInconsistentModel: a model that does not add up still gives a
// tree that does, with its gaps drawn and its excesses squeezed in.
func TestTreeOfInconsistentModel(t *testing.T) {
	r := richSample()
	l := &r.Image.Layers[0]
	l.Files[5].Compressed -= 5000 // the layer holds more than its files (5: the certificates)
	b := &r.Binaries[0]
	b.Parts = b.Parts[:len(b.Parts)-1]    // no unattributed part
	b.Modules[0].Bytes = b.Parts[0].Bytes // modules more than the code
	b.Modules[0].Packages[0].Functions = nil
	if len(Inconsistencies(r)) < 2 {
		t.Errorf("the faults are not reported: %q", Inconsistencies(r))
	}
	root := buildTree(r, true)
	kinds := addsUp(t, root)
	names := map[string]bool{}
	for _, o := range kinds["other"] {
		names[o.Name] = true
	}
	if !names["other"] || !names["unattributed"] {
		t.Errorf("the gaps are not drawn: %v", names)
	}
	if names["unattributed code"] {
		t.Error("code over its part leaves no gap, and shows one")
	}
}

func TestLabels(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{baseName("/etc/ssl/certs/ca-certificates.crt"), "ca-certificates.crt"},
		{baseName("/home/nonroot/"), "nonroot"},
		{baseName("/"), "/"},
		{packageLabel("golang.org/x/net/html", "golang.org/x/net"), "html"},
		{packageLabel("golang.org/x/net", "golang.org/x/net"), "golang.org/x/net"},
		{packageLabel("net/http", "stdlib"), "net/http"},
		{funcLabel("net/http.(*conn).serve"), "(*conn).serve"},
		{funcLabel("main.main"), "main"},
		{funcLabel("example.com/m/p.Map[go.shape.string,example.com/m/q.T]"), "Map[go.shape.string,example.com/m/q.T]"},
		{fit("google.golang.org/protobuf", "module", 80, 11, true), "…/protobuf"},
		{fit("(*Transport).dialConn", "function", 60, 12, true), "dialConn"},
		{fit("function table", "part", 60, 12, true), "functi…"},
		{fit("function table", "part", 10, 12, true), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
