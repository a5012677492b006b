package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/internal/atomicfile"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
)

// source is an image argument: a layout folder (a path, "oci:PATH[:TAG]"
// or "dir:PATH") or a document file.
type source struct {
	arg    string
	path   string
	kind   layout.Kind // set by an "oci:" or "dir:" prefix
	sel    layout.Selector
	isFile bool
	// ref is set for what only package transport reads: an archive,
	// named by its reference or its path.
	ref transport.Reference
}

// parseSource reads an image argument. A path that does not exist, or
// is neither a folder nor a regular file, is an error naming it.
func parseSource(arg string) (source, error) {
	s := source{arg: arg, path: arg}
	if ref, ok, err := transportArg(arg); err != nil {
		return source{}, err
	} else if ok {
		s.ref, s.path = ref, archivePath(ref)
		if isRegistry(ref) {
			return s, nil
		}
		if _, err := stat(s.path); err != nil {
			return source{}, err
		}
		return s, nil
	}
	if strings.HasPrefix(arg, "oci:") || strings.HasPrefix(arg, "dir:") {
		ref, err := layout.ParseReference(arg)
		if err != nil {
			return source{}, &usageError{err}
		}
		s.path, s.kind, s.sel = ref.Path, ref.Kind, ref.Selector
	}
	fi, err := stat(s.path)
	if err != nil {
		return source{}, err
	}
	switch {
	case fi.IsDir():
	case fi.Mode().IsRegular():
		if s.kind != 0 {
			return source{}, fmt.Errorf("%s: %w: a %s: reference names a folder, and this is a file (an archive is read as oci-archive:%s or docker-archive:%s)", s.path, layout.ErrNotLayout, s.kind, s.path, s.path)
		}
		s.isFile = true
		if isArchiveFile(s.path) {
			s.isFile = false
			s.ref, _ = transport.Path(s.path)
		}
	default:
		return source{}, fmt.Errorf("%s: neither a folder nor a regular file (%s)", s.path, fi.Mode().Type())
	}
	return s, nil
}

// open opens the layout of a folder source, checking its kind against
// an "oci:" or "dir:" prefix.
func (s source) open(reg *core.Registry) (*layout.Layout, error) {
	l, err := layout.Open(s.path, layout.WithRegistry(reg))
	if err != nil {
		return nil, err
	}
	if s.kind != 0 && l.Kind() != s.kind {
		l.Close()
		return nil, fmt.Errorf("%w: %s is a %s layout, not %s", layout.ErrNotLayout, s.path, l.Kind(), s.kind)
	}
	return l, nil
}

// output is where a command writes a layout. A new folder is written
// under a temporary name beside it and renamed into place at the end,
// so an interrupted or failed command leaves nothing under the final
// name; when another command created the folder meanwhile, the image is
// added to the layout it made. An existing layout, and an existing empty
// folder (a mount point, say), are written in place, where the layout
// package writes every file atomically and the image's entry last, and
// scratch files go to a folder inside, so no write permission on the
// folder above is needed.
type output struct {
	final     string // the output folder (symbolic links resolved)
	workspace string // the scratch folder, removed at the end
	dir       string // where the layout is written
	inPlace   bool
	kind      layout.Kind
	committed bool
	unlock    func() // releases the workspace's lock
	// archive is set when the output is an archive: the layout written
	// in the workspace is copied into it at commit; images are what it
	// then holds.
	archive transport.Reference
	images  []transport.Image
}

// openOutput prepares the output of an image of format f at path, as
// prepareOutput does; the default layout for a new output is that of
// the format, or OCI when tag is given (only it has tags). Call abort
// when done: after commit it does nothing.
func openOutput(path string, want layout.Kind, f core.Format, tag string) (*output, error) {
	def := defaultKind(f)
	if tag != "" {
		def = layout.OCI
	}
	o, err := prepareOutput(path, want, def)
	if err != nil {
		return nil, err
	}
	if tag != "" && o.kind == layout.Dir {
		o.abort()
		return nil, usagef("--tag needs an OCI layout: %s is a dir: layout, which has no tags", path)
	}
	return o, nil
}

// outputRef reads an output argument: a path, or "oci:PATH[:TAG]" or
// "dir:PATH" as skopeo writes them, which set the layout flag and the
// tag unless those say otherwise (a conflict is a usage error).
func outputRef(arg string, layoutFlag *enumFlag, tag *string) (string, error) {
	if _, ok, err := transportArg(arg); err != nil {
		return "", err
	} else if ok {
		if !isArchiveOutput(arg) {
			return "", usagef("%s cannot be written", arg)
		}
		// The reference itself: prepareOutput makes an archive of it.
		return arg, archiveOutputRef(arg, layoutFlag, tag)
	}
	if !strings.HasPrefix(arg, "oci:") && !strings.HasPrefix(arg, "dir:") {
		return arg, nil
	}
	ref, err := layout.ParseReference(arg)
	if err != nil {
		return "", &usageError{err}
	}
	if ref.Selector.Digest != "" {
		return "", usagef("%s: an output is named by a tag, not a digest", arg)
	}
	kind := ref.Kind.String()
	if layoutFlag.value != "" && layoutFlag.value != kind {
		return "", usagef("%s is a %s: reference and --layout says %s", arg, kind, layoutFlag.value)
	}
	layoutFlag.value = kind
	if t := ref.Selector.Tag; t != "" {
		if *tag != "" && *tag != t {
			return "", usagef("%s names tag %s and --tag says %s", arg, t, *tag)
		}
		*tag = t
	}
	return ref.Path, nil
}

// defaultKind is the layout a format's images are written to when
// --layout is not given and the output is new: skopeo's dir: for the
// Docker format (where Docker schema 2 images live on disk: skopeo and
// umoci look only for OCI manifests in an OCI image layout), the OCI
// image layout for the others.
func defaultKind(f core.Format) layout.Kind {
	if f.Describe().ManifestMediaType == docker.MediaTypeManifest {
		return layout.Dir
	}
	return layout.OCI
}

// noteDockerInOCI tells people that the tools they may reach for next
// will not see a Docker manifest in an OCI image layout.
func (a *app) noteDockerInOCI(f core.Format, kind layout.Kind) {
	if kind == layout.OCI && f.Describe().ManifestMediaType == docker.MediaTypeManifest {
		a.note("note: skopeo and umoci look only for OCI manifests in an OCI image layout; --layout dir writes skopeo's dir: layout, where Docker images live")
	}
}

// prepareOutput decides how to write a layout at path. kind is the
// layout kind asked for; 0 means that of an existing layout, else def.
// What is wrong with the output is said here, before any work.
func prepareOutput(path string, kind, def layout.Kind) (*output, error) {
	if isArchiveOutput(path) {
		return prepareArchiveOutput(path)
	}
	path, err := resolveOutput(path)
	if err != nil {
		return nil, err
	}
	o := &output{final: path, dir: path}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if kind == 0 {
			kind = def
		}
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrOutput, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w: %s exists and is not a folder", ErrOutput, path)
	default:
		empty, err := atomicfile.IsEmptyDir(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOutput, err)
		}
		if empty {
			if kind == 0 {
				kind = def
			}
			o.inPlace = true
			break
		}
		found, err := layout.Detect(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is a folder that is neither empty nor an image layout; name a new folder (%w)", ErrOutput, path, err)
		}
		if kind != 0 && kind != found {
			return nil, fmt.Errorf("%w: %s holds a %s layout, not %s; name a new folder or use --layout %s", ErrOutput, path, found, kind, found)
		}
		kind, o.inPlace = found, true
	}
	o.kind = kind
	if o.inPlace {
		if o.workspace, o.unlock, err = layout.MakeWorkspace(path, layout.WorkPrefix); err != nil {
			return nil, fmt.Errorf("%w: %s cannot be written into: %w", ErrOutput, path, err)
		}
	} else {
		parent := filepath.Dir(path)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOutput, err)
		}
		if o.workspace, o.unlock, err = layout.MakeWorkspace(parent, "."+filepath.Base(path)+layout.BesidePrefix); err != nil {
			return nil, fmt.Errorf("%w: a new folder cannot be made beside %s: %w", ErrOutput, path, err)
		}
		o.dir = filepath.Join(o.workspace, "image")
	}
	return o, nil
}

// resolveOutput follows a symbolic link named as the output, so that
// the image goes where the link points and the link stays; a link to
// nothing is an error naming its target.
func resolveOutput(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return path, nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		target, _ := os.Readlink(path)
		return "", fmt.Errorf("%w: %s is a symbolic link to %s, which does not exist; create it, or name another output", ErrOutput, path, target)
	}
	return real, nil
}

// temp returns a new file in the workspace for scratch data, 0644 like
// every blob (os.CreateTemp makes it 0600, and a layer built in it is
// moved into the layout as it is).
func (o *output) temp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(o.workspace, pattern)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return f, nil
}

// commit makes the written layout the output: a new folder is renamed
// into place (or, when another command created it meanwhile, the image
// is added to that layout); then the workspace is removed.
func (o *output) commit(ctx context.Context, reg *core.Registry) error {
	if o.archive != nil {
		if err := o.commitArchive(ctx, reg); err != nil {
			return err
		}
	} else if !o.inPlace {
		err := os.Rename(o.dir, o.final)
		if err != nil && (errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY)) {
			err = mergeInto(ctx, reg, o.final, o.dir)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrOutput, err)
		}
		if err := syncParent(o.final); err != nil {
			return fmt.Errorf("%w: %w", ErrOutput, err)
		}
	}
	o.committed = true
	o.unlock()
	return os.RemoveAll(o.workspace)
}

// mergeInto adds every top-level image of the layout at src to the
// layout at dst, another command's that took the output's name first.
func mergeInto(ctx context.Context, reg *core.Registry, dst, src string) error {
	kind, err := layout.Detect(src)
	if err != nil {
		return err
	}
	opts := &transport.Options{Registry: reg}
	from, err := transport.LayoutReference{Kind: kind, Path: src}.NewSource(ctx, opts)
	if err != nil {
		return err
	}
	defer from.Close()
	into, err := transport.LayoutReference{Kind: kind, Path: dst}.NewDestination(ctx, opts)
	if err != nil {
		return fmt.Errorf("%s appeared while the image was written, and is not a layout it can join: %w", dst, err)
	}
	defer into.Close()
	if _, err := transport.Copy(ctx, into, from, &transport.CopyOptions{All: true, Registry: reg}); err != nil {
		return err
	}
	return into.Close()
}

// abort removes the workspace and everything written to it, unless
// the output was committed.
func (o *output) abort() {
	if o != nil && !o.committed && o.workspace != "" {
		o.unlock()
		os.RemoveAll(o.workspace)
	}
}

// syncParent makes a rename into path's folder durable.
func syncParent(path string) error {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer root.Close()
	return atomicfile.SyncDir(root, ".")
}
