package plugins

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// setProcessGroup starts the plugin in a process group of its own (so
// that killing the group takes every process it started, and a
// terminal's Ctrl-C reaches the host only, which decides) and makes the
// kernel kill it when the host dies (PR_SET_PDEATHSIG). The signal is
// tied to the thread that started the process; the Go runtime keeps its
// threads for the life of the process unless a goroutine locked to one
// exits. It reaches the plugin's main process only: processes that one
// started outlive a host that is killed outright.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// watchesExit: waitExit sees the main process exit before it is reaped,
// so its group can be killed while its id is still reserved.
const watchesExit = true

// waitExit waits for the process to exit without reaping it (WNOWAIT):
// until it is reaped, its pid, which is its group's id, cannot be reused.
func waitExit(pid int) error {
	var info unix.Siginfo
	for {
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// killGroup kills every process of the group that p leads. The caller
// guarantees that p has not been reaped.
func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }
