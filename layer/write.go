package layer

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// isRoot says whether devices and named pipes may go in a preserved
// layer; tests replace it.
var isRoot = func() bool { return os.Geteuid() == 0 }

// Build scans the sources and writes their layer to w: [Scan] then
// [Plan.Write].
func Build(ctx context.Context, w io.Writer, opts Options, sources ...Source) (Layer, error) {
	p, err := Scan(ctx, sources...)
	if err != nil {
		return Layer{}, err
	}
	return p.Write(ctx, w, opts)
}

// Write writes the plan's layer to w: a tar stream of the entries in
// plan order, normalised or preserved as opts.Mode says, compressed as
// opts.Compression says, in writes of about 1 MiB.
//
// Everything happens in one pass over the files, on every core: the
// calling goroutine reads the files and writes the tar stream in 1 MiB
// chunks; each digester hashes the chunks on its own goroutine (the
// diffID); gzip compresses them in independent blocks on one goroutine
// per core ([GzipBlockSize]) and zstd on one of its own; the compressed
// chunks are hashed (the digest) and written to w on goroutines of
// their own. An uncompressed layer is hashed once: its digest is its
// diffID. Every goroutine has returned when Write does.
//
// The same plan and options give the same bytes on every run and every
// machine, whatever the number of cores, with the same versions of this
// package and of github.com/klauspost/compress: the uncompressed and
// zstd layers of a reproducible plan are those the ocispec command made
// before this package existed; gzip layers differ from those (which
// were compressed in one stream) since they are compressed in blocks.
//
// Before writing anything, Write refuses entries the mode cannot hold
// ([ErrUnsupportedFile]) unless opts.SkipUnsupported. A file that is not
// what Scan saw is an error wrapping [ErrFileChanged], and an entry's
// content of the wrong length one wrapping [ErrContentSize]; both name
// the file. The context is checked between chunks and once all is
// written: when it is done, Write returns its error (what was written
// to w is then a truncated layer, or a whole one the caller gave up
// on). An error of w ends the write with that error.
func (p *Plan) Write(ctx context.Context, w io.Writer, opts Options) (Layer, error) {
	s, err := opts.check()
	if err != nil {
		return Layer{}, err
	}
	skip, skipped, err := p.admit(s)
	if err != nil {
		return Layer{}, err
	}
	if err := ctx.Err(); err != nil {
		return Layer{}, fmt.Errorf("layer: %w", err)
	}
	sessions := make([]session, 0, len(p.sources))
	defer func() {
		for _, ss := range sessions {
			ss.close()
		}
	}()
	for _, sc := range p.sources {
		ss, err := sc.session()
		if err != nil {
			return Layer{}, err
		}
		sessions = append(sessions, ss)
	}

	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g := &group{cancel: cancel}
	nd := len(s.digests)
	workers := runtime.GOMAXPROCS(0)
	// Chunks queued for each consumer: enough slack that a stage the
	// system deschedules for a while does not stall the others at once.
	const depth = 8
	// A stream of a few chunks is not worth mapping memory for them.
	big := p.bytes >= 4*chunkSize

	raw := newFanout(nd+1, depth)
	diffIDs := startHashes(gctx, g, s.digests, raw)
	digests := diffIDs
	var out *chunker
	switch s.Compression {
	case core.Uncompressed:
		g.go_(func() error { return writeChunks(gctx, raw[nd], w) })
	default:
		outs := newFanout(nd+1, depth)
		digests = startHashes(gctx, g, s.digests, outs)
		g.go_(func() error { return writeChunks(gctx, outs[nd], w) })
		out = &chunker{ctx: gctx, pool: newPool(depth+2, big), out: outs}
		if s.Compression == core.Gzip {
			g.go_(func() error { return gzipStream(gctx, raw[nd], out, s.level) })
		} else {
			g.go_(func() error { return zstdStream(gctx, raw[nd], out) })
		}
	}
	rc := &chunker{ctx: gctx, pool: newPool(depth+3*workers+2, big), out: raw}
	entries, perr := p.produce(gctx, rc, sessions, s, skip)
	raw.close()
	if perr != nil {
		g.fail(perr)
	}
	g.wg.Wait()
	// Every goroutine that read or wrote a chunk has returned.
	rc.pool.release()
	if out != nil {
		out.pool.release()
	}
	if g.err == nil && ctx.Err() != nil {
		// Done while the last chunks were written: what was written may
		// be whole, but the caller has given up on it.
		g.err = context.Cause(ctx)
	}
	if g.err != nil {
		if ctx.Err() != nil && errors.Is(g.err, context.Cause(ctx)) {
			return Layer{}, fmt.Errorf("layer: %w", context.Cause(ctx))
		}
		return Layer{}, g.err
	}
	l := Layer{
		Compression:      s.Compression,
		UncompressedSize: rc.n,
		Size:             rc.n,
		Entries:          entries,
		Skipped:          skipped,
	}
	if out != nil {
		l.Size = out.n
	}
	for i, d := range s.digests {
		l.DiffIDs = append(l.DiffIDs, digest.NewDigestFromBytes(d.Algorithm(), diffIDs[i].Sum(nil)))
		l.Digests = append(l.Digests, digest.NewDigestFromBytes(d.Algorithm(), digests[i].Sum(nil)))
	}
	l.Digest, l.DiffID = l.Digests[0], l.DiffIDs[0]
	return l, nil
}

// startHashes starts one goroutine per digester on the first consumers
// of f.
func startHashes(ctx context.Context, g *group, ds []core.Digester, f fanout) []hash.Hash {
	hs := make([]hash.Hash, len(ds))
	for i, d := range ds {
		hs[i] = d.New()
		g.go_(func() error { return hashChunks(ctx, f[i], hs[i]) })
	}
	return hs
}

// admit checks every entry against the mode before anything is
// written, and lists those to skip.
func (p *Plan) admit(s settings) (skip []bool, skipped []string, err error) {
	skip = make([]bool, len(p.items))
	for i := range p.items {
		it := &p.items[i]
		var why string
		switch it.Type {
		case TypeSocket:
			why = "a tar layer cannot hold a socket"
		case TypeCharDevice, TypeBlockDevice, TypeFIFO:
			if s.Mode == Reproducible {
				why = "a reproducible layer holds only files, folders, links and whiteouts"
			} else if !isRoot() {
				why = "devices and named pipes are packed only when running as root"
			}
		}
		if why == "" {
			continue
		}
		if !s.SkipUnsupported {
			return nil, nil, fmt.Errorf("layer: %s: %w (a %v: %s)", p.sources[it.src].where(it), ErrUnsupportedFile, it.Type, why)
		}
		skip[i] = true
		skipped = append(skipped, it.Name)
	}
	return skip, skipped, nil
}

// produce writes the tar stream to rc and returns the number of
// entries written.
func (p *Plan) produce(ctx context.Context, rc *chunker, sessions []session, s settings, skip []bool) (int, error) {
	tw := tar.NewWriter(rc)
	links := map[fileID]string{} // preserve: first name of each inode with several links
	entries := 0
	hdr := new(tar.Header) // one for every entry: WriteHeader copies it
	for i := range p.items {
		if skip[i] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return entries, fmt.Errorf("layer: %w", context.Cause(ctx))
		}
		it := &p.items[i]
		ss := sessions[it.src]
		header(hdr, it, s)
		var r io.ReadCloser
		if it.Type == TypeRegular {
			if s.Mode == Preserve && it.file.known && it.file.nlink > 1 {
				key := fileID{dev: it.file.dev, ino: it.file.ino}
				if first, ok := links[key]; ok {
					hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
				} else {
					links[key] = it.tar
				}
			}
			if hdr.Typeflag == tar.TypeReg {
				var err error
				if r, err = ss.open(it); err != nil {
					return entries, err
				}
			}
		}
		err := p.writeEntry(ctx, tw, rc, ss, it, hdr, r, s)
		if r != nil {
			r.Close()
		}
		if err != nil {
			return entries, err
		}
		entries++
	}
	if err := tw.Close(); err != nil {
		return entries, wrapWrite(ctx, "", err)
	}
	return entries, rc.flush()
}

func (p *Plan) writeEntry(ctx context.Context, tw *tar.Writer, rc *chunker, ss session, it *item, hdr *tar.Header, r io.Reader, s settings) error {
	if s.Mode == Preserve {
		xa, err := ss.xattrs(it, r)
		if err != nil {
			return err
		}
		for k, v := range it.Xattrs {
			if xa == nil {
				xa = map[string]string{}
			}
			xa[k] = v
		}
		if len(xa) > 0 {
			hdr.Format = tar.FormatPAX
			hdr.PAXRecords = make(map[string]string, len(xa))
			for k, v := range xa {
				hdr.PAXRecords["SCHILY.xattr."+k] = v
			}
		}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return wrapWrite(ctx, p.sources[it.src].where(it), err)
	}
	if r == nil {
		return nil
	}
	// A file of a folder is read with read(2), which returns fewer bytes
	// than asked for a regular file only at its end: the read of its last
	// bytes asks for one more, so that it also finds the end (or that the
	// file grew) without a read of its own.
	_, fd := r.(*fdFile)
	ended := false
	remaining := it.Size
	for remaining > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("layer: %w", context.Cause(ctx))
		}
		room, err := rc.space()
		if err != nil {
			return wrapWrite(ctx, it.Name, err)
		}
		var n int
		var rerr error
		if want := min(int64(len(room)), remaining); fd && want < int64(len(room)) {
			n, rerr = r.Read(room[:want+1])
			if int64(n) > want {
				return sizeError(it, ss, p.sources[it.src].where(it), 0, true)
			}
			if n == 0 && rerr == nil {
				rerr = io.ErrNoProgress
			}
			ended = int64(n) == want
		} else {
			n, rerr = io.ReadFull(r, room[:want])
		}
		if n > 0 {
			if _, err := tw.Write(room[:n]); err != nil {
				return wrapWrite(ctx, it.Name, err)
			}
			remaining -= int64(n)
			if s.Progress != nil {
				s.Progress(int64(n))
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return sizeError(it, ss, p.sources[it.src].where(it), it.Size-remaining, false)
		}
		if rerr != nil {
			return fmt.Errorf("layer: %s: reading: %w", p.sources[it.src].where(it), rerr)
		}
	}
	if ended {
		return nil
	}
	var one [1]byte
	if n, _ := io.ReadAtLeast(r, one[:], 1); n > 0 {
		return sizeError(it, ss, p.sources[it.src].where(it), 0, true)
	}
	return nil
}

func sizeError(it *item, ss session, where string, got int64, grew bool) error {
	what, name := ss.mismatch(), where
	switch {
	case what == ErrContentSize && grew:
		return fmt.Errorf("layer: %s: %w: more than the %d bytes the entry says", name, what, it.Size)
	case what == ErrContentSize:
		return fmt.Errorf("layer: %s: %w: %d bytes, the entry says %d", name, what, got, it.Size)
	case grew:
		return fmt.Errorf("layer: %s: %w: it grew past the %d bytes it had when scanned", name, what, it.Size)
	}
	return fmt.Errorf("layer: %s: %w: it had %d bytes when scanned, %d now", name, what, it.Size, got)
}

// wrapWrite reports an error of the tar writer, which is the group's
// cause when the pipeline stopped.
func wrapWrite(ctx context.Context, name string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("layer: %w", context.Cause(ctx))
	}
	if name == "" {
		return fmt.Errorf("layer: %w", err)
	}
	return fmt.Errorf("layer: %s: %w", name, err)
}

// header sets hdr to the tar header of an entry in the mode of s.
func header(hdr *tar.Header, it *item, s settings) {
	*hdr = tar.Header{Name: it.tar}
	switch it.Type {
	case TypeDir:
		hdr.Typeflag = tar.TypeDir
	case TypeRegular:
		hdr.Typeflag, hdr.Size = tar.TypeReg, it.Size
	case TypeSymlink:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, it.Linkname
	case TypeHardLink:
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, it.Linkname
	case TypeCharDevice:
		hdr.Typeflag = tar.TypeChar
	case TypeBlockDevice:
		hdr.Typeflag = tar.TypeBlock
	case TypeFIFO:
		hdr.Typeflag = tar.TypeFifo
	case TypeWhiteout, TypeOpaqueWhiteout:
		hdr.Typeflag = tar.TypeReg
	}
	if s.Mode == Reproducible {
		hdr.ModTime = s.mtime
		switch it.Type {
		case TypeDir:
			hdr.Mode = DirMode
		case TypeSymlink:
			hdr.Mode = LinkMode
		case TypeRegular:
			hdr.Mode = FileMode
			if it.Mode&0o100 != 0 {
				hdr.Mode = ExecMode
			}
		default:
			hdr.Mode = FileMode
		}
		return
	}
	hdr.Mode = int64(it.Mode.Perm())
	if it.Mode&os.ModeSetuid != 0 {
		hdr.Mode |= 0o4000
	}
	if it.Mode&os.ModeSetgid != 0 {
		hdr.Mode |= 0o2000
	}
	if it.Mode&os.ModeSticky != 0 {
		hdr.Mode |= 0o1000
	}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = it.Uid, it.Gid, it.Uname, it.Gname
	if hdr.Uname == "" && hdr.Gname == "" && s.OwnerNames != nil {
		hdr.Uname, hdr.Gname = s.OwnerNames(it.Uid, it.Gid)
	}
	hdr.Devmajor, hdr.Devminor = it.Devmajor, it.Devminor
	hdr.ModTime = s.mtime
	if !it.ModTime.IsZero() {
		hdr.ModTime = it.ModTime.Truncate(time.Second)
	}
}
