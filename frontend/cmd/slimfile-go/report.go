package main

import (
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/slimfile/slimfile/binfacts"
	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/internal/layerblob"
	"github.com/slimfile/slimfile/report"
)

// makeReport measures what the request c.Request asks of one platform's
// image and writes report.json, report.svg and report.html into c.Out.
func makeReport(c *gostep.Report) error {
	dt, err := os.ReadFile(c.Request)
	if err != nil {
		return err
	}
	var req report.Request
	if err := json.Unmarshal(dt, &req); err != nil {
		return fmt.Errorf("the report's request: %w", err)
	}
	r, err := measure(&req)
	if err != nil {
		return err
	}
	for name, render := range map[string]func(*report.Report) ([]byte, error){"report.json": report.JSON, "report.svg": report.SVG, "report.html": report.HTML} {
		dt, err := render(r)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := writeFile(filepath.Join(c.Out, name), dt); err != nil {
			return err
		}
	}
	for _, p := range report.Inconsistencies(r) {
		fmt.Fprintln(os.Stderr, "slimfile-go: report:", p)
	}
	fmt.Printf("image %s (%s uncompressed) in %d layers\n", mb(r.Image.Compressed), mb(r.Image.Size), len(r.Image.Layers))
	return nil
}

// measure makes the report of req.
func measure(req *report.Request) (*report.Report, error) {
	r := &report.Report{Schema: report.SchemaID, Target: req.Target, Platform: req.Platform, Seccomp: req.Seccomp, Vulns: req.Vulns}
	files := map[string]string{} // path in the image -> file in the step
	for _, l := range req.Layers {
		entries, err := layerblob.FromTree(l.Dir)
		if err != nil {
			return nil, err
		}
		blob, err := layerblob.Compute(entries, req.Epoch)
		if err != nil {
			return nil, err
		}
		rl := report.Layer{Digest: blob.Digest, Compressed: blob.Size, Size: blob.UncompressedSize, What: l.What}
		for _, e := range entries {
			p := "/" + e.Path
			f := report.File{Path: p, Size: e.Size, Mode: modeString(e), Binary: slices.Index(req.Binaries, p)}
			if e.Mode.IsDir() {
				f.Size = 0
			}
			rl.Files = append(rl.Files, f)
			if e.Mode.IsRegular() {
				files[p] = filepath.Join(l.Dir, filepath.FromSlash(e.Path))
			}
		}
		report.EstimateCompressed(&rl)
		r.Image.Layers = append(r.Image.Layers, rl)
		r.Image.Compressed += rl.Compressed
		r.Image.Size += rl.Size
	}
	for _, p := range req.Binaries {
		b, mods, err := measureBinary(files[p], p, req)
		if err != nil {
			return nil, err
		}
		r.Binaries = append(r.Binaries, *b)
		// The modules of every binary, each once, the first's first.
		for _, m := range mods {
			if !slices.ContainsFunc(r.Modules, func(o report.Module) bool { return o.Path == m.Path }) {
				r.Modules = append(r.Modules, m)
			}
		}
	}
	for what, p := range map[*int64]string{&r.Floor.Certs: req.Certs, &r.Floor.Zoneinfo: req.Zoneinfo} {
		if p != "" {
			*what = gzipSize(files[p])
		}
	}
	for _, p := range req.Binaries {
		r.Floor.Binary += gzipSize(files[p])
	}
	r.Floor.Total = r.Floor.Binary + r.Floor.Certs + r.Floor.Zoneinfo
	r.Floor.Image = r.Image.Compressed
	return r, nil
}

// measureBinary attributes every byte of the binary at file (path p in the
// image), checks its hardening, and reads its modules.
func measureBinary(file, p string, req *report.Request) (*report.Binary, []report.Module, error) {
	if file == "" {
		return nil, nil, fmt.Errorf("no binary %s in the image's layers", p)
	}
	bin, unmap, err := binfacts.MapFile(file)
	if err != nil {
		return nil, nil, err
	}
	defer unmap()
	b := &report.Binary{Path: p, Size: int64(len(bin))}
	a, err := binfacts.Attribute(bin)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	for _, part := range a.Parts {
		b.Parts = append(b.Parts, report.Part{Name: part.Name, Bytes: part.Bytes, What: part.What})
	}
	for _, m := range a.Modules {
		rm := report.ModuleSize{Path: m.Path, Version: m.Version, Bytes: m.Bytes}
		for _, pkg := range m.Packages {
			rp := report.PackageSize{Path: pkg.Path, Bytes: pkg.Bytes}
			for _, f := range pkg.Functions {
				rp.Functions = append(rp.Functions, report.FuncSize{Name: f.Name, Bytes: f.Bytes})
			}
			rm.Packages = append(rm.Packages, rp)
		}
		b.Modules = append(b.Modules, rm)
	}
	checks, err := binfacts.Harden(bin, binfacts.Expect{Stripped: req.Strip, Trimpath: req.Trimpath, BuilderPaths: req.BuilderPaths})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	for _, c := range checks {
		b.Hardening = append(b.Hardening, report.Check{Name: c.Name, OK: c.OK, Found: c.Found, Wanted: c.Wanted, Info: c.Info})
	}
	var mods []report.Module
	if bi, err := buildinfo.Read(bytes.NewReader(bin)); err == nil {
		b.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			b.Settings = append(b.Settings, report.Setting{Key: s.Key, Value: s.Value})
		}
		for _, d := range bi.Deps {
			m := report.Module{Path: d.Path, Version: d.Version, Sum: d.Sum}
			if d.Replace != nil {
				m.Version, m.Sum = d.Replace.Version, d.Replace.Sum
			}
			mods = append(mods, m)
		}
	}
	return b, mods, nil
}

// modeString is a file's mode as the report gives it: 0755, dir, symlink.
func modeString(e layerblob.Entry) string {
	switch {
	case e.Mode.IsDir():
		return "dir"
	case e.Mode&os.ModeSymlink != 0:
		return "symlink"
	}
	m := e.Mode.Perm()
	if e.Mode&os.ModeSetuid != 0 {
		m |= 0o4000
	}
	if e.Mode&os.ModeSetgid != 0 {
		m |= 0o2000
	}
	if e.Mode&os.ModeSticky != 0 {
		m |= 0o1000
	}
	return fmt.Sprintf("%04o", uint32(m))
}

// gzipSize is the size of the file compressed alone at gzip's best level,
// as the floor counts it; 0 for no file.
func gzipSize(file string) int64 {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	var n countWriter
	zw, _ := gzip.NewWriterLevel(&n, gzip.BestCompression)
	if _, err := io.Copy(zw, f); err != nil {
		return 0
	}
	zw.Close()
	return int64(n)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// mb is bytes in megabytes, one place of decimals.
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
