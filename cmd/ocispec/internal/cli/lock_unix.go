//go:build unix

package cli

import (
	"os"
	"syscall"
)

// lockWorkspace holds an exclusive flock on a scratch folder for as
// long as the command uses it.
func lockWorkspace(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
