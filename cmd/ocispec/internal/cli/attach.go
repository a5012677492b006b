package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

type attachOptions struct {
	subject      string
	artifactType string
	annotations  []string
	tag          string
}

func (a *app) attachCommand() *cobra.Command {
	o := &attachOptions{}
	cmd := &cobra.Command{
		Use:   "attach --subject REF --artifact-type TYPE [--annotation K=V]... [FILE]...",
		Short: "Attach an artifact (a signature, an SBOM, ...) to an image of a layout",
		Long: `Write an artifact that refers to the image REF names (oci:PATH:TAG or
oci:PATH:@DIGEST), as image-spec 1.1 describes: an image manifest whose
artifactType is TYPE, whose config is the empty descriptor, whose layers
are the FILEs (application/octet-stream, each titled with its name), and
whose subject is the image. It gets an entry in the layout's index.json,
tagged with --tag or untagged, and is listed by ocispec referrers. Prints
the artifact manifest's descriptor as one line of JSON.`,
		Example: `  ocispec attach --subject oci:out/app:v1 --artifact-type application/spdx+json sbom.spdx.json
  ocispec referrers oci:out/app:v1`,
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.attach(o, args) }),
	}
	f := cmd.Flags()
	f.StringVar(&o.subject, "subject", "", "the image `REF` the artifact refers to (required)")
	f.StringVar(&o.artifactType, "artifact-type", "", "the artifact's `TYPE`, a media type (required)")
	f.StringArrayVar(&o.annotations, "annotation", nil, "add a manifest annotation `KEY=VALUE` (repeatable)")
	f.StringVar(&o.tag, "tag", "", "tag the artifact `TAG` too")
	return cmd
}

// descriptorLine is what attach prints.
type descriptorLine struct {
	Path         string        `json:"path"`
	MediaType    string        `json:"mediaType"`
	ArtifactType string        `json:"artifactType"`
	Digest       digest.Digest `json:"digest"`
	Size         int64         `json:"size"`
	Subject      digest.Digest `json:"subject"`
	Tag          string        `json:"tag,omitempty"`
}

func (a *app) attach(o *attachOptions, files []string) error {
	if o.subject == "" {
		return usagef("attach needs --subject REF, the image the artifact refers to")
	}
	if o.artifactType == "" {
		return usagef("attach needs --artifact-type TYPE, a media type such as application/spdx+json")
	}
	if err := core.ValidateMediaType(o.artifactType); err != nil {
		return &usageError{fmt.Errorf("--artifact-type %q: %w", o.artifactType, err)}
	}
	if o.tag != "" {
		if err := layout.ValidateRegistryTag(o.tag); err != nil {
			return &usageError{err}
		}
	}
	ann := map[string]string{}
	for _, kv := range o.annotations {
		k, v, err := splitKV(kv, "annotation", "KEY=VALUE")
		if err != nil {
			return err
		}
		ann[k] = v
	}
	l, src, err := a.openLayoutArg(o.subject)
	if err != nil {
		return err
	}
	defer l.Close()
	if src.sel.Tag == "" && src.sel.Digest == "" {
		return usagef("--subject %s names no image: write oci:PATH:TAG or oci:PATH:@DIGEST", o.subject)
	}
	e, err := l.Find(a.ctx, src.sel)
	if err != nil {
		return err
	}
	var afs []layout.ArtifactFile
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			return err
		}
		fi, err := fh.Stat()
		if err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("%s is not a regular file", name)
		}
		var d digest.Digest
		if err == nil {
			d, err = digest.SHA256.FromReader(fh)
		}
		fh.Close()
		if err != nil {
			return err
		}
		afs = append(afs, layout.ArtifactFile{
			Descriptor: core.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: fi.Size()},
			Source:     layout.FromFile(name),
			Title:      filepath.Base(name),
		})
	}
	d, err := l.Attach(a.ctx, layout.Selector{Digest: e.Descriptor.Digest}, o.artifactType, ann, afs, &layout.WriteOptions{Tag: o.tag})
	if err != nil {
		return err
	}
	return a.result(descriptorLine{Path: src.path, MediaType: d.MediaType, ArtifactType: o.artifactType, Digest: d.Digest, Size: d.Size, Subject: e.Descriptor.Digest, Tag: o.tag})
}
