package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Document types validate knows.
const (
	docManifest   = "manifest"
	docIndex      = "index"
	docConfig     = "config"
	docDescriptor = "descriptor"
)

type validateOptions struct {
	json   bool
	schema bool
	typ    *enumFlag
}

func (a *app) validateCommand() *cobra.Command {
	o := &validateOptions{typ: newEnum("", docManifest, docIndex, docConfig, docDescriptor, docImage)}
	cmd := &cobra.Command{
		Use:   "validate [flags] FILE|IMAGE...",
		Short: "Check manifest, index, config and descriptor documents against the spec",
		Long: `Check each FILE against the image-spec's rules: a manifest or an index (of
any registered format, detected), an image config or a lone descriptor
(told apart by their fields, or as --type says). With --schema, also
against image-spec's JSON schema.

An IMAGE (a layout folder, an archive, or any reference: oci:PATH[:TAG],
dir:PATH, oci-archive:PATH[:TAG], docker-archive:PATH[:NAME:TAG]) is
checked whole without reading a layer: every manifest and index it holds,
and every image config, also against its manifest (as many
rootfs.diff_ids as layers). verify also reads the layers.

Every problem is listed, one line each on standard error, as
FILE: FIELD: what is wrong. The exit status is 0 only when every file is
valid. --json prints one line of JSON per file instead.`,
		Example: `  ocispec validate manifest.json config.json
  ocispec validate oci-archive:image.tar
  ocispec validate --schema --type descriptor desc.json`,
		Args: argsBetween(1, -1, "one FILE or more"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.validate(o, args) }),
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print one line of JSON per file on standard output")
	f.BoolVar(&o.schema, "schema", false, "also check against image-spec's JSON schema")
	f.Var(o.typ, "type", "the documents' type, instead of telling it from their fields: manifest, index, config, descriptor, or image (a layout or archive)")
	return cmd
}

// fieldProblem is one problem of a document.
type fieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type validateResult struct {
	File      string         `json:"file"`
	Document  string         `json:"document"`
	Format    string         `json:"format,omitempty"`
	MediaType string         `json:"mediaType,omitempty"`
	Documents int            `json:"documents,omitempty"` // read, in image mode
	OK        bool           `json:"ok"`
	Problems  []fieldProblem `json:"problems"`
	// Warnings are what is odd but not against the spec.
	Warnings []fieldProblem `json:"warnings,omitempty"`
}

func (a *app) validate(o *validateOptions, files []string) error {
	if err := a.loadPlugins(true); err != nil && a.ctx.Err() != nil {
		return err
	}
	bad := 0
	for _, file := range files {
		if err := a.ctx.Err(); err != nil {
			return err
		}
		var r validateResult
		if o.typ.value == docImage || o.typ.value == "" && isImageArg(file) {
			r = a.validateImage(file)
		} else {
			r = a.validateFile(file, o.typ.value, o.schema)
		}
		if !r.OK {
			bad++
		}
		if !o.json {
			for _, w := range r.Warnings {
				fmt.Fprintf(a.stderr, "ocispec: %s: warning: %s: %s\n", file, w.Field, w.Message)
			}
		}
		switch {
		case o.json:
			if err := a.result(r); err != nil {
				return err
			}
		case r.OK:
			if !a.quiet {
				what := r.Document
				if r.Format != "" {
					what = r.Format + " " + what
				}
				if r.Document == docImage {
					what = fmt.Sprintf("image, %d documents", r.Documents)
				}
				fmt.Fprintf(a.stdout, "%s: ok (%s)\n", file, what)
			}
		default:
			for _, p := range r.Problems {
				if p.Field == "" {
					fmt.Fprintf(a.stderr, "ocispec: %s: %s\n", file, p.Message)
				} else {
					fmt.Fprintf(a.stderr, "ocispec: %s: %s: %s\n", file, p.Field, p.Message)
				}
			}
		}
	}
	if bad > 0 {
		if !o.json {
			fmt.Fprintf(a.stderr, "ocispec: %d of %d file%s invalid\n", bad, len(files), plural(len(files)))
		}
		return &reportedError{fmt.Errorf("%w: %d files", ErrProblems, bad)}
	}
	return nil
}

// validateFile checks one file and reports every problem found.
func (a *app) validateFile(path, typ string, withSchema bool) validateResult {
	r := validateResult{File: path, Document: typ, Problems: []fieldProblem{}}
	add := func(err error) {
		for _, p := range core.Problems(err) {
			var fe *core.FieldError
			if errors.As(p, &fe) {
				r.Problems = append(r.Problems, fieldProblem{fe.Field, fe.Err.Error()})
			} else {
				r.Problems = append(r.Problems, fieldProblem{"", p.Error()})
			}
		}
	}
	a.debug("reading %s", path)
	data, err := readFile(a.ctx, path)
	if err != nil {
		add(err)
		return r
	}
	if r.Document == "" {
		if r.Document, err = a.detectDocument(data); err != nil {
			add(err)
			return r
		}
	}
	var schemaType string
	switch r.Document {
	case docManifest, docIndex:
		det, err := a.registry().Detect(a.ctx, data)
		if err != nil {
			add(documentErr(err))
			break
		}
		r.Format, r.MediaType = det.Format.Describe().Name, det.MediaType
		schemaType = det.MediaType
		if det.Index != (r.Document == docIndex) {
			add(fmt.Errorf("it is a %s %s, not a %s", r.Format, map[bool]string{true: docIndex, false: docManifest}[det.Index], r.Document))
			break
		}
		_, err = a.registry().Decode(a.ctx, data)
		add(err)
	case docConfig:
		schemaType = v1.MediaTypeImageConfig
		warnings, problems := validateConfig(data)
		add(problems)
		for _, w := range warnings {
			var fe *core.FieldError
			if errors.As(w, &fe) {
				r.Warnings = append(r.Warnings, fieldProblem{fe.Field, fe.Err.Error()})
			} else {
				r.Warnings = append(r.Warnings, fieldProblem{"", w.Error()})
			}
		}
	case docDescriptor:
		schemaType = v1.MediaTypeDescriptor
		add(validateDescriptor(data))
	}
	if withSchema && schemaType != "" {
		if err := schema.Validate(schemaType, data); err != nil {
			msg := strings.TrimPrefix(err.Error(), "schema: ")
			msg = strings.TrimPrefix(msg, schemaType+": ")
			for _, line := range strings.Split(strings.TrimSpace(msg), "\n") {
				r.Problems = append(r.Problems, fieldProblem{"schema", strings.TrimSpace(line)})
			}
		}
	}
	r.OK = len(r.Problems) == 0
	return r
}

// documentErr names the field a detection error is about.
func documentErr(err error) error {
	switch {
	case errors.Is(err, core.ErrUnknownDocument), errors.Is(err, core.ErrUnknownFormat):
		return &core.FieldError{Field: "mediaType", Err: err}
	}
	return err
}

func readFile(ctx context.Context, path string) ([]byte, error) {
	f, done, err := openInput(ctx, path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer done()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, errors.New("is a folder, not a document")
	}
	data, err := core.ReadDocument(f, core.DefaultMaxDocumentSize)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return data, err
}

// detectDocument tells a document's type from its fields.
func (a *app) detectDocument(data []byte) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return "", fmt.Errorf("not a JSON object: %w", err)
	}
	has := func(k string) bool { _, ok := obj[k]; return ok }
	var mt string
	if raw, ok := obj["mediaType"]; ok {
		json.Unmarshal(raw, &mt)
	}
	if mt != "" {
		if f, err := a.registry().FormatByMediaType(mt); err == nil {
			if core.NormalizeMediaType(mt) == core.NormalizeMediaType(f.Describe().IndexMediaType) {
				return docIndex, nil
			}
			return docManifest, nil
		}
	}
	switch {
	case has("manifests"):
		return docIndex, nil
	case has("layers") || has("schemaVersion"):
		return docManifest, nil
	case has("rootfs") || (has("architecture") || has("os")) && !has("digest"):
		return docConfig, nil
	case has("digest") || has("size"):
		return docDescriptor, nil
	}
	return "", fmt.Errorf("%w: it has none of the fields of a manifest (layers), an index (manifests), a config (rootfs) or a descriptor (digest); give --type", ErrUnknownDocument)
}

// validateDescriptor checks a lone descriptor.
func validateDescriptor(data []byte) error {
	_, err := core.DecodeDescriptor(data)
	return err
}
