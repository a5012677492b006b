//go:build !linux

package digesters

func adviseSequential(int) {}
