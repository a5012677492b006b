//go:build !linux

package plugins

import "os/exec"

// setSysProcAttr does nothing outside Linux: there a plugin outlives a
// host that is killed (a host that exits normally closes its plugins).
func setSysProcAttr(*exec.Cmd) {}
