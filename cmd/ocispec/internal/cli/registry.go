package cli

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/pflag"

	"github.com/concil-go/ocispec/orasbridge"
	"github.com/concil-go/ocispec/transport"
)

// Registries: docker://HOST[:PORT]/REPO[:TAG|@DIGEST] references are
// parsed with parseDocker wherever a reference is read, and opened with
// the command's transport (a.docker), which carries the registry flags.
// The library's transport package does not know the registry transport
// (module orasbridge holds it, with oras-go); the command passes it to
// transport.Parse as an extra transport.

// parseDocker parses docker:// references; bindRef opens them with the
// command's flags.
var parseDocker = orasbridge.Docker(nil)

// registryFlags are the flags of the commands that reach registries.
type registryFlags struct {
	plainHTTP     bool
	username      string
	passwordStdin bool

	once sync.Once
	dock *orasbridge.DockerTransport
	err  error
}

// addRegistryFlags adds --plain-http, --username and --password-stdin.
func (a *app) addRegistryFlags(f *pflag.FlagSet) {
	f.BoolVar(&a.registryFlags.plainHTTP, "plain-http", false, "talk HTTP, not HTTPS, to docker:// registries (for a local registry)")
	f.StringVar(&a.registryFlags.username, "username", "", "log in to docker:// registries as `USER` (the password is read from standard input with --password-stdin)")
	f.BoolVar(&a.registryFlags.passwordStdin, "password-stdin", false, "read the password for --username from standard input")
}

// docker returns the registry transport with the command's flags:
// credentials from --username and --password-stdin, else Docker's
// config.json ($DOCKER_CONFIG) and its credential helpers.
func (a *app) docker() (*orasbridge.DockerTransport, error) {
	r := &a.registryFlags
	r.once.Do(func() {
		opts := &orasbridge.RegistryOptions{PlainHTTP: r.plainHTTP, UserAgent: "ocispec"}
		switch {
		case r.passwordStdin && r.username == "":
			r.err = usagef("--password-stdin gives the password of --username; give --username too")
			return
		case r.username != "" && !r.passwordStdin:
			r.err = usagef("--username needs --password-stdin (a password is never given on the command line)")
			return
		case r.username != "":
			pw, err := io.ReadAll(io.LimitReader(stdinReader(a.ctx), 64<<10))
			if err != nil {
				r.err = fmt.Errorf("--password-stdin: %w", err)
				return
			}
			pw = bytes.TrimRight(pw, "\r\n")
			if len(pw) == 0 {
				r.err = usagef("--password-stdin: standard input holds no password")
				return
			}
			opts.Username, opts.Password = r.username, string(pw)
		}
		r.dock = orasbridge.Docker(opts)
	})
	return r.dock, r.err
}

// bindRef returns ref opened with the command's registry transport when
// it is a docker:// reference, else ref.
func (a *app) bindRef(ref transport.Reference) (transport.Reference, error) {
	d, ok := ref.(orasbridge.DockerReference)
	if !ok {
		return ref, nil
	}
	dock, err := a.docker()
	if err != nil {
		return nil, err
	}
	return dock.Bind(d), nil
}

// isRegistry reports whether ref is a docker:// reference.
func isRegistry(ref transport.Reference) bool {
	_, ok := ref.(orasbridge.DockerReference)
	return ok
}
