// Package cli is the ocispec command: its subcommands (pack, inspect,
// convert, verify, ls, tag, rm, gc, attach, referrers, validate, digest,
// formats, bench) over the ocispec library, built with github.com/spf13/cobra.
//
// [Main] runs one command line and returns the exit status; package main
// only wires it to the process:
//
//	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
//	defer stop()
//	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
//
// Results go to stdout, as JSON lines where a script parses them;
// errors, warnings, notes and progress bars (only on a terminal) go to
// stderr. Exit statuses: [ExitOK], [ExitError], [ExitUsage] for a wrong
// command line, [ExitInterrupted] when the context was cancelled, in
// which case the command removes what it had half written.
package cli
