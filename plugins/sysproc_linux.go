package plugins

import (
	"os/exec"
	"syscall"
)

// setSysProcAttr makes the kernel kill the plugin when the host dies
// (PR_SET_PDEATHSIG), so a host that is killed leaves no plugin behind.
// The signal is tied to the thread that started the process; the Go
// runtime keeps its threads for the life of the process unless a
// goroutine locked to one exits.
func setSysProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
