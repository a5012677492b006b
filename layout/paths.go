package layout

import (
	"errors"
	"fmt"
	"strings"
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
