package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats"
	"github.com/concil-go/ocispec/plugins"

	// The built-in formats and digest algorithms.
	_ "github.com/concil-go/ocispec/digesters"
	_ "github.com/concil-go/ocispec/formats"
)

// Exit statuses.
const (
	ExitOK          = 0
	ExitError       = 1   // the command failed
	ExitUsage       = 2   // the command line is wrong
	ExitInterrupted = 130 // stopped by SIGINT or SIGTERM (128 + SIGINT)
)

// app is the state of one run of the command.
type app struct {
	ctx            context.Context
	stdout, stderr io.Writer

	quiet, verbose bool
	pluginDir      string

	// progress is true when bars may be drawn: stderr is a terminal and
	// --quiet was not given.
	progress bool

	// reg holds the formats the command uses: built-in and plugins'.
	reg         *core.Registry
	loaded      []*plugins.Plugin
	pluginErr   error
	pluginsDone bool

	// registryFlags are the flags of docker:// references.
	registryFlags registryFlags
}

// Main runs the command with args (without the program name) and
// returns its exit status: [ExitOK], [ExitError] (the error was printed
// to stderr), [ExitUsage] (the command line was wrong), or
// [ExitInterrupted] when ctx was cancelled (the command stopped and
// removed what it had half written). Results go to stdout, everything
// else to stderr. It never panics: a panic of the command is reported
// as an internal error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	a := &app{ctx: ctx, stdout: stdout, stderr: stderr, reg: formats.NewRegistry(core.DefaultAlgorithms)}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ocispec: internal error: %v (this is a bug; please report it with the command line that caused it)\n", r)
			code = ExitError
		}
	}()
	defer a.closePlugins()

	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil {
		// Stopped by a signal: whatever the error says, the work was cut
		// short on purpose.
		fmt.Fprintln(stderr, "ocispec: interrupted; nothing was left half written")
		return ExitInterrupted
	}
	var rep *reportedError
	if errors.As(err, &rep) {
		return ExitError
	}
	var ce *commandError
	if errors.As(err, &ce) && !isUsage(ce.err) {
		printError(stderr, ce.err)
		return ExitError
	}
	// Everything else is about the command line: cobra's own errors
	// (unknown command or flag, a flag without its value) and ours.
	printError(stderr, unwrapUsage(err))
	path := "ocispec"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", path)
	return ExitUsage
}

// version says which build of the command this is: its module version
// (or "devel" for a build from a clone), the commit it was built from
// when known, and the Go version.
func version() string {
	v, rev := "devel", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
				if len(rev) > 12 {
					rev = rev[:12]
				}
			case "vcs.modified":
				if s.Value == "true" && rev != "" {
					rev += "+modified"
				}
			}
		}
	}
	out := "ocispec " + v
	if rev != "" {
		out += " (" + rev + ")"
	}
	return out + " " + runtime.Version()
}

// printError writes err to w, one line per line of its text, each
// prefixed with "ocispec: ".
func printError(w io.Writer, err error) {
	for _, line := range strings.Split(strings.TrimRight(userMessage(err), "\n"), "\n") {
		fmt.Fprintf(w, "ocispec: %s\n", line)
	}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "ocispec",
		Short: "Build, inspect, convert and verify OCI and Docker images",
		Long: `ocispec builds, inspects, converts and verifies OCI and Docker container
images on disk: OCI image layouts and skopeo's dir: layout, manifests in the
OCI, Docker and plugin formats, blobs hashed with sha256, sha512 or blake3.

Results go to standard output (JSON lines where a script would parse them),
everything else to standard error. Exit status: 0 on success, 1 when the
command failed, 2 when the command line is wrong, 130 when interrupted.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
					return usagef("unknown command %q (did you mean %s?)", args[0], strings.Join(s, " or "))
				}
				return usagef("unknown command %q (commands: %s)", args[0], strings.Join(commandNames(cmd), ", "))
			}
			return usagef("missing command (one of: %s)", strings.Join(commandNames(cmd), ", "))
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if a.quiet && a.verbose {
				return usagef("--quiet and --verbose cannot be used together")
			}
			a.progress = !a.quiet && progress.Terminal(a.stderr)
			return nil
		},
	}
	root.Version = version()
	root.SetVersionTemplate("{{.Version}}\n")
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SuggestionsMinimumDistance = 2
	pf := root.PersistentFlags()
	pf.StringVar(&a.pluginDir, "plugin-dir", "", "load format plugins from `DIR` (default $"+plugins.EnvPluginDir+")")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "print only results and errors: no progress bars, no notes")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "print what is done, step by step, and the plugins' logs, on standard error")
	root.SetFlagErrorFunc(flagError)

	root.AddCommand(
		a.packCommand(),
		a.mutateCommand(),
		a.indexCommand(),
		a.inspectCommand(),
		a.convertCommand(),
		a.copyCommand(),
		a.unpackCommand(),
		a.exportCommand(),
		a.verifyCommand(),
		a.lsCommand(),
		a.tagCommand(),
		a.rmCommand(),
		a.gcCommand(),
		a.attachCommand(),
		a.referrersCommand(),
		a.validateCommand(),
		a.digestCommand(),
		a.formatsCommand(),
		a.benchCommand(),
	)
	return root
}

func commandNames(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	return names
}

// run adapts a command's function to cobra: its errors are marked as
// the command's (exit status 1) unless they are usage errors.
func (a *app) run(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd, args)
		if err == nil || isUsage(err) {
			return err
		}
		return &commandError{err}
	}
}

// args returns a cobra argument check that gives a usage error naming
// what is expected.
func argsBetween(lo, hi int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || (hi >= 0 && len(args) > hi) {
			return usagef("%s takes %s; got %d argument%s", cmd.Name(), what, len(args), plural(len(args)))
		}
		return nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// result writes v to stdout as one line of JSON.
func (a *app) result(v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := a.stdout.Write(buf.Bytes())
	return err
}

// note prints a line for people on stderr, unless --quiet.
func (a *app) note(format string, args ...any) {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
}

// debug prints a line on stderr with --verbose.
func (a *app) debug(format string, args ...any) {
	if a.verbose {
		fmt.Fprintf(a.stderr, "ocispec: "+format+"\n", args...)
	}
}

// warn prints a warning on stderr (even with --quiet).
func (a *app) warn(err error) {
	for _, line := range strings.Split(strings.TrimRight(userMessage(err), "\n"), "\n") {
		fmt.Fprintf(a.stderr, "ocispec: warning: %s\n", line)
	}
}

// EnvProgressDelay, when set to a duration ("0s", "250ms"), is how long
// work runs before its progress bar appears, instead of
// progress.DefaultDelay.
const EnvProgressDelay = "OCISPEC_PROGRESS_DELAY"

// bar returns a progress bar on stderr, drawn only when a.progress.
func (a *app) bar(total int64, description string) *progress.Bar {
	return progress.New(a.stderr, a.progress, total, description, progress.Options{Delay: progressDelay()})
}

// progressDelay reads EnvProgressDelay: 0 (the default delay) when unset
// or malformed, -1 (at once) for zero.
func progressDelay() time.Duration {
	d, err := time.ParseDuration(os.Getenv(EnvProgressDelay))
	switch {
	case err != nil:
		return 0
	case d <= 0:
		return -1
	}
	return d
}

// logger returns the logger plugins write to: stderr with --verbose,
// nowhere otherwise.
func (a *app) logger() *slog.Logger {
	if !a.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// enumFlag is a string flag whose value must be one of choices; a
// wrong value is a usage error when the flags are parsed.
type enumFlag struct {
	value   string
	choices []string
}

func newEnum(def string, choices ...string) *enumFlag { return &enumFlag{def, choices} }

func (e *enumFlag) String() string { return e.value }
func (e *enumFlag) Type() string   { return strings.Join(e.choices, "|") }
func (e *enumFlag) Set(s string) error {
	for _, c := range e.choices {
		if s == c {
			e.value = s
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s%s", s, strings.Join(e.choices, ", "), didYouMean(s, e.choices))
}

var _ pflag.Value = (*enumFlag)(nil)

// stat gives a clear error for a path that is missing or unreadable.
func stat(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %w", path, pe.Err)
		}
		return nil, err
	}
	return fi, nil
}
