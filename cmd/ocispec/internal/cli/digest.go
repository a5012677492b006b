package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	"github.com/concil-go/ocispec/formats/oci"
	digest "github.com/opencontainers/go-digest"
)

// AnnotationTitle is the image-spec annotation digest puts a file's
// name in.
const AnnotationTitle = "org.opencontainers.image.title"

type digestOptions struct {
	algorithms []string
	mediaType  string
	layer      bool
}

func (a *app) digestCommand() *cobra.Command {
	o := &digestOptions{}
	cmd := &cobra.Command{
		Use:   "digest [flags] FILE...",
		Short: "Describe files as descriptors, with several digests in one pass",
		Long: `Print a descriptor for each FILE, one line of JSON each, in the order given:
mediaType, digest (of the first --algorithm), size, and the file's name as
the org.opencontainers.image.title annotation. With several --algorithm,
"digests" holds every one, all computed in one read of the file. With
--layer, the file is a tar layer (gzip and zstd are detected) and
"diffID" is the digest of its uncompressed stream, computed in the same
read. Files are hashed in parallel, one per core; "-" reads standard
input.`,
		Example: `  ocispec digest layer.tar.gz
  ocispec digest --algorithm sha256 --algorithm sha512 --algorithm blake3 *.tar
  ocispec digest --layer --media-type tar+gzip layer.tar.gz`,
		Args: argsBetween(1, -1, "one FILE or more"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.digest(o, args) }),
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.algorithms, "algorithm", nil, "digest `ALGORITHM`: sha256 (default), sha512, blake3 (repeatable)")
	f.StringVar(&o.mediaType, "media-type", "", "media type of the descriptors, or a kind (tar+gzip) translated for OCI (default application/octet-stream, or the OCI layer type with --layer)")
	f.BoolVar(&o.layer, "layer", false, "treat the files as tar layers and compute their diffID too")
	return cmd
}

// digestResult is one line of digest's output: a descriptor with the
// extra digests.
type digestResult struct {
	MediaType   string                   `json:"mediaType"`
	Digest      digest.Digest            `json:"digest"`
	Size        int64                    `json:"size"`
	Annotations map[string]string        `json:"annotations,omitempty"`
	Digests     map[string]digest.Digest `json:"digests,omitempty"`
	DiffID      digest.Digest            `json:"diffID,omitempty"`
	DiffIDs     map[string]digest.Digest `json:"diffIDs,omitempty"`
}

func (a *app) digest(o *digestOptions, files []string) error {
	var algs []digest.Algorithm
	for _, s := range o.algorithms {
		alg, err := algorithmFlag(s)
		if err != nil {
			return err
		}
		algs = append(algs, alg)
	}
	if len(algs) == 0 {
		algs = []digest.Algorithm{core.SHA256}
	}
	stdin := 0
	var total int64
	for _, f := range files {
		if f == "-" {
			stdin++
			continue
		}
		if !a.progress {
			continue // the engine checks each file as it opens it
		}
		fi, err := stat(f)
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return fmt.Errorf("%s: %w: it is a folder", f, core.ErrNotRegular)
		}
		total += fi.Size()
	}
	if stdin > 1 {
		return usagef("\"-\" (standard input) can be given once")
	}
	if !a.progress {
		total = -1
	}
	// One write per thousands of lines, not one per file.
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	stdout := a.stdout
	a.stdout = out
	defer func() { out.Flush(); a.stdout = stdout }()
	bar := a.bar(total, "hashing")
	defer bar.Finish()
	eng := &digesters.Engine{Progress: bar.Add, CheckTar: o.layer}

	results := make([]digestResult, len(files))
	if !o.layer && stdin == 0 {
		// Plain files: the engine's own parallel hashing of many blobs.
		res, err := eng.DigestFiles(a.ctx, files, algs...)
		if err != nil {
			if a.ctx.Err() != nil {
				return a.ctx.Err()
			}
			return err
		}
		bar.Finish()
		return a.describeFiles(files, res, len(algs), o)
	}
	g, ctx := errgroup.WithContext(a.ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, f := range files {
		g.Go(func() error {
			if f == "-" {
				a.debug("reading standard input")
			}
			r, err := a.digestOne(ctx, eng, f, algs, o)
			results[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if a.ctx.Err() != nil {
			return a.ctx.Err()
		}
		return err
	}
	bar.Finish()
	for _, r := range results {
		if err := a.result(r); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) digestOne(ctx context.Context, eng *digesters.Engine, file string, algs []digest.Algorithm, o *digestOptions) (digestResult, error) {
	var res, plain digesters.Result
	var err error
	switch {
	case o.layer && file == "-":
		res, plain, err = eng.DigestLayerAs(ctx, stdinReader(ctx), digesters.Detect, algs...)
	case o.layer:
		res, plain, err = eng.DigestLayerFile(ctx, file, digesters.Detect, algs...)
	case file == "-":
		res, err = eng.DigestReader(ctx, stdinReader(ctx), algs...)
	default:
		res, err = eng.DigestFile(ctx, file, algs...)
	}
	if err != nil {
		return digestResult{}, err
	}
	return describeFile(file, res, plain, len(algs), o), nil
}

// describeFiles prints the lines of files, whose results are res, in
// order. The lines are encoded on every core, each encoding a share of
// them into a buffer of its own, and the buffers written in order: for
// thousands of small files, encoding them one after another would take
// a good part of the time that hashing them takes.
func (a *app) describeFiles(files []string, res []digesters.Result, algs int, o *digestOptions) error {
	parts := make([]bytes.Buffer, min(runtime.GOMAXPROCS(0), max(len(files)/256, 1)))
	var g errgroup.Group
	for k := range parts {
		g.Go(func() error {
			lo, hi := k*len(files)/len(parts), (k+1)*len(files)/len(parts)
			// Sized once: a buffer grown by doubling would be copied,
			// and its new memory cleared, at every step.
			size := 0
			for _, f := range files[lo:hi] {
				size += len(f) + max(len(o.mediaType), 64) + 160 + 250*(algs-1)
			}
			parts[k].Grow(size)
			enc := json.NewEncoder(&parts[k])
			enc.SetEscapeHTML(false)
			for i := lo; i < hi; i++ {
				if err := enc.Encode(describeFile(files[i], res[i], digesters.Result{}, algs, o)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for k := range parts {
		if _, err := a.stdout.Write(parts[k].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// describeFile makes the output line of one file: res of its bytes,
// plain of its uncompressed stream (with --layer).
func describeFile(file string, res, plain digesters.Result, algs int, o *digestOptions) digestResult {
	mediaType := o.mediaType
	switch {
	case mediaType != "":
		mediaType = oci.Format.Describe().Table.MediaType(mediaType)
	case o.layer:
		mediaType = layerMediaType(file)
	default:
		mediaType = "application/octet-stream"
	}
	r := digestResult{MediaType: mediaType, Digest: res.Digests[0], Size: res.Size}
	if file != "-" {
		r.Annotations = map[string]string{AnnotationTitle: file}
	}
	if algs > 1 {
		r.Digests = map[string]digest.Digest{}
		for _, d := range res.Digests {
			r.Digests[string(d.Algorithm())] = d
		}
	}
	if o.layer {
		r.DiffID = plain.Digests[0]
		if algs > 1 {
			r.DiffIDs = map[string]digest.Digest{}
			for _, d := range plain.Digests {
				r.DiffIDs[string(d.Algorithm())] = d
			}
		}
	}
	return r
}

// layerMediaType gives the OCI layer type of a layer file by the
// compression its first bytes show.
func layerMediaType(file string) string {
	if file == "-" {
		return oci.MediaTypeLayer
	}
	f, err := os.Open(file)
	if err != nil {
		return oci.MediaTypeLayer
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := f.Read(head)
	mt, _ := core.WithCompression(oci.MediaTypeLayer, digesters.DetectCompression(head[:n]))
	return mt
}
