package transport

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/concil-go/ocispec/core"
)

// Transport is one kind of place images live: it parses the references
// written after its name and a colon ("oci:" PATH[:TAG]). Transports
// are values (OCI, Dir, OCIArchive, DockerArchive); [Parse] knows the
// built-in ones and takes others as arguments, so that no process-wide
// table decides what a string means. A Transport is safe for concurrent
// use.
type Transport interface {
	// Name is what a reference starts with, before the colon: "oci",
	// "dir", "oci-archive", "docker-archive" ("docker" for a registry,
	// written docker://HOST/NAME[:TAG]).
	Name() string
	// ParseReference reads what follows "NAME:" in a reference.
	ParseReference(rest string) (Reference, error)
}

// Reference names a place of one transport and, optionally, an image in
// it. It opens as a [Source] and as a [Destination]. A Reference is an
// immutable value, safe for concurrent use.
type Reference interface {
	// Transport returns the reference's transport.
	Transport() Transport
	// String returns the reference as Parse reads it
	// ("oci-archive:/tmp/app.tar:v1").
	String() string
	// Selection is the part that names an image ("v1", "@sha256:…",
	// "example.com/app:v1", "@2"), "" when the reference names none.
	Selection() string
	// NewSource opens the reference for reading.
	NewSource(ctx context.Context, opts *Options) (Source, error)
	// NewDestination opens the reference for writing. Nothing is visible
	// under the reference's name before [Destination.Commit].
	NewDestination(ctx context.Context, opts *Options) (Destination, error)
}

// Options apply when a reference is opened. The zero value (or nil) uses
// core.Default's formats and algorithms.
type Options struct {
	// Registry decodes manifests and its algorithms hash blobs.
	Registry *core.Registry
	// MaxDocumentSize is the largest manifest, index or config read into
	// memory (<= 0: core.DefaultMaxDocumentSize).
	MaxDocumentSize int64
	// TempDir is where a destination writing an archive, or a source
	// reading a compressed one, keeps blobs until it is done: "" is
	// beside the archive (so that a blob is renamed or linked, never
	// copied, when it reaches a folder on that file system). Copy sets it
	// to the destination's folder when it is a layout.
	TempDir string
}

// WithDefaults returns the options with their defaults filled in
// (core.Default, core.DefaultMaxDocumentSize); o may be nil.
func (o *Options) WithDefaults() Options { return *o.orZero() }

func (o *Options) orZero() *Options {
	out := Options{}
	if o != nil {
		out = *o
	}
	if out.Registry == nil {
		out.Registry = core.Default
	}
	if out.MaxDocumentSize <= 0 {
		out.MaxDocumentSize = core.DefaultMaxDocumentSize
	}
	return &out
}

// Image is an image a source holds, or a destination is to name: a
// top-level manifest or index, and the names it goes by.
type Image struct {
	// Descriptor describes the manifest or index, with its platform when
	// the source lists one.
	Descriptor core.Descriptor
	// Names are the image's names in the transport's own grammar: a tag
	// in an OCI layout or oci-archive ("v1"), a NAME:TAG reference in a
	// docker-archive ("example.com/app:v1"); empty when untagged.
	Names []string
	// Referrer is set on the images Copy commits because they refer to
	// another (CopyOptions.Referrers): a destination names them by their
	// Names only, never by its reference's tag or a default name, and
	// stores them untagged when they have none.
	Referrer bool
}

// String describes the image: NAME@DIGEST (PLATFORM).
func (img Image) String() string {
	s := string(img.Descriptor.Digest)
	if len(img.Names) > 0 {
		s = strings.Join(img.Names, ",") + "@" + s
	}
	if p := img.Descriptor.Platform; p != nil {
		s += " (" + p.String() + ")"
	}
	return s
}

// Source reads images: it lists them, resolves the reference to one,
// and serves manifests, indexes and blobs by descriptor, verified.
// Implementations are safe for concurrent use, except where they say
// otherwise.
type Source interface {
	// Reference is the reference the source was opened from.
	Reference() Reference
	// Images lists every top-level image the source holds, in its order.
	Images(ctx context.Context) ([]Image, error)
	// Resolve returns the image the reference names (its tag, digest,
	// name or position), or the only one when it names none. An image
	// may be given as several entries, one per platform (an OCI layout's
	// tag listed once per platform): then all are returned. A reference
	// naming nothing in a source of several images is an error wrapping
	// ErrAmbiguous that lists them; one naming what is not there, an
	// error wrapping core.ErrNotFound.
	Resolve(ctx context.Context) ([]Image, error)
	// Fetch opens the manifest, index or blob d describes. The reader is
	// verifying: it ends with io.EOF only when the content had d's size
	// and digest, and otherwise with an error wrapping
	// core.ErrSizeMismatch or core.ErrDigestMismatch. Content the source
	// does not have is an error wrapping core.ErrNotFound. Close it.
	Fetch(ctx context.Context, d core.Descriptor) (io.ReadCloser, error)
	// Close releases the source (and removes what it spooled).
	Close() error
}

// Destination writes images. Blobs (configs, layers) and documents
// (manifests, indexes) are pushed first, each verified against its
// descriptor as it is written, and Commit then names images, all at
// once: a reader of the destination never sees an image whose content
// is missing, and an interrupted copy leaves what was there before.
// Implementations are safe for concurrent Exists and Push calls.
type Destination interface {
	// Reference is the reference the destination was opened from.
	Reference() Reference
	// Exists reports whether the blob or document d is stored whole, so
	// that it need not be pushed.
	Exists(ctx context.Context, d core.Descriptor) (bool, error)
	// Push stores the blob or document d describes, read from r and
	// verified while it is written: content of another size or digest is
	// an error wrapping core.ErrSizeMismatch or core.ErrDigestMismatch,
	// and nothing is stored. Documents are pushed after the blobs they
	// refer to, and an index after its manifests.
	Push(ctx context.Context, d core.Descriptor, r io.Reader) error
	// Commit names images whose documents and blobs were pushed (or
	// were there), atomically: the layout's index.json or manifest.json,
	// the archive renamed into place, the registry's tag pushed last. It
	// returns the images as the destination names them; a destination
	// that must rewrite what it stores (docker-archive stores layers
	// uncompressed) says so in the descriptors it returns. Commit may be
	// called more than once; images committed before stay.
	Commit(ctx context.Context, images []Image) ([]Image, error)
	// Close releases the destination; without a Commit, nothing of what
	// was pushed is named, and what can be removed is.
	Close() error
}

// UnverifiedFetcher is an optional capability of a Source defined
// outside this package (the registry transport of module orasbridge):
// FetchUnverified opens content as Fetch does but without hashing it,
// for a caller that verifies every byte itself. Copy uses it, since a
// Destination verifies what it writes, so that each byte is hashed once.
type UnverifiedFetcher interface {
	FetchUnverified(ctx context.Context, d core.Descriptor) (io.ReadCloser, error)
}

// FilePusher is an optional capability of a Destination defined outside
// this package (the registry transport of module orasbridge): PushFile
// stores the blob d describes from f, a file opened at its start whose
// content was not verified, and verifies it as Push does, so that the
// destination may hand the file to the kernel to send (sendfile) rather
// than read it through a buffer. progress, when not nil, is called with
// the number of bytes done since its last call, perhaps from another
// goroutine. Copy uses it for a blob the source holds as a file (an OCI
// layout's); PushFile must not close f.
type FilePusher interface {
	PushFile(ctx context.Context, d core.Descriptor, f *os.File, progress func(n int64)) error
}

// ReferrerLister is an optional capability of a Source: Referrers lists
// the referrers the source holds of the manifest or index subject
// (image-spec 1.1's manifests whose subject it is, and the fallbacks a
// transport knows: the referrers tag schema, cosign's tags), each with
// the names the source gives it. Copy uses it for CopyOptions.Referrers.
// The OCI layout source and the registry transport implement it.
type ReferrerLister interface {
	Referrers(ctx context.Context, subject core.Descriptor) ([]Image, error)
}

// Transports returns the built-in transports: oci, dir, oci-archive and
// docker-archive.
func Transports() []Transport { return []Transport{OCI, Dir, OCIArchive, DockerArchive} }

// isWord reports a transport name: what precedes the first colon when it is
// one lower-case word (a one-letter word is a Windows drive).
func isWord(s string) bool {
	if len(s) < 2 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Parse reads a reference as skopeo writes it: TRANSPORT:REST, where
// TRANSPORT is a built-in transport or one of extra (which take
// precedence). A string without a transport prefix is a path, opened as
// what it holds ([Path]). A word before the first colon that is no
// transport is an error wrapping ErrUnknownTransport that names the
// supported ones, with a hint for the spellings of other tools (regctl's
// ocidir://PATH, umoci's and oras's PATH:TAG).
func Parse(s string, extra ...Transport) (Reference, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok || !isWord(name) {
		return Path(s)
	}
	all := append(slices.Clone(extra), Transports()...)
	for _, t := range all {
		if t.Name() == name {
			if t.Name() != "docker" && strings.HasPrefix(rest, "//") {
				return nil, fmt.Errorf("%w: %q: the %s transport takes %s:PATH, without //", ErrInvalidReference, s, name, name)
			}
			return t.ParseReference(rest)
		}
	}
	var names []string
	for _, t := range all {
		names = append(names, t.Name()+":")
	}
	hint := ""
	switch {
	case name == "ocidir" && strings.HasPrefix(rest, "//"):
		hint = fmt.Sprintf(" (regctl's ocidir://PATH is written oci:%s here)", strings.TrimPrefix(rest, "//"))
	case name == "docker":
		hint = " (the docker:// registry transport is orasbridge.Docker, in module github.com/concil-go/ocispec/orasbridge: pass it to Parse)"
	case name == "docker-daemon" || name == "containers-storage":
		hint = fmt.Sprintf(" (%s: is not built in: copy from it with skopeo to oci-archive: or docker-archive:)", name)
	case strings.HasSuffix(rest, ".tar") || strings.HasSuffix(rest, ".tar.gz") || strings.HasSuffix(rest, ".tgz") || strings.HasSuffix(rest, ".tar.zst"):
		hint = fmt.Sprintf(" (an archive is written oci-archive:%s or docker-archive:%s)", rest, rest)
	case !strings.HasPrefix(rest, "/"):
		hint = fmt.Sprintf(" (if %s is a folder and %s a tag, as umoci and oras write PATH:TAG, write oci:%s)", name, rest, s)
	}
	return nil, fmt.Errorf("%w: %q: %q is not one of %s%s", ErrUnknownTransport, s, name+":", strings.Join(names, ", "), hint)
}

// parseTagged splits PATH[:SEL] as skopeo's oci: and oci-archive:
// transports do: the path ends at the first colon.
func parseTagged(transport, rest string) (path, sel string, err error) {
	path, sel, hasSel := strings.Cut(rest, ":")
	if path == "" {
		return "", "", fmt.Errorf("%w: %q: empty path", ErrInvalidReference, transport+":"+rest)
	}
	if hasSel && sel == "" {
		return "", "", fmt.Errorf("%w: %q: empty tag after ':'", ErrInvalidReference, transport+":"+rest)
	}
	return path, sel, nil
}
