//go:build !unix

package digesters

import (
	"context"
	"os"
)

func openFile(_ context.Context, path string) (*os.File, error) { return os.Open(path) }
