package tarlayer

import (
	"archive/tar"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
)

// Normalised metadata of every entry.
const (
	DirMode  = 0o755 // directories
	ExecMode = 0o755 // regular files with the owner's execute bit
	FileMode = 0o644 // other regular files
	LinkMode = 0o777 // symbolic links
)

// EnvSourceDateEpoch is the reproducible-builds variable that
// [ModTimeFromEnv] reads: seconds since the Unix epoch.
const EnvSourceDateEpoch = "SOURCE_DATE_EPOCH"

// copyBuffer is the size of the reads of file contents; the context is
// checked between them.
const copyBuffer = 1 << 20

// Entry is one file, directory or symbolic link of a [Plan].
type Entry struct {
	// Name is the slash-separated path inside the layer, without a
	// leading "./"; directories end with "/".
	Name string
	// Path is the file on disk.
	Path string
	// Type is tar.TypeDir, tar.TypeReg or tar.TypeSymlink.
	Type byte
	// Mode is the normalised permission bits.
	Mode int64
	// Size is the file's size when planned (0 for others).
	Size int64
	// Link is a symbolic link's target, as stored.
	Link string
}

// Plan is the list of what a layer will hold, in the order it is
// written. It is made by [Scan] and written by [Plan.Write].
type Plan struct {
	Root    string
	Entries []Entry
	// Bytes is the sum of the regular files' sizes: what Write reads,
	// for a progress bar.
	Bytes int64
}

// Scan lists the folder at root: every directory, regular file and
// symbolic link below it, parents before children, the entries of each
// folder in byte order of their names. Hard links are listed as regular
// files. Anything else (a device, a pipe, a socket) is an error naming
// it, as is a root that is not a folder. A root that is a symbolic link
// is followed; links below it are not.
func Scan(root string) (*Plan, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("tarlayer: %w", unwrapPath(err, root))
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("tarlayer: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("tarlayer: %s: %w", root, ErrNotDir)
	}
	p := &Plan{Root: root}
	err = filepath.WalkDir(real, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("tarlayer: %w", err)
		}
		if path == real {
			return nil
		}
		rel, err := filepath.Rel(real, path)
		if err != nil {
			return fmt.Errorf("tarlayer: %s: %w", path, err)
		}
		name := filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("tarlayer: %w", err)
		}
		e := Entry{Name: name, Path: path}
		switch m := info.Mode(); {
		case m.IsDir():
			e.Type, e.Mode, e.Name = tar.TypeDir, DirMode, name+"/"
		case m.IsRegular():
			e.Type, e.Mode, e.Size = tar.TypeReg, FileMode, info.Size()
			if m.Perm()&0o100 != 0 {
				e.Mode = ExecMode
			}
			p.Bytes += e.Size
		case m&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return fmt.Errorf("tarlayer: %w", err)
			}
			e.Type, e.Mode, e.Link = tar.TypeSymlink, LinkMode, filepath.ToSlash(target)
		default:
			return fmt.Errorf("tarlayer: %s: %w (%s)", path, ErrUnsupportedFile, describeMode(m))
		}
		p.Entries = append(p.Entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// unwrapPath makes an error of EvalSymlinks name the path the caller
// gave.
func unwrapPath(err error, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: "open", Path: path, Err: pe.Err}
	}
	return err
}

// Options control [Plan.Write].
type Options struct {
	// Compression of the layer: core.Uncompressed, core.Gzip or
	// core.Zstd.
	Compression core.Compression
	// Algorithm of the digest and the diffID; "" means sha256. It must be
	// served by Algorithms.
	Algorithm digest.Algorithm
	// Algorithms supplies the hash; nil means core.DefaultAlgorithms.
	Algorithms *core.Algorithms
	// ModTime is the time every entry carries, truncated to the second;
	// the zero value means the Unix epoch (see [ModTimeFromEnv]).
	ModTime time.Time
	// Progress, when set, is called with the number of bytes of file
	// content just read, from the calling goroutine.
	Progress func(n int64)
}

// Layer describes a layer [Plan.Write] wrote.
type Layer struct {
	// Digest and Size are those of the bytes written (the layer blob).
	Digest digest.Digest
	Size   int64
	// DiffID and UncompressedSize are those of the tar stream before
	// compression; equal to Digest and Size for an uncompressed layer.
	DiffID           digest.Digest
	UncompressedSize int64
	// Entries is how many entries the tar stream holds.
	Entries int
}

// Write writes the plan's layer to w: a tar stream (entries in plan
// order; times, owners and modes normalised; no user or group names,
// no extended attributes) compressed as opts says. The same files give
// the same bytes on every run and every machine with the same version
// of this package and of github.com/klauspost/compress. A file whose
// size changes between Scan and Write is an error wrapping
// [ErrFileChanged]. The context is checked between entries and between
// reads of a file's contents.
func (p *Plan) Write(ctx context.Context, w io.Writer, opts Options) (Layer, error) {
	reg := opts.Algorithms
	if reg == nil {
		reg = core.DefaultAlgorithms
	}
	alg := opts.Algorithm
	if alg == "" {
		alg = core.SHA256
	}
	outer, err := reg.NewHash(alg)
	if err != nil {
		return Layer{}, fmt.Errorf("tarlayer: %w", err)
	}
	inner, err := reg.NewHash(alg)
	if err != nil {
		return Layer{}, fmt.Errorf("tarlayer: %w", err)
	}
	out := &countingWriter{w: io.MultiWriter(w, outer)}
	var comp io.WriteCloser
	switch opts.Compression {
	case core.Uncompressed:
		comp = nopCloser{out}
	case core.Gzip:
		comp, err = gzip.NewWriterLevel(out, gzip.DefaultCompression)
	case core.Zstd:
		comp, err = zstd.NewWriter(out, zstd.WithEncoderLevel(zstd.SpeedDefault))
	default:
		err = fmt.Errorf("%w: %v", ErrCompression, opts.Compression)
	}
	if err != nil {
		return Layer{}, fmt.Errorf("tarlayer: %w", err)
	}
	tarStream := &countingWriter{w: io.MultiWriter(comp, inner)}
	tw := tar.NewWriter(tarStream)
	mtime := opts.ModTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	mtime = mtime.UTC().Truncate(time.Second)
	buf := make([]byte, copyBuffer)
	for _, e := range p.Entries {
		if err := ctx.Err(); err != nil {
			return Layer{}, fmt.Errorf("tarlayer: %w", err)
		}
		hdr := &tar.Header{
			Typeflag: e.Type,
			Name:     e.Name,
			Linkname: e.Link,
			Mode:     e.Mode,
			Size:     e.Size,
			ModTime:  mtime,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return Layer{}, fmt.Errorf("tarlayer: %s: %w", e.Path, err)
		}
		if e.Type == tar.TypeReg {
			if err := copyFile(ctx, tw, e, buf, opts.Progress); err != nil {
				return Layer{}, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return Layer{}, fmt.Errorf("tarlayer: %w", err)
	}
	if err := comp.Close(); err != nil {
		return Layer{}, fmt.Errorf("tarlayer: %w", err)
	}
	if out.err != nil {
		return Layer{}, fmt.Errorf("tarlayer: %w", out.err)
	}
	return Layer{
		Digest:           encode(alg, outer),
		Size:             out.n,
		DiffID:           encode(alg, inner),
		UncompressedSize: tarStream.n,
		Entries:          len(p.Entries),
	}, nil
}

// copyFile writes exactly e.Size bytes of the file to tw, failing when
// the file is shorter or longer than it was when planned.
func copyFile(ctx context.Context, tw io.Writer, e Entry, buf []byte, progress func(int64)) error {
	f, err := os.Open(e.Path)
	if err != nil {
		return fmt.Errorf("tarlayer: %w", err)
	}
	defer f.Close()
	remaining := e.Size
	for remaining > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("tarlayer: %w", err)
		}
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), remaining)])
		if n > 0 {
			if _, werr := tw.Write(buf[:n]); werr != nil {
				return fmt.Errorf("tarlayer: %s: %w", e.Path, werr)
			}
			remaining -= int64(n)
			if progress != nil {
				progress(int64(n))
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("tarlayer: %s: %w: it had %d bytes when scanned, %d now", e.Path, ErrFileChanged, e.Size, e.Size-remaining)
		}
		if err != nil {
			return fmt.Errorf("tarlayer: %s: %w", e.Path, err)
		}
	}
	var one [1]byte
	if n, _ := f.Read(one[:]); n > 0 {
		return fmt.Errorf("tarlayer: %s: %w: it grew past the %d bytes it had when scanned", e.Path, ErrFileChanged, e.Size)
	}
	return nil
}

// ModTimeFromEnv returns the time given by SOURCE_DATE_EPOCH (seconds
// since the Unix epoch), or the zero time when it is unset. A value that
// is not a non-negative integer is an error.
func ModTimeFromEnv() (time.Time, error) {
	v, ok := os.LookupEnv(EnvSourceDateEpoch)
	if !ok || v == "" {
		return time.Time{}, nil
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	// Image configs write times as RFC 3339, whose years have four
	// digits: the last second of 9999 is the latest time they can say.
	if err != nil || secs < 0 || secs > maxEpoch {
		return time.Time{}, fmt.Errorf("tarlayer: %s=%q: %w (want seconds since 1970-01-01, at most %d, the end of the year 9999)", EnvSourceDateEpoch, v, ErrInvalidEpoch, maxEpoch)
	}
	return time.Unix(secs, 0).UTC(), nil
}

func encode(alg digest.Algorithm, h hash.Hash) digest.Digest {
	return digest.Digest(string(alg) + ":" + hex.EncodeToString(h.Sum(nil)))
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// maxEpoch is 9999-12-31T23:59:59Z in seconds since the Unix epoch.
const maxEpoch = 253402300799
