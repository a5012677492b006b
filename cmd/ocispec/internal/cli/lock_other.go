//go:build !unix

package cli

func lockWorkspace(string) (func(), error) { return func() {}, nil }
