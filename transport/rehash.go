package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

// A copy with CopyOptions.Algorithm rewrites the image tree in another
// digest algorithm: each blob whose digest is of another algorithm is
// read once from the source, its source digest verified and its new
// digest computed in the same pass, into a spool file on the
// destination's file system that is then put in place without being
// hashed again (linked, for a layout); manifests and indexes are then
// re-encoded with every descriptor (config, layers, entries, subject)
// naming the new digests. Config contents are kept as they are: their
// rootfs.diff_ids stay the digests of the uncompressed layers they are
// (image-spec allows the algorithms of one tree to differ).

// cosignTag is a cosign tag naming the image it signs or attests:
// ALG-HEX.sig, .att or .sbom.
var cosignTag = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([a-z0-9]+)-([a-f0-9]+)\.(sig|att|sbom)$`)
})

// checkReferrers refuses to rewrite images that have referrers in the
// source (signatures, attestations: they name the old digests): those
// a ReferrerLister source lists for one of the documents copied; of
// another source, a top-level manifest whose subject is one of them, or
// a cosign tag naming one.
func (c *copier) checkReferrers(ctx context.Context) error {
	if c.o.IgnoreReferrers || c.o.Referrers {
		return nil // asked to leave them, or to bring them along rewritten
	}
	if rl, ok := c.src.(ReferrerLister); ok {
		for _, n := range c.visited {
			refs, err := rl.Referrers(ctx, n.desc)
			if err != nil {
				return fmt.Errorf("transport: %s: referrers of %s: %w", c.src.Reference(), n.desc.Digest, err)
			}
			if len(refs) > 0 {
				return fmt.Errorf("%w: %s: %s (%s) refers to %s", ErrReferrers, c.src.Reference(), refs[0].Descriptor.Digest, refs[0], n.desc.Digest)
			}
		}
		return nil
	}
	imgs, err := c.src.Images(ctx)
	if err != nil {
		return err
	}
	for _, img := range imgs {
		if _, copied := c.visited[img.Descriptor.Digest]; copied {
			continue
		}
		for _, name := range img.Names {
			tag := name[strings.LastIndex(name, ":")+1:]
			if m := cosignTag().FindStringSubmatch(tag); m != nil {
				if _, ok := c.visited[digest.Digest(m[1]+":"+m[2])]; ok {
					return fmt.Errorf("%w: %s: %s is a cosign %s of %s:%s", ErrReferrers, c.src.Reference(), name, m[3], m[1], m[2])
				}
			}
		}
		if !isManifestType(c.reg, img.Descriptor.MediaType) || img.Descriptor.Size > c.o.MaxDocumentSize {
			continue
		}
		rc, err := c.src.Fetch(ctx, img.Descriptor)
		if err != nil {
			continue // not this check's business: the image is not copied
		}
		raw, err := readDocument(c.algs, rc, img.Descriptor, c.o.MaxDocumentSize)
		rc.Close()
		if err != nil {
			continue
		}
		dec, err := c.reg.Decode(ctx, raw, core.WithMaxSize(c.o.MaxDocumentSize))
		if err != nil || dec.Manifest == nil || dec.Manifest.Subject == nil {
			continue
		}
		if _, ok := c.visited[dec.Manifest.Subject.Digest]; ok {
			return fmt.Errorf("%w: %s: manifest %s (%s) refers to %s as its subject", ErrReferrers, c.src.Reference(), img.Descriptor.Digest, img, dec.Manifest.Subject.Digest)
		}
	}
	return nil
}

// rehashed returns d as the copy writes it: with its new digest when it
// was rehashed.
func (c *copier) rehashed(d core.Descriptor) core.Descriptor {
	c.mu.Lock()
	nd, ok := c.newDigests[d.Digest]
	c.mu.Unlock()
	if !ok {
		return d
	}
	out := d.Clone()
	out.Digest = nd
	return out
}

// needsRehash reports whether a blob is rewritten in another algorithm.
func (c *copier) needsRehash(d core.Descriptor) bool {
	return c.o.Algorithm != "" && core.AlgorithmOf(d.Digest) != c.o.Algorithm
}

// rehash copies the blob d under its digest in the copy's algorithm: one
// read of the source, verifying d's digest and computing the new one,
// into a spool file that the destination takes without hashing again.
func (c *copier) rehash(ctx context.Context, d core.Descriptor) error {
	h, err := c.algs.NewHash(c.o.Algorithm)
	if err != nil {
		return err
	}
	var rc io.ReadCloser
	if d.Data != nil {
		if err := c.algs.VerifyBytes(d.Data, d.Size, d.Digest); err != nil {
			return fmt.Errorf("transport: %s: embedded data: %w", d.Digest, err)
		}
		rc = io.NopCloser(bytes.NewReader(d.Data))
	} else if rc, err = c.src.Fetch(ctx, d); err != nil {
		if errors.Is(err, core.ErrNotFound) && len(d.URLs) > 0 {
			return nil // non-distributable: kept as it is
		}
		return err
	}
	defer rc.Close()
	dir, err := c.spool()
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "rehash-*")
	if err != nil {
		return fmt.Errorf("transport: spool for %s: %w", d.Digest, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	// The file is linked into place as it is: 0644 like every blob, not
	// os.CreateTemp's 0600.
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("transport: spool for %s: %w", d.Digest, err)
	}
	var r io.Reader = rc
	if c.o.Progress != nil {
		r = &progressReader{r: rc, d: d, fn: c.o.Progress}
	}
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		return fmt.Errorf("transport: %s: %s: %w", c.src.Reference(), d.Digest, err)
	}
	nd := d.Clone()
	nd.Digest = digest.NewDigest(c.o.Algorithm, h)
	c.mu.Lock()
	c.newDigests[d.Digest] = nd.Digest
	c.mu.Unlock()
	if ok, err := c.dst.Exists(ctx, nd); err != nil || ok {
		if ok {
			c.count(func(r *CopyResult) { r.Skipped++ })
		}
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if fd, ok := c.dst.(fileDestination); ok {
		if _, err := fd.putFile(ctx, nd, f, true); err != nil {
			return err
		}
		c.count(func(r *CopyResult) { r.Blobs++ })
		return nil
	}
	return c.push(ctx, nd, io.NopCloser(f))
}

// spool returns the folder rehashed blobs are spooled into: on the
// destination's file system when it says where (so that they are linked
// into place), else in the system's temporary folder. Copy removes it.
func (c *copier) spool() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.spoolDir != "" {
		return c.spoolDir, nil
	}
	dir := os.TempDir()
	if td, ok := c.dst.(tempDirer); ok {
		dir = td.tempDir()
	}
	p, unlock, err := layout.MakeWorkspace(dir, layout.SpoolPrefix+"*")
	if err != nil {
		return "", fmt.Errorf("transport: spool folder: %w", err)
	}
	c.spoolDir, c.unlockSpool = p, unlock
	return p, nil
}

// dropSpool removes the spool folder, if one was made.
func (c *copier) dropSpool() {
	if c.spoolDir != "" {
		os.RemoveAll(c.spoolDir)
		c.unlockSpool()
	}
}

// rehashManifest returns m with its descriptors naming the rehashed
// blobs and converted documents, and whether any changed.
func (c *copier) rehashManifest(m core.Manifest) (core.Manifest, bool) {
	out := m.Clone()
	changed := false
	set := func(d *core.Descriptor) {
		nd := c.rehashed(*d)
		if n, ok := c.visited[d.Digest]; ok && n.done && n.out.Digest != "" {
			nd.Digest, nd.Size = n.out.Digest, n.out.Size
		}
		changed = changed || nd.Digest != d.Digest
		*d = nd
	}
	set(&out.Config)
	for i := range out.Layers {
		set(&out.Layers[i])
	}
	if out.Subject != nil {
		set(out.Subject)
	}
	return out, changed
}

// addReferrers appends to the images copied the referrers the source
// holds of each of their documents, and the referrers of those, each
// once.
func (c *copier) addReferrers(ctx context.Context, roots []*node, commit []Image) ([]*node, []Image, error) {
	rl, ok := c.src.(ReferrerLister)
	if !ok {
		return nil, nil, fmt.Errorf("%w: %s cannot list referrers", ErrUnsupported, c.src.Reference())
	}
	var todo []core.Descriptor
	listed := map[digest.Digest]bool{}
	var walk func(n *node)
	walk = func(n *node) {
		if listed[n.desc.Digest] {
			return
		}
		listed[n.desc.Digest] = true
		todo = append(todo, n.desc)
		for _, cn := range n.children {
			if cn != nil {
				walk(cn)
			}
		}
	}
	for _, n := range roots {
		walk(n)
	}
	for len(todo) > 0 {
		d := todo[0]
		todo = todo[1:]
		refs, err := rl.Referrers(ctx, d)
		if err != nil {
			return nil, nil, fmt.Errorf("transport: %s: referrers of %s: %w", c.src.Reference(), d.Digest, err)
		}
		for _, r := range refs {
			if listed[r.Descriptor.Digest] {
				continue
			}
			n, err := c.load(ctx, r.Descriptor, 0)
			if err != nil {
				return nil, nil, fmt.Errorf("transport: %s: referrer %s of %s: %w", c.src.Reference(), r.Descriptor.Digest, d.Digest, err)
			}
			roots = append(roots, n)
			commit = append(commit, Image{Descriptor: core.Descriptor{Platform: r.Descriptor.Platform}, Names: r.Names, Referrer: true})
			c.res.Referrers++
			walk(n) // its own referrers, and those of what it lists
		}
	}
	return roots, commit, nil
}
