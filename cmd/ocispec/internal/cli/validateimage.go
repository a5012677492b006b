package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/transport"
)

// docImage is validate's image mode: every document of an image.
const docImage = "image"

// isImageArg reports whether a validate argument names an image rather
// than a document: a transport reference, an oci: or dir: reference, a
// folder, or an archive file.
func isImageArg(arg string) bool {
	if _, ok, err := transportArg(arg); ok || err != nil {
		return true
	}
	if strings.HasPrefix(arg, "oci:") || strings.HasPrefix(arg, "dir:") {
		return true
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return false
	}
	return fi.IsDir() || fi.Mode().IsRegular() && isArchiveFile(arg)
}

// validateImage checks every manifest, index and config of the images
// arg holds, reading no layer (verify reads those): each document under
// the same rules as a document given alone, and each config against the
// manifest that lists it.
func (a *app) validateImage(arg string) validateResult {
	r := validateResult{File: arg, Document: docImage, Problems: []fieldProblem{}}
	fail := func(err error) validateResult {
		r.Problems = append(r.Problems, fieldProblem{"", err.Error()})
		return r
	}
	s, err := parseSource(arg)
	if err != nil {
		return fail(err)
	}
	if s.isFile {
		return fail(errors.New("is a file, not an image; give --type for a document"))
	}
	src, err := a.openSource(s)
	if err != nil {
		return fail(err)
	}
	defer src.Close()
	documents := 0
	err = transport.Validate(a.ctx, src, &transport.ValidateOptions{
		Registry:    a.registry(),
		Document:    func(core.Descriptor, string) { documents++ },
		CheckConfig: checkImageConfig,
	})
	for _, p := range flatten(err) {
		var re *transport.RefError
		if !errors.As(p, &re) {
			r.Problems = append(r.Problems, fieldProblem{"", p.Error()})
			continue
		}
		where := fmt.Sprintf("%s (%s)", re.Digest, re.Ref)
		for _, q := range core.Problems(re.Err) {
			var fe *core.FieldError
			if errors.As(q, &fe) {
				r.Problems = append(r.Problems, fieldProblem{where + ": " + fe.Field, fe.Err.Error()})
			} else {
				r.Problems = append(r.Problems, fieldProblem{where, q.Error()})
			}
		}
	}
	r.OK = len(r.Problems) == 0
	r.Documents = documents
	return r
}

// checkImageConfig checks an image's config when the manifest says it
// is an OCI or Docker image config (an artifact's config is its own
// format's business): config.md's rules, and as many rootfs.diff_ids as
// the manifest has layers (config.md: "the order of layers MUST match
// the order of diff_ids"). Comparing each diffID with its layer needs
// the layers: verify does that.
func checkImageConfig(b []byte, m core.Manifest) error {
	if !isImageConfig(m.Config.MediaType) {
		return nil
	}
	if _, err := validateConfig(b); err != nil {
		return err
	}
	c, err := core.ParseImageConfig(b)
	if err != nil {
		return err
	}
	if got, want := len(c.RootFS.DiffIDs), len(m.Layers); got != want {
		return &core.FieldError{Field: "rootfs.diff_ids", Err: fmt.Errorf("%w: %d diffIDs for the manifest's %d layers", core.ErrDiffIDMismatch, got, want)}
	}
	return nil
}
