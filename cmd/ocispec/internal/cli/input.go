package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/concil-go/ocispec/core"
)

// openInput opens a file the command reads, honouring ctx: opening a
// FIFO blocks until something writes to it, and reading a FIFO or a
// terminal blocks until data comes, so both are done such that a
// cancelled ctx (Ctrl-C, SIGTERM) ends the wait at once. The returned
// close function must be called; after ctx is cancelled the file is
// closed under the reader, whose Read then fails.
func openInput(ctx context.Context, path string) (*os.File, func(), error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	var o opened
	select {
	case o = <-ch:
	case <-ctx.Done():
		// The goroutine stays blocked in open until a writer comes or the
		// process exits; if it opens the file later, close it.
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, nil, ctx.Err()
	}
	if o.err != nil {
		return nil, nil, o.err
	}
	// Reads of FIFOs, pipes and terminals go through the runtime's
	// poller, so closing the file wakes a blocked Read.
	stop := context.AfterFunc(ctx, func() { o.f.Close() })
	return o.f, func() { stop(); o.f.Close() }, nil
}

// readDocumentFile reads a document of at most max bytes (<= 0:
// core.DefaultMaxDocumentSize) from path, honouring ctx as openInput
// does.
func readDocumentFile(ctx context.Context, path string, max int64) ([]byte, error) {
	f, done, err := openInput(ctx, path)
	if err != nil {
		return nil, err
	}
	defer done()
	data, err := core.ReadDocument(f, max)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return data, err
}

// stdinReader is standard input read under ctx: a Read waiting for
// input ends when ctx is cancelled. One goroutine copies standard input
// into a pipe; it may stay blocked in its read after ctx is done, which
// only the end of the process ends (the command exits then).
func stdinReader(ctx context.Context) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, os.Stdin)
		pw.CloseWithError(err)
	}()
	context.AfterFunc(ctx, func() { pr.CloseWithError(fmt.Errorf("standard input: %w", ctx.Err())) })
	return pr
}
