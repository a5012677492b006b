package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the command stops cleanly; a second one
		// ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
