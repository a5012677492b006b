package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/concil-go/ocispec/archive"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	digest "github.com/opencontainers/go-digest"
)

// DockerArchive is the docker-archive transport: docker save's archive
// (docker-archive:PATH, docker-archive:PATH:NAME:TAG for the image of
// that RepoTag, docker-archive:PATH:@N for the N-th image of
// manifest.json, from 0), as skopeo reads and writes it. It reads what
// docker save writes from Docker 1.10 on, Docker 25's dual format
// included (there the OCI manifest of each image is used, so its digest
// is kept), in place or in one pass when compressed; it writes the dual
// format, whose layers are uncompressed tars named by their diffID: the
// file loads with docker load, reads with skopeo's docker-archive: and,
// being an OCI layout too, with oci-archive:.
var DockerArchive Transport = dockerArchiveTransport{}

type dockerArchiveTransport struct{}

func (dockerArchiveTransport) Name() string { return "docker-archive" }

func (dockerArchiveTransport) ParseReference(rest string) (Reference, error) {
	path, sel, _ := strings.Cut(rest, ":")
	ref := DockerArchiveReference{Path: path, Index: -1}
	if path == "" {
		return nil, fmt.Errorf("%w: %q: empty path", ErrInvalidReference, "docker-archive:"+rest)
	}
	switch {
	case strings.HasPrefix(sel, "@"):
		n, err := strconv.Atoi(sel[1:])
		if err != nil || n < 0 || sel[1:] != strconv.Itoa(n) {
			return nil, fmt.Errorf("%w: %q: @%s is not an image's position (@0, @1, ...)", ErrInvalidReference, "docker-archive:"+rest, sel[1:])
		}
		ref.Index = n
	case sel != "":
		name := sel
		if i := strings.LastIndexByte(name, ':'); i < 0 || strings.Contains(name[i:], "/") {
			name += ":latest"
		}
		if !archive.ValidRepoTag(name) || strings.Contains(sel, "@") {
			return nil, fmt.Errorf("%w: %q: %q is not a NAME:TAG reference", ErrInvalidReference, "docker-archive:"+rest, sel)
		}
		ref.Name = name
	}
	return ref, nil
}

// DockerArchiveReference is a docker-archive: reference: an archive file
// and, optionally, an image's NAME:TAG or its position (Index, -1 for
// none).
type DockerArchiveReference struct {
	Path  string
	Name  string
	Index int
}

func (r DockerArchiveReference) Transport() Transport { return DockerArchive }

func (r DockerArchiveReference) String() string {
	if sel := r.Selection(); sel != "" {
		return "docker-archive:" + r.Path + ":" + sel
	}
	return "docker-archive:" + r.Path
}

func (r DockerArchiveReference) Selection() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.Index >= 0:
		return "@" + strconv.Itoa(r.Index)
	}
	return ""
}

// NormalizeName spells a docker reference in full, as docker does when
// it compares names: "busybox:latest" is "docker.io/library/busybox:latest".
func NormalizeName(name string) string {
	first, rest, hasSlash := strings.Cut(name, "/")
	if !hasSlash || !strings.ContainsAny(first, ".:") && first != "localhost" {
		name = "docker.io/" + name
		first, rest, _ = strings.Cut(name, "/")
	}
	if first == "docker.io" && !strings.Contains(rest, "/") {
		name = "docker.io/library/" + rest
	}
	return name
}

// NewSource opens the archive: a docker save archive (Docker 1.10 and
// later, the dual format included). The format before manifest.json
// (Docker before 1.10) is refused with an error wrapping
// errors.ErrUnsupported.
func (r DockerArchiveReference) NewSource(ctx context.Context, opts *Options) (Source, error) {
	o := opts.orZero()
	af, err := openArchiveFile(ctx, r.Path, o)
	if err != nil {
		return nil, err
	}
	return &dockerArchiveSource{ref: r, af: af, opts: o}, nil
}

type dockerArchiveSource struct {
	ref  DockerArchiveReference
	af   *archiveFile
	opts *Options

	once   sync.Once
	err    error
	images []dockerImage
	docs   map[digest.Digest][]byte // manifests
	blobs  map[digest.Digest]string // configs and layers: their entries
}

// dockerImage is one image of manifest.json, with its manifest.
type dockerImage struct {
	img      Image
	manifest []byte
}

func (s *dockerArchiveSource) Reference() Reference { return s.ref }
func (s *dockerArchiveSource) spoolIn(dir string)   { s.af.spoolIn(dir) }
func (s *dockerArchiveSource) Close() error         { return s.af.close() }

func (s *dockerArchiveSource) load(ctx context.Context) error {
	s.once.Do(func() { s.err = s.read(ctx) })
	return s.err
}

func (s *dockerArchiveSource) fail(format string, args ...any) error {
	return fmt.Errorf("transport: %s: "+format, append([]any{s.ref}, args...)...)
}

// read reads manifest.json and each image's config, and finds or makes
// each image's manifest.
func (s *dockerArchiveSource) read(ctx context.Context) error {
	if err := s.af.ready(ctx); err != nil {
		return err
	}
	switch k := s.af.layout.Kind; k {
	case archive.LayoutDocker, archive.LayoutDockerOCI:
	case archive.LayoutDockerLegacy:
		return s.fail("%w: the format docker save wrote before Docker 1.10 (no manifest.json) is not read", errors.ErrUnsupported)
	default:
		return s.fail("%w: it is an %s archive without manifest.json (read it as oci-archive:%s)", archive.ErrUnknownLayout, k, s.ref.Path)
	}
	raw, err := s.af.readFile(ctx, "manifest.json", s.opts.MaxDocumentSize)
	if err != nil {
		return s.fail("%w", err)
	}
	items, err := archive.ParseManifest(raw)
	if err != nil {
		return s.fail("%w", err)
	}
	s.docs, s.blobs = map[digest.Digest][]byte{}, map[digest.Digest]string{}
	ociManifests := s.ociManifests(ctx)
	algs := s.opts.Registry.Algorithms()
	for i, it := range items {
		where := fmt.Sprintf("manifest.json[%d]", i)
		config, err := s.af.readFile(ctx, it.Config, s.opts.MaxDocumentSize)
		if err != nil {
			return s.fail("%s.Config: %w", where, err)
		}
		cd, _ := core.DescriptorFromBytesWith(algs, core.SHA256, docker.MediaTypeConfig, config)
		if named, ok := namedDigest(it.Config); ok && named != cd.Digest {
			return s.fail("%s.Config: %q: %w", where, it.Config, &core.DigestMismatchError{Want: named, Got: cd.Digest})
		}
		diffIDs, err := configDiffIDs(config)
		if err != nil {
			return s.fail("%s.Config: %q: %w", where, it.Config, err)
		}
		if len(diffIDs) != len(it.Layers) {
			return s.fail("%s: %w: %d layers, and its config %q lists %d diff_ids", where, archive.ErrInvalidDocument, len(it.Layers), it.Config, len(diffIDs))
		}
		m := core.Manifest{Config: cd}
		for j, name := range it.Layers {
			if foreign, ok := it.LayerSources[diffIDs[j]]; ok {
				m.Layers = append(m.Layers, foreign)
				continue
			}
			e, err := s.af.entry(ctx, name)
			if err != nil {
				return s.fail("%s.Layers[%d]: %q is not in the archive: %w", where, j, name, err)
			}
			if err := s.checkUncompressed(ctx, name); err != nil {
				return s.fail("%s.Layers[%d]: %q: %w", where, j, name, err)
			}
			m.Layers = append(m.Layers, core.Descriptor{MediaType: docker.MediaTypeLayer, Size: e.Size, Digest: diffIDs[j]})
			s.blobs[diffIDs[j]] = name
		}
		s.blobs[cd.Digest] = it.Config
		img := Image{Names: it.RepoTags}
		if p, ok := core.ConfigPlatform(config); ok {
			img.Descriptor.Platform = &p
		}
		mraw, md := ociManifests.find(cd.Digest, m.Layers)
		if mraw == nil {
			if mraw, err = docker.Format.EncodeManifest(ctx, m, core.EncodingCompact); err != nil {
				return s.fail("%s: %w", where, err)
			}
			md = core.DescriptorFromBytes(docker.MediaTypeManifest, mraw)
		}
		img.Descriptor.MediaType, img.Descriptor.Size, img.Descriptor.Digest = md.MediaType, md.Size, md.Digest
		s.docs[md.Digest] = mraw
		s.images = append(s.images, dockerImage{img: img, manifest: mraw})
	}
	return nil
}

// namedDigest is the digest a config's name says: blobs/sha256/HEX or
// HEX.json (the image ID, which is the config's digest).
func namedDigest(name string) (digest.Digest, bool) {
	hex, ok := strings.CutPrefix(name, "blobs/sha256/")
	if !ok {
		hex, ok = strings.CutSuffix(name, ".json")
	}
	if !ok || len(hex) != 64 || strings.Contains(hex, "/") {
		return "", false
	}
	return digest.NewDigestFromEncoded(digest.SHA256, hex), true
}

// configDiffIDs reads an image config's rootfs.diff_ids.
func configDiffIDs(config []byte) ([]digest.Digest, error) {
	var c struct {
		RootFS struct {
			DiffIDs []digest.Digest `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(config, &c); err != nil {
		return nil, fmt.Errorf("%w: not an image config: %v", core.ErrInvalidDocument, err)
	}
	for i, d := range c.RootFS.DiffIDs {
		if err := core.ValidateDigest(d); err != nil {
			return nil, fmt.Errorf("%w: rootfs.diff_ids[%d]: %w", core.ErrInvalidDocument, i, err)
		}
	}
	return c.RootFS.DiffIDs, nil
}

// checkUncompressed refuses a layer file that is compressed: docker
// save's layers are tars named by their diffID.
func (s *dockerArchiveSource) checkUncompressed(ctx context.Context, name string) error {
	r, _, err := s.af.openRaw(ctx, name)
	if err != nil {
		return err
	}
	defer r.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	if c, err := archive.DetectCompression(head[:n]); err != nil || c != core.Uncompressed {
		return fmt.Errorf("%w: the layer is %s-compressed, and a docker-archive layer is a tar named by its diffID", errors.ErrUnsupported, c)
	}
	return nil
}

// dualManifests are the OCI manifests of a Docker 25 archive's
// index.json, to use instead of a made-up one.
type dualManifests []struct {
	raw []byte
	d   core.Descriptor
	m   core.Manifest
}

func (s *dockerArchiveSource) ociManifests(ctx context.Context) dualManifests {
	if s.af.layout.Kind != archive.LayoutDockerOCI {
		return nil
	}
	raw, err := s.af.readFile(ctx, "index.json", layout.DefaultMaxIndexSize)
	if err != nil {
		return nil
	}
	ix, err := decodeIndexJSON(ctx, s.opts.Registry.Algorithms(), raw)
	if err != nil {
		return nil
	}
	var out dualManifests
	for _, d := range ix.Manifests {
		name, err := blobName(s.opts.Registry.Algorithms(), d.Digest)
		if err != nil {
			continue
		}
		b, err := s.af.readFile(ctx, name, s.opts.MaxDocumentSize)
		if err != nil || s.opts.Registry.Algorithms().VerifyBytes(b, d.Size, d.Digest) != nil {
			continue
		}
		m, _, err := s.opts.Registry.DecodeManifest(ctx, b, core.WithMaxSize(s.opts.MaxDocumentSize))
		if err != nil {
			continue
		}
		out = append(out, struct {
			raw []byte
			d   core.Descriptor
			m   core.Manifest
		}{b, core.Descriptor{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest}, m})
	}
	return out
}

// find returns the manifest of config and layers (by digest), if any.
func (ms dualManifests) find(config digest.Digest, layers []core.Descriptor) ([]byte, core.Descriptor) {
	for _, c := range ms {
		if c.m.Config.Digest != config || len(c.m.Layers) != len(layers) {
			continue
		}
		same := true
		for i := range layers {
			same = same && c.m.Layers[i].Digest == layers[i].Digest && c.m.Layers[i].Size == layers[i].Size
		}
		if same {
			return c.raw, c.d
		}
	}
	return nil, core.Descriptor{}
}

func (s *dockerArchiveSource) Images(ctx context.Context) ([]Image, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	out := make([]Image, len(s.images))
	for i, di := range s.images {
		out[i] = di.img
	}
	return out, nil
}

func (s *dockerArchiveSource) Resolve(ctx context.Context) ([]Image, error) {
	all, err := s.Images(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case s.ref.Index >= 0:
		if s.ref.Index >= len(all) {
			return nil, fmt.Errorf("%w: %s: the archive has %d images (@0 to @%d)", core.ErrNotFound, s.ref, len(all), len(all)-1)
		}
		return []Image{all[s.ref.Index]}, nil
	case s.ref.Name != "":
		want := NormalizeName(s.ref.Name)
		for _, img := range all {
			for _, n := range img.Names {
				if NormalizeName(n) == want {
					return []Image{img}, nil
				}
			}
		}
		return nil, fmt.Errorf("%w: %s: no image is named %s (it has %s)", core.ErrNotFound, s.ref, s.ref.Name, describeImages(all))
	}
	if len(all) > 1 {
		return nil, fmt.Errorf("%w: %s holds %d images; name one (NAME:TAG or @N): %s", ErrAmbiguous, s.ref, len(all), describeImages(all))
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: %s holds no image", core.ErrNotFound, s.ref)
	}
	return all, nil
}

func (s *dockerArchiveSource) Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if b, ok := s.docs[d.Digest]; ok {
		if err := s.opts.Registry.Algorithms().VerifyBytes(b, d.Size, d.Digest); err != nil {
			return nil, s.fail("%w", err)
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	name, ok := s.blobs[d.Digest]
	if !ok {
		return nil, s.fail("%w: %s is not in the archive", core.ErrNotFound, d.Digest)
	}
	r, err := s.af.open(ctx, name, d)
	if err != nil {
		return nil, s.fail("%w", err)
	}
	return r, nil
}

func (s *dockerArchiveSource) fetchRaw(ctx context.Context, d core.Descriptor) (io.ReadCloser, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	name, ok := s.blobs[d.Digest]
	if !ok {
		return s.Fetch(ctx, d)
	}
	r, _, err := s.af.openRaw(ctx, name)
	return r, err
}

func (s *dockerArchiveSource) openFile(ctx context.Context, d core.Descriptor) (*os.File, bool, error) {
	if err := s.load(ctx); err != nil {
		return nil, false, err
	}
	name, ok := s.blobs[d.Digest]
	if !ok {
		return nil, false, errNoFile
	}
	return s.af.file(ctx, name, d)
}

// NewDestination prepares a new archive at the reference's path, in
// Docker 25's dual format; the reference's NAME:TAG, if any, names the
// image (see [DockerArchiveReference]).
func (r DockerArchiveReference) NewDestination(ctx context.Context, opts *Options) (Destination, error) {
	if r.Index >= 0 {
		return nil, fmt.Errorf("%w: %s: a destination is named by NAME:TAG, not a position", ErrInvalidReference, r)
	}
	ws, err := newArchiveWorkspace(r, r.Path, opts.orZero())
	if err != nil {
		return nil, err
	}
	return &dockerArchiveDest{archiveWorkspace: ws, layers: map[digest.Digest]core.Descriptor{}}, nil
}

// dockerArchiveDest writes the dual format. Compressed layers are
// decompressed as they are pushed (their digest checked while they are
// read, their diffID computed while they are written) and kept under
// their diffID; at Commit a manifest whose layers had to be
// decompressed is written anew, in its format, naming the tars.
type dockerArchiveDest struct {
	*archiveWorkspace
	mu     sync.Mutex
	layers map[digest.Digest]core.Descriptor // compressed digest → the tar kept
	items  []archive.ManifestItem
	index  []core.Descriptor
	repos  map[string]map[string]string
}

func isCompressedLayer(mt string) bool {
	c, err := core.LayerCompression(mt)
	return err == nil && c != core.Uncompressed
}

func (d *dockerArchiveDest) Exists(ctx context.Context, desc core.Descriptor) (bool, error) {
	if isCompressedLayer(desc.MediaType) {
		d.mu.Lock()
		_, ok := d.layers[desc.Digest]
		d.mu.Unlock()
		return ok, nil
	}
	return d.inner.Exists(ctx, desc)
}

func (d *dockerArchiveDest) Push(ctx context.Context, desc core.Descriptor, r io.Reader) error {
	if isCompressedLayer(desc.MediaType) {
		return d.pushDecompressed(ctx, desc, r)
	}
	return d.inner.Push(ctx, desc, r)
}

func (d *dockerArchiveDest) putFile(ctx context.Context, desc core.Descriptor, f *os.File, verified bool) (layout.Placement, error) {
	if isCompressedLayer(desc.MediaType) {
		return layout.Copied, d.pushDecompressed(ctx, desc, f)
	}
	return d.inner.putFile(ctx, desc, f, verified)
}

// pushDecompressed keeps a compressed layer as the tar it holds.
func (d *dockerArchiveDest) pushDecompressed(ctx context.Context, desc core.Descriptor, r io.Reader) error {
	c, _ := core.LayerCompression(desc.MediaType)
	algs := d.opts.Registry.Algorithms()
	ch, err := algs.NewHash(desc.Digest.Algorithm())
	if err != nil {
		return fmt.Errorf("transport: %s: %s: %w", d.ref, desc.Digest, err)
	}
	counted := &countingReader{r: io.TeeReader(io.LimitReader(r, desc.Size+1), ch)}
	var zr io.Reader
	switch c {
	case core.Gzip:
		g, err := gzip.NewReader(counted)
		if err != nil {
			return fmt.Errorf("transport: %s: layer %s: gzip: %w", d.ref, desc.Digest, err)
		}
		defer g.Close()
		zr = g
	case core.Zstd:
		z, err := zstd.NewReader(counted, zstd.WithDecoderMaxWindow(archive.MaxZstdWindow))
		if err != nil {
			return fmt.Errorf("transport: %s: layer %s: zstd: %w", d.ref, desc.Digest, err)
		}
		defer z.Close()
		zr = z
	default:
		return fmt.Errorf("%w: %s: a %s layer cannot be stored as a tar", ErrUnsupported, d.ref, desc.MediaType)
	}
	tmp, err := os.CreateTemp(d.dir, ".ocispec-tmp-layer-")
	if err != nil {
		return fmt.Errorf("transport: %s: %w", d.ref, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	uh, _ := algs.NewHash(digest.SHA256)
	n, zerr := io.Copy(io.MultiWriter(tmp, uh), &ctxReader{ctx: ctx, r: zr})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	// The rest of the blob (after the stream, or after a stream error):
	// a blob that is not the one described is said so first.
	io.Copy(io.Discard, counted)
	if counted.n != desc.Size {
		return fmt.Errorf("transport: %s: layer %s: %w", d.ref, desc.Digest, &core.SizeMismatchError{Want: desc.Size, Got: counted.n})
	}
	if got := digest.NewDigest(desc.Digest.Algorithm(), ch); got != desc.Digest {
		return fmt.Errorf("transport: %s: layer %s: %w", d.ref, desc.Digest, &core.DigestMismatchError{Want: desc.Digest, Got: got})
	}
	if zerr != nil {
		return fmt.Errorf("transport: %s: layer %s: %w", d.ref, desc.Digest, zerr)
	}
	tar := core.Descriptor{MediaType: uncompressedType(desc.MediaType), Size: n, Digest: digest.NewDigest(digest.SHA256, uh)}
	if _, err := d.inner.l.PutBlobFile(ctx, tar, tmp, &layout.FileOptions{Verified: true}); err != nil {
		return fmt.Errorf("transport: %s: %w", d.ref, err)
	}
	d.mu.Lock()
	d.layers[desc.Digest] = tar
	d.mu.Unlock()
	return nil
}

// uncompressedType is the tar layer media type of a compressed layer's
// format.
func uncompressedType(mt string) string {
	if strings.HasPrefix(mt, "application/vnd.docker.") {
		return docker.MediaTypeLayer
	}
	return oci.MediaTypeLayer
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Commit adds the images to the archive's manifest.json, repositories
// and index.json, and writes the archive. Each image must be a single
// manifest (docker save's images are); its layers become the tars they
// hold. Names that are not NAME:TAG references (an OCI layout's "v1")
// are left out of RepoTags, which docker load would refuse.
func (d *dockerArchiveDest) Commit(ctx context.Context, images []Image) ([]Image, error) {
	reg := d.opts.Registry
	var out []Image
	for _, img := range images {
		raw, ok := d.inner.pending(img.Descriptor.Digest)
		if !ok {
			return nil, fmt.Errorf("transport: %s: %w: manifest %s was not pushed", d.ref, core.ErrNotFound, img.Descriptor.Digest)
		}
		dec, err := reg.Decode(ctx, raw, core.WithMaxSize(d.opts.MaxDocumentSize))
		if err != nil {
			return nil, fmt.Errorf("transport: %s: %w", d.ref, err)
		}
		if dec.Manifest == nil {
			return nil, fmt.Errorf("%w: %s holds single-platform images; choose a platform of index %s", ErrUnsupported, d.ref, img.Descriptor.Digest)
		}
		m := dec.Manifest.Clone()
		config, err := d.inner.l.ReadBlob(ctx, m.Config)
		if err != nil {
			return nil, fmt.Errorf("transport: %s: %w", d.ref, err)
		}
		diffIDs, err := configDiffIDs(config)
		if err != nil || len(diffIDs) != len(m.Layers) {
			return nil, fmt.Errorf("transport: %s: config %s: %w: %d diff_ids for %d layers", d.ref, m.Config.Digest, core.ErrInvalidDocument, len(diffIDs), len(m.Layers))
		}
		changed := false
		item := archive.ManifestItem{Config: "blobs/sha256/" + m.Config.Digest.Encoded()}
		for i, l := range m.Layers {
			if len(l.URLs) > 0 {
				return nil, fmt.Errorf("%w: %s: layer %s is non-distributable (fetched from %s), which docker save does not write", ErrUnsupported, d.ref, l.Digest, l.URLs[0])
			}
			if isCompressedLayer(l.MediaType) {
				d.mu.Lock()
				tar, ok := d.layers[l.Digest]
				d.mu.Unlock()
				if !ok {
					return nil, fmt.Errorf("transport: %s: %w: layer %s was not pushed", d.ref, core.ErrNotFound, l.Digest)
				}
				m.Layers[i], changed = core.Descriptor{MediaType: tar.MediaType, Size: tar.Size, Digest: tar.Digest, Annotations: l.Annotations}, true
			}
			if m.Layers[i].Digest != diffIDs[i] {
				return nil, fmt.Errorf("transport: %s: layer %d of %s: %w: the config's rootfs.diff_ids[%d] is %s and the tar is %s", d.ref, i, img.Descriptor.Digest, core.ErrDigestMismatch, i, diffIDs[i], m.Layers[i].Digest)
			}
			item.Layers = append(item.Layers, "blobs/sha256/"+m.Layers[i].Digest.Encoded())
		}
		md := img.Descriptor
		md.Annotations = nil
		if changed {
			if raw, err = dec.Format.EncodeManifest(ctx, m, core.EncodingCompact); err != nil {
				return nil, fmt.Errorf("transport: %s: %w", d.ref, err)
			}
			md = core.Descriptor{MediaType: dec.Format.Describe().ManifestMediaType, Size: int64(len(raw)), Digest: core.DigestOf(raw), Platform: img.Descriptor.Platform}
		}
		if err := d.inner.l.PutBlob(ctx, core.Descriptor{MediaType: md.MediaType, Size: md.Size, Digest: md.Digest}, layout.FromBytes(raw), nil); err != nil {
			return nil, fmt.Errorf("transport: %s: %w", d.ref, err)
		}
		names := img.Names
		if d.ref.(DockerArchiveReference).Name != "" && len(images) == 1 {
			names = []string{d.ref.(DockerArchiveReference).Name}
		}
		var kept []string
		for _, n := range names {
			if archive.ValidRepoTag(n) {
				kept = append(kept, n)
			}
		}
		item.RepoTags = kept
		d.items = append(d.items, item)
		d.addIndex(md, kept, m)
		out = append(out, Image{Descriptor: md, Names: kept})
	}
	return out, d.writeDual(ctx)
}

// addIndex lists an image in index.json as moby does: one entry per
// name, with the name in io.containerd.image.name and its tag in
// org.opencontainers.image.ref.name; and in repositories.
func (d *dockerArchiveDest) addIndex(md core.Descriptor, names []string, m core.Manifest) {
	entry := core.Descriptor{MediaType: md.MediaType, Size: md.Size, Digest: md.Digest, Platform: md.Platform}
	if len(names) == 0 {
		d.index = append(d.index, entry)
		return
	}
	if d.repos == nil {
		d.repos = map[string]map[string]string{}
	}
	for _, n := range names {
		e := entry.Clone()
		i := strings.LastIndexByte(n, ':')
		e.Annotations = map[string]string{"io.containerd.image.name": NormalizeName(n), layout.AnnotationRefName: n[i+1:]}
		d.index = append(d.index, e)
		if len(m.Layers) > 0 {
			if d.repos[n[:i]] == nil {
				d.repos[n[:i]] = map[string]string{}
			}
			d.repos[n[:i]][n[i+1:]] = m.Layers[len(m.Layers)-1].Digest.Encoded()
		}
	}
}

// writeDual writes the archive with manifest.json, repositories and an
// index.json of the committed images.
func (d *dockerArchiveDest) writeDual(ctx context.Context) error {
	type item struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	items := make([]item, len(d.items))
	for i, it := range d.items {
		items[i] = item{Config: it.Config, RepoTags: it.RepoTags, Layers: it.Layers}
		if items[i].RepoTags == nil {
			items[i].RepoTags = []string{}
		}
	}
	mj, err := json.Marshal(items)
	if err != nil {
		return err
	}
	ij, err := layoutIndexJSON(ctx, d.opts.Registry.Algorithms(), core.Index{Manifests: d.index})
	if err != nil {
		return fmt.Errorf("transport: %s: %w", d.ref, err)
	}
	extra := map[string]archive.Source{
		"manifest.json": archive.FromBytes(append(mj, '\n')),
		"index.json":    archive.FromBytes(ij),
	}
	if len(d.repos) > 0 {
		rj, err := json.Marshal(d.repos) // encoding/json sorts the keys
		if err != nil {
			return err
		}
		extra["repositories"] = archive.FromBytes(append(rj, '\n'))
	}
	return d.write(ctx, extra)
}

// layoutIndexJSON encodes index.json as layouts write it.
func layoutIndexJSON(ctx context.Context, algs *core.Algorithms, ix core.Index) ([]byte, error) {
	f := core.NewFormat(core.FormatSpec{
		Description: core.Description{
			Name:              "oci-layout-index",
			ManifestMediaType: oci.MediaTypeManifest,
			IndexMediaType:    oci.MediaTypeIndex,
			MediaTypeOptional: true,
			ArtifactFields:    true,
		},
		Algorithms: algs,
	})
	if ix.Manifests == nil {
		ix.Manifests = []core.Descriptor{}
	}
	return f.EncodeIndex(ctx, ix, core.EncodingCompact)
}
