package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Source supplies the data of one file of an archive being written.
type Source interface {
	// Open returns the data and its length in bytes; the writer reads
	// exactly size bytes and fails if the reader has fewer or more. It
	// is called once per write, and the reader is closed after.
	Open(ctx context.Context) (r io.ReadCloser, size int64, err error)
}

// FromBytes is a Source of bytes in memory.
func FromBytes(b []byte) Source { return bytesSource(b) }

type bytesSource []byte

func (s bytesSource) Open(context.Context) (io.ReadCloser, int64, error) {
	return io.NopCloser(bytes.NewReader(s)), int64(len(s)), nil
}

// FromFile is a Source that reads the regular file at path; its size is
// taken when the archive is written, and a file that grows or shrinks
// while it is copied is an error wrapping ErrSourceChanged.
func FromFile(path string) Source { return fileSource(path) }

type fileSource string

func (s fileSource) Open(context.Context) (io.ReadCloser, int64, error) {
	f, err := os.Open(string(s))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s is a %v", ErrNotRegular, string(s), fi.Mode().Type())
	}
	return f, fi.Size(), nil
}

// FromReader is a Source of size bytes read from r, which is not closed.
// It can be written once.
func FromReader(r io.Reader, size int64) Source { return &readerSource{r: r, size: size} }

type readerSource struct {
	mu   sync.Mutex
	r    io.Reader
	size int64
	used bool
}

func (s *readerSource) Open(context.Context) (io.ReadCloser, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used {
		return nil, 0, errors.New("archive: a FromReader source can be written only once")
	}
	s.used = true
	return io.NopCloser(s.r), s.size, nil
}

// Executable marks a Source's file as executable: mode 0755 instead of
// 0644.
func Executable(s Source) Source { return execSource{s} }

type execSource struct{ Source }

// WriteOptions control [Write] and [WriteFile]. The zero value (or nil)
// stamps every entry with the Unix epoch.
type WriteOptions struct {
	// ModTime is the modification time of every entry, to the second;
	// the zero time is the Unix epoch.
	ModTime time.Time
}

// Write writes a tar archive of files (name → data) to w and returns the
// number of bytes written. The archive is reproducible: entries sorted
// by name (byte order), each folder a name needs written once before it
// as a directory entry, one modification time for all, owner and group
// 0 without names, mode 0755 for folders and Executable files and 0644
// for the others, USTAR headers (PAX only for names too long for them)
// and the two zero blocks at the end: the same files give the same
// bytes. Names are slash-separated and relative, without "." or ".."
// elements; a name that is also another's folder is an error. ctx is
// checked between buffers.
func Write(ctx context.Context, w io.Writer, files map[string]Source, opts *WriteOptions) (int64, error) {
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	mtime := time.Unix(0, 0)
	if !o.ModTime.IsZero() {
		mtime = time.Unix(o.ModTime.Unix(), 0)
	}
	names, dirs, err := plan(files)
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: w}
	tw := tar.NewWriter(cw)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return cw.n, err
		}
		if dirs[name] {
			h := header(name+"/", tar.TypeDir, 0o755, 0, mtime)
			if err := tw.WriteHeader(h); err != nil {
				return cw.n, fmt.Errorf("archive: writing %s/: %w", name, err)
			}
			continue
		}
		if err := writeFile(ctx, tw, name, files[name], mtime, *bp); err != nil {
			return cw.n, err
		}
	}
	if err := tw.Close(); err != nil {
		return cw.n, fmt.Errorf("archive: %w", err)
	}
	return cw.n, nil
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

func header(name string, typ byte, mode, size int64, mtime time.Time) *tar.Header {
	// The format is left to archive/tar, which writes USTAR whenever the
	// header fits it and PAX records only for what does not (a long or
	// non-ASCII name, a file of 8 GiB or more).
	return &tar.Header{Typeflag: typ, Name: name, Mode: mode, Size: size, ModTime: mtime}
}

func writeFile(ctx context.Context, tw *tar.Writer, name string, src Source, mtime time.Time, buf []byte) (err error) {
	mode := int64(0o644)
	if _, ok := src.(execSource); ok {
		mode = 0o755
	}
	r, size, err := src.Open(ctx)
	if err != nil {
		return fmt.Errorf("archive: writing %s: %w", name, err)
	}
	defer r.Close()
	if size < 0 {
		return fmt.Errorf("archive: writing %s: negative size %d", name, size)
	}
	if err := tw.WriteHeader(header(name, tar.TypeReg, mode, size, mtime)); err != nil {
		return fmt.Errorf("archive: writing %s: %w", name, err)
	}
	var n int64
	for n < size {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := min(int64(len(buf)), size-n)
		m, err := io.ReadFull(r, buf[:want])
		if m > 0 {
			if _, werr := tw.Write(buf[:m]); werr != nil {
				return fmt.Errorf("archive: writing %s: %w", name, werr)
			}
			n += int64(m)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("archive: writing %s: %w: %d bytes where %d were announced", name, ErrSourceChanged, n, size)
		}
		if err != nil {
			return fmt.Errorf("archive: writing %s: %w", name, err)
		}
	}
	var one [1]byte
	if m, _ := r.Read(one[:]); m > 0 {
		return fmt.Errorf("archive: writing %s: %w: more than the %d bytes announced", name, ErrSourceChanged, size)
	}
	return nil
}

// plan checks the names and returns them with their folders, sorted as
// the entries are written, and which are folders.
func plan(files map[string]Source) ([]string, map[string]bool, error) {
	dirs := map[string]bool{}
	var names []string
	for name, src := range files {
		clean, err := cleanName(name)
		switch {
		case err != nil:
			return nil, nil, fmt.Errorf("archive: file %q: %w", name, err)
		case clean != name:
			return nil, nil, fmt.Errorf("archive: file %q: %w: not a clean name (want %q)", name, ErrInvalidName, clean)
		case src == nil:
			return nil, nil, fmt.Errorf("archive: file %q: nil source", name)
		}
		names = append(names, name)
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if dirs[d] {
				break
			}
			dirs[d] = true
		}
	}
	for d := range dirs {
		if _, ok := files[d]; ok {
			return nil, nil, fmt.Errorf("archive: file %q: %w: it is also the folder of other files", d, ErrDuplicate)
		}
		names = append(names, d)
	}
	// Sort by the names as written, folders with their trailing slash:
	// a folder then comes before everything in it.
	key := func(n string) string {
		if dirs[n] {
			return n + "/"
		}
		return n
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(key(a), key(b)) })
	return names, dirs, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteFile writes the archive of files (see [Write]) to path, the
// crash-safe way: into a temporary file in path's folder, which is
// synced, renamed to path only when the archive is whole, and the folder
// synced. On any error, or when ctx is cancelled, the temporary file is
// removed and path keeps what it had (or stays absent). The file's mode
// is 0644.
func WriteFile(ctx context.Context, path string, files map[string]Source, opts *WriteOptions) (err error) {
	dir := filepath.Dir(path)
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err = Write(ctx, bw, files, opts); err != nil {
		return &pathError{path, err}
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("archive: %s: %w", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("archive: %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("archive: sync %s: %w", path, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("archive: close %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		serr := d.Sync()
		d.Close()
		if serr != nil && !errors.Is(serr, syscall.EINVAL) && !errors.Is(serr, syscall.ENOTSUP) {
			return fmt.Errorf("archive: sync %s: %w", dir, serr)
		}
	}
	return nil
}
