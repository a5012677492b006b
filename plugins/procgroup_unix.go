//go:build unix && !linux

package plugins

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup starts the plugin in a process group of its own, so
// that killing the group takes every process it started, and a
// terminal's Ctrl-C reaches the host only. Outside Linux a plugin
// outlives a host that is killed outright (a host that exits normally
// closes its plugins).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// watchesExit: outside Linux the host learns that the main process
// exited only by reaping it, after which its group is not signalled.
const watchesExit = false

func waitExit(int) error { return errors.ErrUnsupported }

func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
