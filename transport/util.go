package transport

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/layout"
)

// maxDepth bounds how deep indexes may nest, as package layout does.
const maxDepth = 8

// isDocument reports whether mt is the media type of a manifest or
// index: OCI's, Docker's, or a registered format's.
func isDocument(reg *core.Registry, mt string) bool { return IsDocument(reg, mt) }

// IsDocument reports whether mt is the media type of a manifest or an
// index: OCI's, Docker's, or one of a format reg holds. A transport
// keeps documents apart from blobs with it (a registry's manifests and
// blobs are two stores).
func IsDocument(reg *core.Registry, mt string) bool {
	switch core.NormalizeMediaType(mt) {
	case oci.MediaTypeManifest, oci.MediaTypeIndex, docker.MediaTypeManifest, docker.MediaTypeManifestList:
		return true
	case "":
		return false
	}
	f, err := reg.FormatByMediaType(mt)
	if err != nil {
		return false
	}
	n := core.NormalizeMediaType(mt)
	return n == core.NormalizeMediaType(f.Describe().ManifestMediaType) || n == core.NormalizeMediaType(f.Describe().IndexMediaType)
}

// isManifestType reports whether mt is the media type of a manifest (not
// an index): OCI's, Docker's, or one of a format reg holds.
func isManifestType(reg *core.Registry, mt string) bool {
	switch core.NormalizeMediaType(mt) {
	case oci.MediaTypeManifest, docker.MediaTypeManifest:
		return true
	case oci.MediaTypeIndex, docker.MediaTypeManifestList, "":
		return false
	}
	f, err := reg.FormatByMediaType(mt)
	return err == nil && core.NormalizeMediaType(mt) == core.NormalizeMediaType(f.Describe().ManifestMediaType)
}

// The capabilities Copy uses between built-in transports, beyond the
// contract: a blob as an open file (so that it is linked, cloned or
// copied in the kernel instead of read and written), a destination that
// takes one, a reader of a blob that is not hashed (the destination
// hashes what it writes), and a source told where to spool.
type (
	fileSource interface {
		// openFile returns the file holding d and whether its content was
		// verified already; errNoFile when the blob is not a file.
		openFile(ctx context.Context, d core.Descriptor) (*os.File, bool, error)
	}
	fileDestination interface {
		putFile(ctx context.Context, d core.Descriptor, f *os.File, verified bool) (layout.Placement, error)
	}
	rawSource interface {
		// fetchRaw opens d's bytes as stored, not hashed.
		fetchRaw(ctx context.Context, d core.Descriptor) (io.ReadCloser, error)
	}
	spooler interface {
		// spoolIn sets where the source spools blobs, before it reads any.
		spoolIn(dir string)
	}
	tempDirer interface {
		// tempDir is where a source should spool blobs for this
		// destination: on its file system.
		tempDir() string
	}
)

var errNoFile = errors.New("transport: not a file")
