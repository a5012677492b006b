package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/concil-go/ocispec/internal/atomicfile"
	"github.com/concil-go/ocispec/unpack"
)

type exportOptions struct {
	platform string
}

func (a *app) exportCommand() *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export [flags] IMAGE FILE.tar",
		Short: "Write an image's flattened filesystem as one tar",
		Long: `Write the filesystem of IMAGE, its layers flattened as unpack applies
them (whiteouts applied, and gone), into FILE.tar as one tar: the
squashed layer, streamed from the layers without unpacking them to disk.
The same image gives the same bytes: entries layer by layer in each
layer's order, folders before what they hold, files sharing an inode
written once and then as hard links, headers in PAX format with what the
layers say of each path and nothing else.

` + imageArgHelp + `

FILE.tar is written under a temporary name beside it and renamed into
place when whole; "-" writes the tar to standard output. A hostile layer
is refused, as by unpack, before anything is written. Prints one line of
JSON (nothing when the tar goes to standard output).`,
		Example: `  ocispec export oci:out/hello:latest hello-rootfs.tar
  ocispec export docker-archive:app.tar - | tar -tv`,
		Args: argsBetween(2, 2, "IMAGE and FILE.tar"),
		RunE: a.run(func(cmd *cobra.Command, args []string) error { return a.export(o, args[0], args[1]) }),
	}
	cmd.Flags().StringVar(&o.platform, "platform", "", "export the manifest for `OS/ARCH[/VARIANT]` of an index (default: this machine's)")
	return cmd
}

func (a *app) export(o *exportOptions, arg, file string) error {
	opts, err := unpackOpts(o.platform)
	if err != nil {
		return err
	}
	opts.Registry = a.registry()
	if file != "-" {
		if fi, err := os.Stat(file); err == nil && fi.IsDir() {
			return fmt.Errorf("%w: %s is a folder; export writes a tar file", ErrOutput, file)
		}
	}
	src, err := a.imageSource(arg)
	if err != nil {
		return err
	}
	defer src.Close()
	var res *unpack.Result
	write := func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		var err error
		if res, err = unpack.Export(a.ctx, src, bw, opts); err != nil {
			return err
		}
		return bw.Flush()
	}
	if file == "-" {
		return write(a.stdout)
	}
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	defer root.Close()
	var n int64
	err = atomicfile.Write(root, base, ".", "."+base+".ocispec-tmp-", func(f *os.File) error {
		if err := write(f); err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		n = fi.Size()
		return f.Chmod(0o644)
	})
	if err != nil {
		return err
	}
	r := newUnpackResult(arg, res)
	r.File, r.Bytes = file, n
	return a.result(r)
}
