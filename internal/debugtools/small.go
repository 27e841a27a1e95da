package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/u-root/u-root/pkg/core"
)

// The three utilities u-root has only as programs of their own, which a
// look inside a container needs first: what runs, as whom, with what.

// psCmd is ps: every process of the container, from /proc.
type psCmd struct{ core.Base }

func (c *psCmd) Run(args ...string) error { return c.RunContext(context.Background(), args...) }

func (c *psCmd) RunContext(_ context.Context, args ...string) error {
	if len(args) > 0 && args[0] != "-e" && args[0] != "aux" && args[0] != "-ef" {
		return fmt.Errorf("usage: ps (every process; -e, -ef and aux are taken and ignored)")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	users := names("/etc/passwd")
	tw := tabwriter.NewWriter(c.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PID\tPPID\tUSER\tSTATE\tRSS\tCOMMAND")
	for _, pid := range pids {
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		status, err := fields(filepath.Join(dir, "status"))
		if err != nil {
			continue // it ended
		}
		uid := strings.Fields(status["Uid"] + " ?")[0]
		user := uid
		if n, ok := users[uid]; ok {
			user = n
		}
		cmd, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		line := strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))
		if line == "" {
			line = "[" + status["Name"] + "]"
		}
		state := strings.Fields(status["State"] + " ?")[0]
		rss := status["VmRSS"]
		if rss == "" {
			rss = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", pid, status["PPid"], user, state, strings.ReplaceAll(rss, " ", ""), line)
	}
	return tw.Flush()
}

// fields reads a /proc status file: key to value.
func fields(file string) (map[string]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out, sc.Err()
}

// names reads /etc/passwd or /etc/group: ID to name.
func names(file string) map[string]string {
	out := map[string]string{}
	dt, err := os.ReadFile(file)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(dt), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 {
			out[f[2]] = f[0]
		}
	}
	return out
}

// idCmd is id: the user and groups the shell runs as, named from the
// image's /etc/passwd and /etc/group.
type idCmd struct{ core.Base }

func (c *idCmd) Run(args ...string) error { return c.RunContext(context.Background(), args...) }

func (c *idCmd) RunContext(_ context.Context, args ...string) error {
	if len(args) > 0 {
		return fmt.Errorf("usage: id (of the shell's user)")
	}
	users, groups := names("/etc/passwd"), names("/etc/group")
	named := func(id int, m map[string]string) string {
		s := strconv.Itoa(id)
		if n, ok := m[s]; ok {
			return s + "(" + n + ")"
		}
		return s
	}
	gs, _ := os.Getgroups()
	var list []string
	for _, g := range gs {
		list = append(list, named(g, groups))
	}
	out := fmt.Sprintf("uid=%s gid=%s", named(os.Getuid(), users), named(os.Getgid(), groups))
	if len(list) > 0 {
		out += " groups=" + strings.Join(list, ",")
	}
	_, err := fmt.Fprintln(c.Stdout, out)
	return err
}

// envCmd is env without arguments: the exported variables, from the
// shell's when the shell runs it (list), else the process's.
type envCmd struct {
	core.Base
	list func() []string
}

func (c *envCmd) Run(args ...string) error { return c.RunContext(context.Background(), args...) }

func (c *envCmd) RunContext(_ context.Context, args ...string) error {
	if len(args) > 0 {
		return fmt.Errorf("usage: env (prints the environment; to run a program with more variables, use the shell: NAME=value program)")
	}
	vars := os.Environ()
	if c.list != nil {
		vars = c.list()
	}
	slices.Sort(vars)
	for _, v := range vars {
		if _, err := fmt.Fprintln(c.Stdout, v); err != nil {
			return err
		}
	}
	return nil
}
