//go:build !unix

package plugins

import (
	"errors"
	"os"
	"os/exec"
)

// setProcessGroup does nothing where there are no process groups: only
// the plugin's own process is killed.
func setProcessGroup(*exec.Cmd) {}

const watchesExit = false

func waitExit(int) error { return errors.ErrUnsupported }

func killGroup(p *os.Process) error { return p.Kill() }
