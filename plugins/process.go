package plugins

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/grpc"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// instance is one running plugin process.
type instance struct {
	client     *plugin.Client
	cmd        *exec.Cmd
	rpc        formatpb.FormatClient
	apiVersion int
	once       sync.Once
}

func (in *instance) pid() int {
	if in == nil || in.cmd.Process == nil {
		return 0
	}
	return in.cmd.Process.Pid
}

// kill ends a process that crashed or hung: SIGKILL, then go-plugin's
// clean-up, which reaps the process and ends its goroutines. os.Process
// knows when the process was reaped, so a recycled pid is never
// signalled.
func (in *instance) kill() {
	in.once.Do(func() {
		if in.cmd.Process != nil {
			_ = in.cmd.Process.Kill()
		}
		in.client.Kill()
	})
}

// shutdown asks a healthy process to exit (go-plugin's Shutdown call),
// killing it after two seconds if it does not.
func (in *instance) shutdown() {
	in.once.Do(in.client.Kill)
}

// start starts the plugin process and completes the handshake, within
// the start timeout or ctx's deadline, whichever is sooner.
func (p *Plugin) start(ctx context.Context) (*instance, error) {
	timeout := p.opts.startTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("%w: no time left before the deadline", ErrStartTimeout)
	}
	if err := checkExecutable(p.path); err != nil {
		return nil, err
	}
	cmd := exec.Command(p.path)
	setSysProcAttr(cmd)
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake(wire.APIVersion),
		VersionedPlugins: wire.PluginSets(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     timeout,
		Logger:           p.logger,
		AutoMTLS:         p.opts.autoMTLS,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(wire.MaxMessageSize),
			grpc.MaxCallSendMsgSize(wire.MaxMessageSize),
		)},
	}
	if p.opts.checksum != "" {
		sc, err := secureConfig(p.opts.algorithms, p.opts.checksum)
		if err != nil {
			return nil, err
		}
		cfg.SecureConfig = sc
	}
	client := plugin.NewClient(cfg)
	cp, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, startError(err, p.opts.checksum)
	}
	raw, err := cp.Dispense(wire.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("%w: %s", ErrFailed, wire.Clean(err.Error(), wire.MaxErrorMessage))
	}
	rpc, ok := raw.(formatpb.FormatClient)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("%w: unexpected client type %T", ErrFailed, raw)
	}
	p.starts.Add(1)
	return &instance{client: client, cmd: cmd, rpc: rpc, apiVersion: client.NegotiatedVersion()}, nil
}

const unrecognized = "Unrecognized remote plugin message: "

// startError classifies go-plugin's start-up errors, which are plain
// strings but for the checksum.
func startError(err error, checksum digest.Digest) error {
	msg := wire.Clean(err.Error(), wire.MaxErrorMessage)
	var sentinel error
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return fmt.Errorf("%w: the binary no longer matches %s", core.ErrDigestMismatch, checksum)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOEXEC), errors.Is(err, syscall.EACCES),
		errors.Is(err, fs.ErrNotExist), errors.Is(err, exec.ErrNotFound):
		sentinel = ErrNotExecutable
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		sentinel = ErrStartTimeout
	case strings.Contains(msg, "plugin exited before we could connect"),
		strings.Contains(msg, "Failed to read any lines from plugin's stdout"):
		return fmt.Errorf("%w: the process ended (or closed its standard output) before its handshake; its standard error is in the host's log", ErrExited)
	case strings.Contains(msg, unrecognized):
		line, _, _ := strings.Cut(msg[strings.Index(msg, unrecognized)+len(unrecognized):], "\n")
		return fmt.Errorf("%w: the first line on its standard output, %q, is not a go-plugin handshake (does it print before serving, or is it not a plugin?)", ErrHandshake, line)
	case strings.Contains(strings.ToLower(msg), "incompatible"), strings.Contains(msg, "unsupported plugin protocol"):
		sentinel = ErrIncompatible
	default:
		sentinel = ErrFailed
	}
	return fmt.Errorf("%w: %s", sentinel, msg)
}

// checkExecutable refuses anything but a regular file with an execute
// bit (symbolic links are followed).
func checkExecutable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotExecutable, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is a %s, not a regular file", ErrNotExecutable, path, fi.Mode().Type())
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%w: %s has no execute permission (mode %v)", ErrNotExecutable, path, fi.Mode().Perm())
	}
	return nil
}

// fileDigest returns the digest of the file at path with want's
// algorithm.
func fileDigest(algs *core.Algorithms, path string, want digest.Digest) (digest.Digest, error) {
	if err := algs.ValidateDigest(want); err != nil {
		return "", err
	}
	h, err := algs.NewHash(want.Algorithm())
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return digest.NewDigestFromEncoded(want.Algorithm(), hex.EncodeToString(h.Sum(nil))), nil
}

// verifyChecksum compares the binary with want: an error wrapping
// *core.DigestMismatchError when they differ.
func verifyChecksum(algs *core.Algorithms, path string, want digest.Digest) error {
	got, err := fileDigest(algs, path, want)
	if err != nil {
		return fmt.Errorf("checksum: %w", err)
	}
	if got != want {
		return &core.DigestMismatchError{Want: want, Got: got}
	}
	return nil
}

// secureConfig gives go-plugin a fresh hash for its own check before
// the process is started (a hash is not reusable).
func secureConfig(algs *core.Algorithms, want digest.Digest) (*plugin.SecureConfig, error) {
	h, err := algs.NewHash(want.Algorithm())
	if err != nil {
		return nil, err
	}
	sum, err := hex.DecodeString(want.Encoded())
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not hex", core.ErrInvalidDigest, want)
	}
	return &plugin.SecureConfig{Checksum: sum, Hash: h}, nil
}
