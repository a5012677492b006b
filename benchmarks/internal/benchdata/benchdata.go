// Package benchdata writes the inputs of the layer benchmarks: a 1 GiB
// file, half random and half text, and a tree of small files, both the
// same on every run. It is used by the benchmarks and by
// benchmarks/cmd/mklayer for benchmarks/pack-vs-tools.sh.
package benchdata

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Chunk is the size of the alternating pieces of BigFile.
const Chunk = 4 << 20

// BigFile writes size bytes to path: alternating Chunk-sized pieces of
// random bytes (a fixed seed) and of Go source from GOROOT/src (its .go
// files in name order, repeated as needed), random first. gzip -6
// takes it to about 60%.
func BigFile(path string, size int64) error {
	text, err := goSource()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.NewChaCha8([32]byte{'o', 'c', 'i', 's', 'p', 'e', 'c'})
	buf := make([]byte, Chunk)
	off := 0
	for i := int64(0); i*Chunk < size; i++ {
		n := int(min(Chunk, size-i*Chunk))
		if i%2 == 0 {
			rng.Read(buf[:n])
		} else {
			for j := 0; j < n; {
				c := copy(buf[j:n], text[off:])
				j += c
				off = (off + c) % len(text)
			}
		}
		if _, err := w.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// GOROOT returns the Go installation's root, as `go env GOROOT` says.
func GOROOT() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("benchdata: go env GOROOT: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func goSource() ([]byte, error) {
	root, err := GOROOT()
	if err != nil {
		return nil, err
	}
	src := filepath.Join(root, "src")
	var names []string
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && strings.HasSuffix(p, ".go") {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var text []byte
	for _, p := range names {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		text = append(text, b...)
	}
	if len(text) == 0 {
		return nil, fmt.Errorf("benchdata: no Go source in %s", src)
	}
	return text, nil
}

// TreeDirs are the GOROOT folders Tree copies: 221 MB in about 15,000
// files and 1,700 folders with Go 1.26.
var TreeDirs = []string{"src", "test", "api", "lib", "doc", "misc", "pkg"}

// Tree copies GOROOT's TreeDirs (files, folders, symbolic links, with
// their permissions) into dst.
func Tree(dst string, dirs ...string) error {
	if len(dirs) == 0 {
		dirs = TreeDirs
	}
	goroot, err := GOROOT()
	if err != nil {
		return err
	}
	for _, d := range dirs {
		from := filepath.Join(goroot, d)
		if _, err := os.Lstat(from); err != nil {
			continue
		}
		err := filepath.WalkDir(from, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(goroot, p)
			if err != nil {
				return err
			}
			to := filepath.Join(dst, rel)
			info, err := e.Info()
			if err != nil {
				return err
			}
			switch {
			case e.IsDir():
				return os.MkdirAll(to, info.Mode().Perm()|0o700)
			case e.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				return os.Symlink(target, to)
			case e.Type().IsRegular():
				return copyFile(p, to, info.Mode().Perm())
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
