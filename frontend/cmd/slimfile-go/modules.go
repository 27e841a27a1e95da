package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/slimfile/slimfile/internal/gocache"
)

// The module layer is a module proxy directory: the download directory
// (cache/download) of a module cache holding what go mod download of this
// go.mod fetches, zips, go.mod files and their hashes, without the
// extracted trees. It is several times smaller than a module cache, and
// the size of a layer is what --cache-to compresses and uploads.
// go build fills the persistent module cache from it (seedModules), once
// per layer: on a fresh builder that imported it, go mod download
// extracts the zips; on a warm one, the download step has already filled
// that cache, and nothing is done.

// proxyDir is where a module layer's proxy directory is, as a module
// cache keeps it.
const proxyDir = "cache/download"

// modules downloads the modules go.mod needs from the persistent module
// cache (GOMODCACHE), which go mod download filled, into out, with the
// persistent cache's download directory as the only proxy, and keeps only
// the download directory: out gets exactly the modules this go.mod needs,
// in the module proxy format. A failed copy (a module cache emptied under
// a cached download step) only leaves out incomplete, and go build
// downloads what it lacks.
func modules(out string) error {
	persist := os.Getenv("GOMODCACHE")
	if persist == "" {
		return errors.New("GOMODCACHE is not set")
	}
	err := command([]string{"go", "mod", "download"},
		"GOMODCACHE="+out, "GOPROXY=file://"+filepath.Join(persist, proxyDir), "GOSUMDB=off",
		"GOPRIVATE=", "GONOPROXY=", "GONOSUMDB=", "GOFLAGS=-modcacherw")
	if err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: the module layer is incomplete (%v); go build downloads what it lacks\n", err)
	}
	if err := keepProxy(out); err != nil {
		return err
	}
	id, err := proxyID(filepath.Join(out, proxyDir))
	if err != nil || id == "" {
		return err
	}
	return os.WriteFile(filepath.Join(out, gocache.IDFile), []byte(id+"\n"), 0o644)
}

// keepProxy removes from the module cache dir everything but the proxy
// files of its download directory: the extracted trees, the checksum
// database's tiles and the lock files.
func keepProxy(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != "cache" {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	cache := filepath.Join(dir, "cache")
	entries, _ = os.ReadDir(cache)
	for _, e := range entries {
		if e.Name() != "download" {
			if err := os.RemoveAll(filepath.Join(cache, e.Name())); err != nil {
				return err
			}
		}
	}
	download := filepath.Join(dir, proxyDir)
	if _, err := os.Stat(download); errors.Is(err, fs.ErrNotExist) {
		return nil // go mod download failed before fetching anything
	}
	if err := os.RemoveAll(filepath.Join(download, "sumdb")); err != nil {
		return err
	}
	return filepath.WalkDir(download, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			err = os.Remove(p)
		}
		return err
	})
}

// proxyID names the contents of a proxy directory: a hash of its files'
// names and sizes (a module version's files never change), empty when it
// holds none.
func proxyID(dir string) (string, error) {
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %d\n", rel, info.Size())
		n++
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) || n == 0 {
		return "", nil
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// seedModules fills the persistent module cache (GOMODCACHE) from the
// module layer dir with go mod download, once per layer
// (gocache.SeedOnce, with the cache's cache/slimfile-seeded). A failed
// seed only warns: go build downloads what the cache lacks.
func seedModules(dir string) {
	persist := os.Getenv("GOMODCACHE")
	if persist == "" {
		return
	}
	err := gocache.SeedOnce(dir, filepath.Join(persist, "cache", "slimfile-seeded"), func() error {
		missing, err := missingModules(filepath.Join(dir, proxyDir), persist)
		if err != nil {
			return fmt.Errorf("reading the module layer: %w", err)
		}
		if missing == 0 {
			return nil
		}
		// The proxy is the layer alone, and private modules come from it
		// too: go build keeps its own settings for anything it lacks.
		err = command([]string{"go", "mod", "download"},
			"GOPROXY=file://"+filepath.Join(dir, proxyDir), "GOSUMDB=off",
			"GOPRIVATE=", "GONOPROXY=", "GONOSUMDB=", "GOFLAGS=")
		if err != nil {
			return fmt.Errorf("filling the module cache from the module layer: %w", err)
		}
		fmt.Printf("module cache: %d modules from the module layer\n", missing)
		return nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "slimfile-go: %v; go build downloads what it lacks\n", err)
	}
}

// missingModules counts the module zips of the proxy directory proxy
// that the module cache persist has not extracted: <module>/@v/<v>.zip
// there is <module>@<v> here, both in the escaped form.
func missingModules(proxy, persist string) (int, error) {
	n := 0
	err := filepath.WalkDir(proxy, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".zip") {
			return err
		}
		rel, _ := filepath.Rel(proxy, p)
		mod, file, ok := strings.Cut(filepath.ToSlash(rel), "/@v/")
		if !ok {
			return nil
		}
		if _, err := os.Stat(filepath.Join(persist, mod+"@"+strings.TrimSuffix(file, ".zip"))); err != nil {
			n++
		}
		return nil
	})
	return n, err
}
