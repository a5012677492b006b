package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
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
input. Lines are printed a thousand files at a time, so a file that
cannot be read fails the command after the lines of some files before
it (with a progress bar, after none).`,
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
	bar := a.bar(total, "hashing")
	defer bar.Finish()
	eng := &digesters.Engine{CheckTar: o.layer}
	if bar != nil {
		eng.Progress = bar.Add
	}
	mediaType := digestMediaType(o)

	if !o.layer && stdin == 0 {
		// Plain files: the engine's own parallel hashing of many blobs.
		return a.digestFiles(eng, files, algs, mediaType, bar)
	}
	results := make([][]byte, len(files))
	g, ctx := errgroup.WithContext(a.ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, f := range files {
		g.Go(func() error {
			if f == "-" {
				a.debug("reading standard input")
			}
			line, err := a.digestOne(ctx, eng, f, algs, mediaType, o)
			results[i] = line
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
	_, err := a.stdout.Write(slices.Concat(results...))
	return err
}

// digestChunk is how many files digestFiles hashes before it prints
// their lines: enough that the pause of the workers between two chunks
// costs nothing, few enough that the results and lines of a chunk fit in
// memory the process has already touched.
var digestChunk = 1024

// digestFiles prints the lines of files, plain files, in order: it
// hashes them digestChunk at a time with the engine's workers and prints
// each chunk's lines before it hashes the next, in a buffer used again
// for every chunk, so memory stays that of one chunk whatever the number
// of files. With a progress bar, which the lines would cut through on a
// terminal, the lines are kept until the end.
func (a *app) digestFiles(eng *digesters.Engine, files []string, algs []digest.Algorithm, mediaType string, bar *progress.Bar) error {
	var out []byte
	for lo := 0; lo < len(files); lo += digestChunk {
		chunk := files[lo:min(lo+digestChunk, len(files))]
		res, err := eng.DigestFiles(a.ctx, chunk, algs...)
		if err != nil {
			if a.ctx.Err() != nil {
				return a.ctx.Err()
			}
			return err
		}
		// Sized once for the lines (unless names need escapes): grown by
		// appends, the buffer would be made several times over.
		size := 0
		for _, f := range chunk {
			size += len(f) + len(mediaType) + 100 + 150*len(algs)
		}
		out = slices.Grow(out, size)
		for i, r := range res {
			out = appendDigestLine(out, mediaType, chunk[i], r, digesters.Result{}, len(algs), false)
		}
		if !a.progress {
			if _, err := a.stdout.Write(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
	bar.Finish()
	if len(out) == 0 {
		return nil
	}
	_, err := a.stdout.Write(out)
	return err
}

func (a *app) digestOne(ctx context.Context, eng *digesters.Engine, file string, algs []digest.Algorithm, mediaType string, o *digestOptions) ([]byte, error) {
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
		return nil, err
	}
	if o.layer && o.mediaType == "" {
		mediaType = layerMediaType(file)
	}
	return appendDigestLine(nil, mediaType, file, res, plain, len(algs), o.layer), nil
}

// digestMediaType is the media type of digest's lines: --media-type,
// translated for OCI when it is a kind; else application/octet-stream,
// or with --layer the OCI layer type (which each file's compression
// then completes).
func digestMediaType(o *digestOptions) string {
	switch {
	case o.mediaType != "":
		return oci.Format.Describe().Table.MediaType(o.mediaType)
	case o.layer:
		return oci.MediaTypeLayer
	}
	return "application/octet-stream"
}

// appendDigestLine appends the output line of file: res of its bytes,
// plain of its uncompressed stream (with layer), algs the number of
// --algorithm. It is written by hand, without reflection, for thousands
// of small files; it is byte for byte what encoding/json (with
// SetEscapeHTML(false)) writes for the descriptor
//
//	{"mediaType", "digest", "size",
//	 "annotations": {"org.opencontainers.image.title": file} (not for "-"),
//	 "digests": {algorithm: digest} (with several algorithms),
//	 "diffID", "diffIDs" (with layer)}
//
// with the keys of the maps sorted, as TestAppendDigestLine checks.
func appendDigestLine(dst []byte, mediaType, file string, res, plain digesters.Result, algs int, layer bool) []byte {
	dst = append(dst, `{"mediaType":`...)
	dst = core.AppendJSONString(dst, mediaType)
	dst = append(dst, `,"digest":`...)
	dst = core.AppendJSONString(dst, string(res.Digests[0]))
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, res.Size, 10)
	if file != "-" {
		dst = append(dst, `,"annotations":{"`+AnnotationTitle+`":`...)
		dst = core.AppendJSONString(dst, file)
		dst = append(dst, '}')
	}
	if algs > 1 {
		dst = appendDigestMap(append(dst, `,"digests":`...), res.Digests)
	}
	if layer {
		dst = append(dst, `,"diffID":`...)
		dst = core.AppendJSONString(dst, string(plain.Digests[0]))
		if algs > 1 {
			dst = appendDigestMap(append(dst, `,"diffIDs":`...), plain.Digests)
		}
	}
	return append(dst, "}\n"...)
}

// appendDigestMap appends ds as a JSON object from algorithm to digest,
// its keys sorted and each once, as encoding/json writes a map.
func appendDigestMap(dst []byte, ds []digest.Digest) []byte {
	sorted := slices.SortedFunc(slices.Values(ds), func(x, y digest.Digest) int {
		return strings.Compare(string(x.Algorithm()), string(y.Algorithm()))
	})
	dst = append(dst, '{')
	for i, d := range sorted {
		if i > 0 && d.Algorithm() == sorted[i-1].Algorithm() {
			continue // asked for twice: the same digest
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = core.AppendJSONString(dst, string(d.Algorithm()))
		dst = append(dst, ':')
		dst = core.AppendJSONString(dst, string(d))
	}
	return append(dst, '}')
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
