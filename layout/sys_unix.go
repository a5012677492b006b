//go:build unix

package layout

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// openNonblock keeps opening a named pipe from blocking.
const openNonblock = syscall.O_NONBLOCK

func syncUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP)
}

// lockFolder takes an exclusive advisory lock (flock) on the layout's
// folder, so that writers in other processes update index.json,
// manifest.json and version one at a time. It waits, honouring ctx.
func lockFolder(ctx context.Context, root *os.Root) (unlock func(), err error) {
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	fd := int(d.Fd())
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(fd, syscall.LOCK_UN)
				d.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			d.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			d.Close()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// ownEntry marks a temporary file or scratch folder this process has
// just created as in use (an exclusive flock on its open file, held
// until the file is closed), so that a sweeper leaves it alone. It
// fails when another process claimed the entry first.
func ownEntry(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// claimEntry takes the lock a live owner would hold on f; true means no
// live process owns the entry, and it stays claimed until f is closed.
func claimEntry(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

// flockWait takes a shared or exclusive flock on f (converting one f
// holds), waiting and honouring ctx; onWait, when set, is called once
// if it has to wait.
func flockWait(ctx context.Context, f *os.File, exclusive bool, onWait func()) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if onWait != nil {
			onWait()
			onWait = nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
