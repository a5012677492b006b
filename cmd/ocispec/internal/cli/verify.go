package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	digest "github.com/opencontainers/go-digest"
)

type verifyOptions struct {
	json bool
}

func (a *app) verifyCommand() *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [flags] PATH",
		Short: "Check every blob of a layout or archive against its descriptor",
		Long: `Check the layout folder PATH (OCI image layout or dir:), or an archive
(oci-archive:PATH, docker-archive:PATH, or its path), or an image in a
registry (docker://HOST/REPO[:TAG|@DIGEST], every blob fetched and checked,
nothing written to disk): every manifest and index it names must decode, and every config and layer they refer to must
be there with the size and digest its descriptor says.

Every problem is listed, one per line on standard error, naming the blob,
what refers to it and, for a digest mismatch, the digest wanted and the
digest found. The exit status is 0 only when all is well. --json prints
one line of JSON with the verdict and the problems instead.`,
		Example: `  ocispec verify out/hello
  ocispec verify --json out/hello | jq .ok
  ocispec verify --plain-http docker://localhost:5000/hello:v1`,
		Args: argsBetween(1, 1, "one PATH"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.verify(o, args[0]) }),
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the verdict and the problems as one line of JSON on standard output")
	a.addRegistryFlags(cmd.Flags())
	return cmd
}

// problem is one problem of verify's JSON output.
type problem struct {
	Path     string        `json:"path,omitempty"`
	Digest   digest.Digest `json:"digest,omitempty"`
	Ref      string        `json:"ref,omitempty"`
	Want     digest.Digest `json:"want,omitempty"`
	Got      digest.Digest `json:"got,omitempty"`
	WantSize *int64        `json:"wantSize,omitempty"`
	GotSize  *int64        `json:"gotSize,omitempty"`
	Message  string        `json:"message"`
}

type verifyResult struct {
	Path     string    `json:"path"`
	OK       bool      `json:"ok"`
	Problems []problem `json:"problems"`
	// Leftovers are what interrupted writes left in or beside the
	// layout; they are not problems.
	Leftovers []leftover `json:"leftovers,omitempty"`
}

// leftover is one leftover of an interrupted write, in verify's and
// gc's JSON output.
type leftover struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

func (a *app) verify(o *verifyOptions, arg string) error {
	src, err := parseSource(arg)
	if err != nil {
		return err
	}
	if src.isFile {
		return fmt.Errorf("%w: %s is a file; verify checks a layout folder or an archive (to check a document, use validate)", layout.ErrNotLayout, arg)
	}
	if err := a.loadPlugins(true); err != nil && a.ctx.Err() != nil {
		return err
	}
	// The bar starts once the documents are read and the total of the
	// blobs to hash is known.
	var leftovers []layout.Leftover
	var bar *progress.Bar
	var reported int64
	onProgress := func(done, total int64) {
		if bar == nil {
			bar = a.bar(total, "verifying")
		}
		bar.Add(done - reported)
		reported = done
	}
	if src.ref != nil {
		err = a.verifyTransport(src, onProgress)
	} else {
		var l *layout.Layout
		if l, err = src.open(a.registry()); err != nil {
			return err
		}
		defer l.Close()
		err = l.VerifyWith(a.ctx, layout.VerifyOptions{Progress: onProgress, Layers: true, Leftover: func(lo layout.Leftover) { leftovers = append(leftovers, lo) }})
	}
	bar.Finish()
	return a.verified(o, arg, err, leftovers)
}

// verified reports verify's verdict.
func (a *app) verified(o *verifyOptions, arg string, err error, leftovers []layout.Leftover) error {
	if a.ctx.Err() != nil {
		return a.ctx.Err()
	}
	problems := flatten(err)
	res := verifyResult{Path: arg, OK: len(problems) == 0, Problems: []problem{}}
	for _, p := range problems {
		res.Problems = append(res.Problems, describeProblem(p))
	}
	for _, lo := range leftovers {
		res.Leftovers = append(res.Leftovers, leftover{Path: lo.Path, Size: lo.Size})
		if !o.json {
			fmt.Fprintf(a.stderr, "ocispec: note: %s (%d bytes) is left over from an interrupted write; the next write into the layout, or ocispec gc, removes it\n", lo.Path, lo.Size)
		}
	}
	if o.json {
		if err := a.result(res); err != nil {
			return err
		}
	} else if res.OK {
		if !a.quiet {
			fmt.Fprintf(a.stdout, "%s: ok\n", arg)
		}
	} else {
		for _, p := range res.Problems {
			fmt.Fprintf(a.stderr, "ocispec: %s\n", p.Message)
		}
	}
	if !res.OK {
		if !o.json {
			fmt.Fprintf(a.stderr, "ocispec: %s: %d problem%s\n", arg, len(problems), plural(len(problems)))
		}
		return &reportedError{fmt.Errorf("%w: %d", ErrProblems, len(problems))}
	}
	return nil
}

// flatten lists the problems of a joined error, one per element.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func describeProblem(err error) problem {
	p := problem{Message: userMessage(err)}
	var be *layout.BlobError
	if errors.As(err, &be) {
		p.Path, p.Digest, p.Ref = be.Path, be.Digest, be.Ref
	}
	var dm *core.DigestMismatchError
	if errors.As(err, &dm) {
		p.Want, p.Got = dm.Want, dm.Got
	}
	var sm *core.SizeMismatchError
	if errors.As(err, &sm) {
		want, got := sm.Want, sm.Got
		p.WantSize, p.GotSize = &want, &got
	}
	return p
}
