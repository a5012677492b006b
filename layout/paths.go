package layout

import (
	"errors"
	"fmt"
	"strings"

	"github.com/concil-go/ocispec/core"
	digest "github.com/opencontainers/go-digest"
)

// Kind is the kind of an image layout on disk.
type Kind int

const (
	// OCI is the OCI image layout: oci-layout, index.json and
	// blobs/<algorithm>/<encoded>, several images told apart by tag.
	OCI Kind = iota + 1
	// Dir is the dir: transport of containers/image (skopeo's dir:): a
	// version file, manifest.json and one file per blob, one image.
	Dir
)

// String returns "oci" or "dir", the transport names skopeo uses.
func (k Kind) String() string {
	switch k {
	case OCI:
		return "oci"
	case Dir:
		return "dir"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind is the inverse of [Kind.String].
func ParseKind(s string) (Kind, error) {
	switch s {
	case "oci":
		return OCI, nil
	case "dir":
		return Dir, nil
	}
	return 0, fmt.Errorf("%w: unknown layout kind %q (want oci or dir)", ErrInvalidReference, s)
}

// Names of the files a layout keeps at its top.
const (
	ociLayoutFile   = "oci-layout"
	ociIndexFile    = "index.json"
	ociBlobsDir     = "blobs"
	dirVersionFile  = "version"
	dirManifestFile = "manifest.json"

	// ImageLayoutVersion is the only imageLayoutVersion of the OCI image
	// layout this package reads and writes.
	ImageLayoutVersion = "1.0.0"
	// AnnotationRefName is the index.json annotation that holds a tag.
	AnnotationRefName = "org.opencontainers.image.ref.name"

	dirVersionPrefix = "Directory Transport Version: "
	// DirVersion11 is the version file of a dir: image whose digests are
	// all sha256, the directory transport marker concil writes.
	DirVersion11 = dirVersionPrefix + "1.1\n"
	// DirVersion12 is the version file of a dir: image with at least one
	// digest that is not sha256; such blobs are named
	// "<algorithm>-<encoded>".
	DirVersion12 = dirVersionPrefix + "1.2\n"

	// tmpPrefix starts the names of the temporary files writes use; they
	// live in the layout's top folder (so a rename into place stays on
	// one file system) and never under a final name.
	tmpPrefix = ".ocispec-tmp-"

	// WorkPrefix starts the names of scratch folders that writers keep
	// inside a layout while they build what they will write into it
	// (the command's layers before they are moved in, say). Each is
	// flocked by its writer while in use. Opening, creating and reading a
	// layout ignore them.
	WorkPrefix = ".ocispec-work-"
)

// ociBlobPath returns blobs/<algorithm>/<encoded> for a valid digest.
// The digest is checked against the spec's grammar first (so no '/',
// '.', NUL or other path character can appear) and, for the algorithms
// algs knows, its exact lower-case hex length, before it becomes a name.
func ociBlobPath(algs *core.Algorithms, d digest.Digest) (string, error) {
	if err := algs.ValidateDigest(d); err != nil {
		return "", err
	}
	alg, enc, _ := strings.Cut(string(d), ":")
	return ociBlobsDir + "/" + alg + "/" + enc, nil
}

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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ValidateTag checks a tag for index.json's ref.name annotation with the
// OCI image layout's grammar:
//
//	ref       ::= component ("/" component)*
//	component ::= alphanum (separator alphanum)*
//	alphanum  ::= [A-Za-z0-9]+
//	separator ::= [-._:@+] | "--"
func ValidateTag(tag string) error {
	if tag == "" {
		return fmt.Errorf("%w: empty", ErrInvalidTag)
	}
	if len(tag) > 255 {
		return fmt.Errorf("%w: %q is longer than 255 characters", ErrInvalidTag, truncate(tag, 32))
	}
	for _, comp := range strings.Split(tag, "/") {
		if err := validateComponent(comp); err != nil {
			return fmt.Errorf("%w: %q: %s", ErrInvalidTag, tag, err)
		}
	}
	return nil
}

// validateComponent checks one component of a ref: runs of letters and
// digits joined by one of [-._:@+] or by "--".
func validateComponent(comp string) error {
	if comp == "" {
		return errors.New("empty component")
	}
	for i := 0; i < len(comp); {
		j := i
		for j < len(comp) && isAlnum(comp[j]) {
			j++
		}
		if j == i {
			return fmt.Errorf("%q at %d: want a letter or digit", comp[i], i)
		}
		if j == len(comp) {
			return nil
		}
		k := j
		for k < len(comp) && !isAlnum(comp[k]) {
			if strings.IndexByte("-._:@+", comp[k]) < 0 {
				return fmt.Errorf("character %q not allowed", comp[k])
			}
			k++
		}
		if sep := comp[j:k]; len(sep) != 1 && sep != "--" {
			return fmt.Errorf("separator %q at %d: want one of -._:@+ or --", sep, j)
		}
		if k == len(comp) {
			return errors.New("ends with a separator")
		}
		i = k
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
