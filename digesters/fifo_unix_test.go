//go:build unix

package digesters

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO blocks its reader in open until a writer comes, and in read
// until data does; both waits end when the context is cancelled.
func TestFIFOWaitsHonourCancellation(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("open", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := DigestFile(ctx, fifo)
			done <- err
		}()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("DigestFile(FIFO without a writer, cancelled) = %v, want context.Canceled", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("DigestFile of a FIFO without a writer ignored the cancelled context")
		}
	})
	t.Run("read", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := DigestFile(ctx, fifo)
			done <- err
		}()
		// Opening for writing returns once the reader has opened it.
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := w.Write([]byte("some data, then nothing")); err != nil {
			t.Fatal(err)
		}
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) && !errors.Is(err, os.ErrClosed) {
				t.Errorf("DigestFile(stalled FIFO, cancelled) = %v, want the cancellation", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("DigestFile of a stalled FIFO ignored the cancelled context")
		}
	})
	// whole digests the FIFO while write writes to it, then closes it.
	whole := func(t *testing.T, write func(w *os.File)) Result {
		done := make(chan Result, 1)
		go func() {
			res, err := DigestFile(context.Background(), fifo)
			if err != nil {
				t.Error(err)
			}
			done <- res
		}()
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		write(w)
		w.Close()
		return <-done
	}
	t.Run("whole", func(t *testing.T) {
		res := whole(t, func(w *os.File) { w.Write([]byte("some data")) })
		if want := "sha256:1307990e6ba5ca145eb35e99182a9bec46531bc54ddf656a602c780fa0240dee"; string(res.Digests[0]) != want || res.Size != 9 {
			t.Errorf("DigestFile(FIFO of \"some data\") = %d %s, want 9 %s", res.Size, res.Digests[0], want)
		}
	})
	// A writer that opens and closes without writing: an empty blob,
	// once the writer has come and gone, not before.
	t.Run("empty", func(t *testing.T) {
		res := whole(t, func(*os.File) {})
		if want := "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; string(res.Digests[0]) != want || res.Size != 0 {
			t.Errorf("DigestFile(FIFO closed without data) = %d %s, want 0 %s", res.Size, res.Digests[0], want)
		}
	})
}
