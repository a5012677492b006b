package layout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// dirKind is the dir: transport of containers/image: a version file,
// manifest.json (the one image, a manifest or a manifest list), its
// blobs named by the hex of their digest (or "<algorithm>-<hex>" from
// version 1.2), and a list's instance manifests as
// "<name>.manifest.json". It has no tags, and writing an image replaces
// the one it had: the layout is locked from a write's first blob to its
// last removal.
type dirKind struct{ l *Layout }

func (dirKind) Kind() Kind      { return Dir }
func (dirKind) exclusive() bool { return true }

// readName returns the file of a blob. In a folder of version 1.1 a
// non-sha256 blob may carry the name containers/image gave it before
// version 1.2 (its encoded part alone), which is used when the 1.2 name
// is absent.
func (k dirKind) readName(d digest.Digest) (string, error) {
	name, err := dirBlobName(k.l.algs, d)
	if err != nil {
		return "", err
	}
	if core.AlgorithmOf(d) != core.SHA256 {
		if ok, _ := exists(k.l.root, name); !ok {
			if ok, _ := exists(k.l.root, dirLegacyBlobName(d)); ok {
				return dirLegacyBlobName(d), nil
			}
		}
	}
	return name, nil
}

// writeName is always the version 1.2 name.
func (k dirKind) writeName(d digest.Digest) (string, error) { return dirBlobName(k.l.algs, d) }

// dirBlobName returns the file name containers/image gives a blob in a
// dir: image: the encoded part for sha256, "<algorithm>-<encoded>"
// otherwise (version 1.2).
func dirBlobName(algs *core.Algorithms, d digest.Digest) (string, error) {
	if err := algs.ValidateDigest(d); err != nil {
		return "", err
	}
	alg, enc, _ := strings.Cut(string(d), ":")
	if alg == string(core.SHA256) {
		return enc, nil
	}
	return alg + "-" + enc, nil
}

// dirLegacyBlobName is the name containers/image gave a non-sha256
// blob before version 1.2 (the encoded part alone); read as a fallback
// in version 1.1 folders.
func dirLegacyBlobName(d digest.Digest) string {
	_, enc, _ := strings.Cut(string(d), ":")
	return enc
}

// dirInstanceName is the file of an instance manifest of a manifest
// list stored in a dir: image.
func dirInstanceName(algs *core.Algorithms, d digest.Digest) (string, error) {
	n, err := dirBlobName(algs, d)
	if err != nil {
		return "", err
	}
	return n + ".manifest.json", nil
}

// dirFileDigest is the inverse of dirBlobName and dirInstanceName: the
// digest a file name of a dir: image stands for, and whether it is an
// instance manifest. ok is false for names that are neither.
func dirFileDigest(algs *core.Algorithms, name string) (d digest.Digest, instance, ok bool) {
	base, instance := strings.CutSuffix(name, ".manifest.json")
	alg, enc := string(core.SHA256), base
	if a, e, found := strings.Cut(base, "-"); found {
		alg, enc = a, e
	}
	d = digest.Digest(alg + ":" + enc)
	if !knownAlgorithm(algs, core.AlgorithmOf(d)) || algs.ValidateDigest(d) != nil {
		return "", false, false
	}
	if canonical, err := dirBlobName(algs, d); err != nil || canonical != base {
		return "", false, false // "sha256-<hex>" is not a name containers/image gives
	}
	return d, instance, true
}

// knownAlgorithm reports whether alg's digests have a known exact
// length (so that a file name cannot pass for one by chance): the
// image-spec's registered algorithms and those reg has a digester for.
func knownAlgorithm(algs *core.Algorithms, alg digest.Algorithm) bool {
	switch alg {
	case core.SHA256, core.SHA512, core.BLAKE3:
		return true
	}
	_, ok := algs.Lookup(alg)
	return ok
}

// dirVersionFor returns the version file a dir: image with these
// digests needs.
func dirVersionFor(ds []digest.Digest) string {
	for _, d := range ds {
		if core.AlgorithmOf(d) != core.SHA256 {
			return DirVersion12
		}
	}
	return DirVersion11
}

func (k dirKind) create() error {
	if err := writeFileAtomic(k.l.root, dirVersionFile, []byte(DirVersion11)); err != nil {
		return fmt.Errorf("layout: %s: %w", k.l.path, err)
	}
	return nil
}

func (dirKind) complete() error { return nil }

func (k dirKind) checkVersion() error {
	_, err := k.version()
	return err
}

func (k dirKind) version() (string, error) {
	b, err := readSmallFile(k.l.root, dirVersionFile, 256)
	if err != nil {
		return "", blobErr(dirVersionFile, "", "", fmt.Errorf("%w: %s", ErrNotLayout, trimPrefix(err)))
	}
	v, err := parseDirVersion(b)
	if err != nil {
		return "", blobErr(dirVersionFile, "", "", err)
	}
	return v, nil
}

// top reads manifest.json and describes it: the media type its content
// says, its size, its sha256 digest.
func (k dirKind) top(ctx context.Context) ([]core.Descriptor, []byte, error) {
	l := k.l
	b, err := readSmallFile(l.root, dirManifestFile, l.opts.maxDoc)
	if errors.Is(err, core.ErrNotFound) {
		return nil, nil, &BlobError{Path: dirManifestFile, Err: fmt.Errorf("%w: manifest.json does not exist", ErrNoImage)}
	}
	if err != nil {
		return nil, nil, &BlobError{Path: dirManifestFile, Err: err}
	}
	l.docReads.Add(1)
	det, err := l.reg.Detect(ctx, b, core.WithMaxSize(l.opts.maxDoc))
	if err != nil {
		return nil, nil, &BlobError{Path: dirManifestFile, Err: err}
	}
	return []core.Descriptor{core.DescriptorFromBytes(det.MediaType, b)}, b, nil
}

// readDocument reads a manifest or index: an instance manifest of a
// manifest list from "<name>.manifest.json", the top one from
// manifest.json (whatever the algorithm of d's digest).
func (k dirKind) readDocument(ctx context.Context, d core.Descriptor) ([]byte, string, error) {
	l := k.l
	name, err := dirInstanceName(l.algs, d.Digest)
	if err != nil {
		return nil, "", &BlobError{Digest: d.Digest, Err: err}
	}
	if ok, _ := exists(l.root, name); ok {
		b, err := l.blobs.readFile(ctx, name, d)
		return b, name, err
	}
	if top, err := readSmallFile(l.root, dirManifestFile, l.opts.maxDoc); err == nil && l.algs.VerifyBytes(top, d.Size, d.Digest) == nil {
		return top, dirManifestFile, nil
	}
	return nil, name, &BlobError{Path: name, Digest: d.Digest, Err: fmt.Errorf("%w: no such file, and manifest.json is another document", core.ErrNotFound)}
}

func (k dirKind) checkTag(tag string) error {
	return fmt.Errorf("%w (asked for tag %q in %s)", ErrNoTags, tag, k.l)
}

// storeDocument stores a manifest or index below the root as
// "<digest>.manifest.json".
func (k dirKind) storeDocument(ctx context.Context, e encoded) error {
	l := k.l
	name, err := dirInstanceName(l.algs, e.desc.Digest)
	if err != nil {
		return &BlobError{Digest: e.desc.Digest, Err: err}
	}
	if fi, err := statRegular(l.root, name); err == nil && fi.Size() == e.desc.Size {
		if b, err := l.blobs.readFile(ctx, name, e.desc); err == nil && string(b) == string(e.raw) {
			return nil
		}
	}
	if err := writeFileAtomic(l.root, name, e.raw); err != nil {
		return &BlobError{Path: name, Digest: e.desc.Digest, Err: err}
	}
	return nil
}

// commit stores the instance manifests, then makes top the image's
// manifest.json (the lock is held: see exclusive).
func (k dirKind) commit(ctx context.Context, top encoded, blobs []core.Descriptor, docs []encoded, _ *WriteOptions) (core.Descriptor, error) {
	for _, d := range docs {
		if err := k.storeDocument(ctx, d); err != nil {
			return core.Descriptor{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return core.Descriptor{}, err
	}
	keep := map[string]bool{}
	all := digestsOf(blobs...)
	for _, d := range blobs {
		name, _ := dirBlobName(k.l.algs, d.Digest)
		keep[name] = true
	}
	for _, d := range docs {
		name, _ := dirInstanceName(k.l.algs, d.desc.Digest)
		keep[name] = true
		all = append(all, d.desc.Digest)
	}
	return top.desc, k.commitRoot(top.raw, dirVersionFor(all), keep)
}

// commitRoot makes raw the image's manifest.json. The version file is
// raised to 1.2 before (an old image under 1.2 is still whole) and
// lowered to 1.1 after (the new image needs no more), then the files of
// the previous image are removed.
func (k dirKind) commitRoot(raw []byte, need string, keep map[string]bool) error {
	root := k.l.root
	cur, err := k.version()
	if err != nil {
		return err
	}
	if need == DirVersion12 && cur != DirVersion12 {
		if err := writeFileAtomic(root, dirVersionFile, []byte(DirVersion12)); err != nil {
			return blobErr(dirVersionFile, "", "", err)
		}
	}
	if err := writeFileAtomic(root, dirManifestFile, raw); err != nil {
		return blobErr(dirManifestFile, "", "", err)
	}
	if need == DirVersion11 && cur != DirVersion11 {
		if err := writeFileAtomic(root, dirVersionFile, []byte(DirVersion11)); err != nil {
			return blobErr(dirVersionFile, "", "", err)
		}
	}
	return k.collect(keep)
}

// collect removes what the folder holds besides the current image:
// blobs and instance manifests it does not refer to, the previous
// image's signatures, and temporary files of writes cut short (the lock
// is held, so none is in use). Files of other names are left alone.
func (k dirKind) collect(keep map[string]bool) error {
	root := k.l.root
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	removed := false
	for _, name := range names {
		if keep[name] || !k.owned(name) {
			continue
		}
		if err := root.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("layout: remove %s: %w", name, err)
		}
		removed = true
	}
	if removed {
		return syncDir(root, ".")
	}
	return nil
}

// owned reports whether name is a file a dir: image is made of (other
// than version and manifest.json) or a temporary file of this package.
func (k dirKind) owned(name string) bool {
	if strings.HasPrefix(name, tmpPrefix) {
		return true
	}
	base := name
	if i := strings.LastIndex(name, "signature-"); i >= 0 && isDigits(name[i+len("signature-"):]) {
		switch {
		case i == 0:
			return true
		case name[i-1] == '.':
			base = name[:i-1]
		}
	}
	_, _, ok := dirFileDigest(k.l.algs, base)
	return ok
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseDirVersion checks the content of a dir: version file: exactly
// "Directory Transport Version: 1.1\n" or "... 1.2\n". A newer version is
// an error wrapping ErrUnsupportedVersion; anything else is not a dir:
// image (ErrNotLayout).
func parseDirVersion(b []byte) (string, error) {
	s := string(b)
	switch s {
	case DirVersion11, DirVersion12:
		return s, nil
	}
	var major, minor int
	if n, err := fmt.Sscanf(s, dirVersionPrefix+"%d.%d\n", &major, &minor); err == nil && n == 2 &&
		s == fmt.Sprintf("%s%d.%d\n", dirVersionPrefix, major, minor) {
		which := "older"
		if major > 1 || major == 1 && minor > 2 {
			which = "newer"
		}
		return "", fmt.Errorf("%w: version file says %d.%d, %s than the 1.1 and 1.2 this package reads", ErrUnsupportedVersion, major, minor, which)
	}
	if t := strings.TrimRight(s, "\r\n"); t+"\n" == DirVersion11 || t+"\n" == DirVersion12 {
		return "", fmt.Errorf("%w: version file is %q: it must end with exactly one newline (\\n), as containers/image writes it", ErrNotLayout, truncate(s, 64))
	}
	return "", fmt.Errorf("%w: version file is %q, not %q", ErrNotLayout, truncate(s, 64), DirVersion11)
}
