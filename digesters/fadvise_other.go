//go:build !linux

package digesters

import "os"

func adviseSequential(*os.File) {}
