package orasbridge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/registry/remote"
)

// registryDest writes a repository of a registry. Blobs are uploaded as
// they are pushed (after a HEAD, by Copy's Exists; mounted from a
// repository of the same registry opened for reading when there is
// one); manifests and indexes are held and sent at Commit, those below
// first and the tagged ones last, by their tag: nothing is visible under
// a tag before Commit.
type registryDest struct {
	ref    DockerReference
	repo   *remote.Repository
	reg    *core.Registry
	maxDoc int64

	mu    sync.Mutex
	held  map[digest.Digest]heldDoc
	order []digest.Digest
	sent  map[digest.Digest]bool
}

type heldDoc struct {
	d   core.Descriptor
	raw []byte
}

var (
	_ transport.Destination = (*registryDest)(nil)
	_ transport.FilePusher  = (*registryDest)(nil)
)

func (d *registryDest) Reference() transport.Reference { return d.ref }

// Exists asks the registry whether it has the blob (a HEAD request). A
// manifest or index is reported present only once pushed here: Copy
// then hands over its bytes, and Commit sends it unless the registry
// has it.
func (d *registryDest) Exists(ctx context.Context, desc core.Descriptor) (bool, error) {
	if transport.IsDocument(d.reg, desc.MediaType) {
		d.mu.Lock()
		_, ok := d.held[desc.Digest]
		d.mu.Unlock()
		return ok, nil
	}
	ok, err := d.repo.Blobs().Exists(ctx, desc.OCI())
	if err != nil {
		return false, d.ref.wrap("check blob "+string(desc.Digest), err)
	}
	return ok, nil
}

// Push uploads a blob, verified as it is sent: content of another size
// or digest stops the upload before the registry commits it. A blob of
// a repository of the same registry opened for reading is mounted from
// there (nothing is read from r). A manifest or index is read, verified,
// and held for Commit.
func (d *registryDest) Push(ctx context.Context, desc core.Descriptor, r io.Reader) error {
	vr, err := digesters.NewVerifyingReaderWith(d.reg.Algorithms(), r, desc)
	if err != nil {
		return fmt.Errorf("orasbridge: %s: %w", d.ref, err)
	}
	if transport.IsDocument(d.reg, desc.MediaType) {
		raw, err := core.ReadDocument(vr, d.maxDoc)
		if err != nil {
			return fmt.Errorf("orasbridge: %s: manifest %s: %w", d.ref, desc.Digest, err)
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, ok := d.held[desc.Digest]; !ok {
			d.held[desc.Digest] = heldDoc{d: core.Descriptor{MediaType: desc.MediaType, Size: desc.Size, Digest: desc.Digest}, raw: raw}
			d.order = append(d.order, desc.Digest)
		}
		return nil
	}
	body := &checked{r: vr}
	if from := d.ref.transport().mountFrom(d.ref.Host, d.ref.Repository); from != "" {
		err = d.repo.Mount(ctx, desc.OCI(), from, func() (io.ReadCloser, error) { return io.NopCloser(body), nil })
	} else {
		err = d.repo.Blobs().Push(ctx, desc.OCI(), body)
	}
	if body.err != nil {
		return fmt.Errorf("orasbridge: %s: push blob %s: %w", d.ref, desc.Digest, body.err)
	}
	return d.ref.wrap("push blob "+string(desc.Digest), err)
}

// PushFile uploads a blob from its file, the kernel sending it
// (sendfile, over plain HTTP; read otherwise) while another goroutine
// hashes the file: content of another digest cancels the upload, and is
// refused by the registry in any case, since it checks the upload
// against the digest it is committed under; the error wraps
// core.ErrDigestMismatch either way. A file of another size is not sent.
// A blob mounted from another repository, and a manifest or index, go
// through Push.
func (d *registryDest) PushFile(ctx context.Context, desc core.Descriptor, f *os.File, progress func(int64)) error {
	var r io.Reader = f
	if progress != nil {
		r = &progressReader{r: f, fn: progress}
	}
	if transport.IsDocument(d.reg, desc.MediaType) || d.ref.transport().mountFrom(d.ref.Host, d.ref.Repository) != "" {
		return d.Push(ctx, desc, r)
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("orasbridge: %s: push blob %s: %w", d.ref, desc.Digest, err)
	}
	if fi.Size() != desc.Size {
		return fmt.Errorf("orasbridge: %s: push blob %s: %w", d.ref, desc.Digest, &core.SizeMismatchError{Want: desc.Size, Got: fi.Size()})
	}
	vr, err := digesters.NewVerifyingReaderWith(d.reg.Algorithms(), io.NewSectionReader(f, 0, desc.Size+1), desc)
	if err != nil {
		return fmt.Errorf("orasbridge: %s: %w", d.ref, err)
	}
	upCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hashed := make(chan error, 1)
	go func() {
		err := hashFile(upCtx, vr, progress)
		if err != nil {
			cancel(err)
		}
		hashed <- err
	}()
	err = d.repo.Blobs().Push(upCtx, desc.OCI(), fileBody{f})
	if err != nil {
		cancel(err) // stop the hashing of a blob not sent
	}
	// What the hashing found wins (the upload failed of it); else the
	// upload's error.
	herr := <-hashed
	if herr != nil && (err == nil || errors.Is(herr, core.ErrDigestMismatch) || errors.Is(herr, core.ErrSizeMismatch)) {
		return fmt.Errorf("orasbridge: %s: push blob %s: %w", d.ref, desc.Digest, herr)
	}
	return d.ref.wrap("push blob "+string(desc.Digest), err)
}

// hashFile reads a verifying reader to its end, checking ctx between
// buffers and reporting progress.
func hashFile(ctx context.Context, vr io.Reader, progress func(int64)) error {
	buf := make([]byte, 128<<10)
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		n, err := vr.Read(buf)
		if n > 0 && progress != nil {
			progress(int64(n))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// fileBody is a blob's file as an upload's body. net/http hands a body
// that is a syscall.Conn to the kernel (sendfile) when it writes to a
// TCP connection, and reads it otherwise. It is an io.ReadCloser so that
// net/http does not wrap it in a reader that hides SyscallConn; Close
// leaves the file to its owner.
type fileBody struct{ f *os.File }

func (b fileBody) Read(p []byte) (int, error)            { return b.f.Read(p) }
func (b fileBody) SyscallConn() (syscall.RawConn, error) { return b.f.SyscallConn() }
func (b fileBody) Close() error                          { return nil }

// progressReader reports the bytes read.
type progressReader struct {
	r  io.Reader
	fn func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}

// checked keeps the first error of the verifying reader, which the HTTP
// client reports as its own.
type checked struct {
	r   io.Reader
	err error
}

func (c *checked) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// Commit sends the manifests and indexes held, in the order pushed
// (those an index lists before it), each by digest unless the registry
// has it, and the images' own last, by their tags: an image's first
// name when it is a tag (or NAME:TAG, whose TAG is taken), else the
// reference's tag, else "latest"; a tag that names the manifest already
// is left as it is.
func (d *registryDest) Commit(ctx context.Context, images []transport.Image) ([]transport.Image, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sent == nil {
		d.sent = map[digest.Digest]bool{}
	}
	tags := map[digest.Digest][]string{}
	out := make([]transport.Image, len(images))
	for i, img := range images {
		h, ok := d.held[img.Descriptor.Digest]
		if !ok && !d.sent[img.Descriptor.Digest] {
			return nil, fmt.Errorf("orasbridge: %s: %w: image %s was not pushed", d.ref, core.ErrNotFound, img.Descriptor.Digest)
		}
		tag, err := d.tagFor(img)
		if err != nil {
			return nil, err
		}
		out[i] = transport.Image{Descriptor: img.Descriptor, Referrer: img.Referrer}
		if tag == "" {
			continue
		}
		if ok {
			tags[h.d.Digest] = append(tags[h.d.Digest], tag)
		} else if err := d.repo.Tag(ctx, img.Descriptor.OCI(), tag); err != nil {
			return nil, d.ref.wrap("tag "+tag, err)
		}
		out[i].Names = []string{tag}
	}
	for _, dg := range d.order {
		h := d.held[dg]
		if tags[dg] != nil {
			continue
		}
		ok, err := d.repo.Manifests().Exists(ctx, h.d.OCI())
		if err != nil {
			return nil, d.ref.wrap("check manifest "+string(dg), err)
		}
		if !ok {
			if err := d.pushDoc(ctx, h, string(dg)); err != nil {
				return nil, d.ref.wrap("push manifest "+string(dg), err)
			}
		}
	}
	for _, img := range images {
		dg := img.Descriptor.Digest
		for _, tag := range tags[dg] {
			h := d.held[dg]
			if d.tagged(ctx, h, tag) {
				continue
			}
			if err := d.pushDoc(ctx, h, tag); err != nil {
				return nil, d.ref.wrap("push manifest "+string(dg)+" as "+tag, err)
			}
		}
		delete(tags, dg)
	}
	for _, dg := range d.order {
		d.sent[dg] = true
		delete(d.held, dg)
	}
	d.order = nil
	return out, nil
}

// tagged reports whether the registry's tag names h already (a HEAD
// request), so that pushing an unchanged image again sends nothing: the
// registry has the manifest, and so the blobs it lists. A referrer is
// always pushed (which indexes it again under its subject's fallback
// tag), and so is a manifest whose tag cannot be read.
func (d *registryDest) tagged(ctx context.Context, h heldDoc, tag string) bool {
	if s, _, _ := subjectOf(h.raw); s != nil {
		return false
	}
	got, err := d.repo.Resolve(ctx, tag)
	return err == nil && got.Digest == h.d.Digest && got.Size == h.d.Size
}

// pushDoc pushes a manifest or index under reference (its digest or a
// tag). A referrer whose subject's fallback tag oras-go would build too
// long (not sha256) is pushed without oras-go's indexing, and indexed
// under [ReferrersTag] here.
func (d *registryDest) pushDoc(ctx context.Context, h heldDoc, reference string) error {
	if s, _, _ := subjectOf(h.raw); s != nil && orasTagDiffers(s.Digest) {
		return pushReferrer(ctx, d.repo, h.d.OCI(), h.raw, reference)
	}
	return d.repo.Manifests().PushReference(ctx, h.d.OCI(), bytes.NewReader(h.raw), reference)
}

// tagFor is the tag an image is pushed as.
func (d *registryDest) tagFor(img transport.Image) (string, error) {
	if img.Referrer && len(img.Names) == 0 {
		return "", nil // pushed by digest
	}
	if d.ref.Tag != "" && !img.Referrer {
		return d.ref.Tag, nil
	}
	if len(img.Names) > 0 {
		n := img.Names[0]
		if i := strings.LastIndexByte(n, ':'); i > strings.LastIndexByte(n, '/') {
			n = n[i+1:]
		}
		if layout.ValidateRegistryTag(n) != nil {
			return "", fmt.Errorf("%w: %s: the image's name %q gives no tag; name one (%s:TAG)", transport.ErrInvalidReference, d.ref, img.Names[0], d.ref)
		}
		return n, nil
	}
	return "latest", nil
}

// Close forgets what was held. Blobs uploaded stay in the registry,
// unreferenced, until its garbage collection.
func (d *registryDest) Close() error {
	d.mu.Lock()
	d.held, d.order = map[digest.Digest]heldDoc{}, nil
	d.mu.Unlock()
	return nil
}
