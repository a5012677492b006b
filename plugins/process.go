package plugins

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	digest "github.com/opencontainers/go-digest"
	"google.golang.org/grpc"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// instance is one running plugin process and go-plugin's client of it.
type instance struct {
	client     *plugin.Client
	proc       *process
	rpc        formatpb.FormatClient
	apiVersion int
	once       sync.Once
	// watched is the call a caller gave up on whose answer the host
	// still awaits (nil: none), see roundTrip.
	watched atomic.Pointer[watch]
	// stopped says why the host stopped the process, for the calls it
	// was serving (empty: it was not stopped by the host).
	stopped atomic.Pointer[string]
}

func (in *instance) pid() int {
	if in == nil {
		return 0
	}
	return in.proc.pid()
}

// exited reports whether the plugin's main process has exited.
func (in *instance) exited() bool { return in.proc.hasExited() || in.client.Exited() }

// kill ends a process that crashed or hung: its whole process group is
// killed, then go-plugin cleans up (its goroutines end, the process is
// reaped). A process that was reaped is never signalled.
func (in *instance) kill() {
	in.once.Do(func() {
		in.proc.kill()
		in.client.Kill()
		in.proc.cleanup()
	})
}

// shutdownGrace bounds a graceful shutdown: go-plugin asks the plugin
// to exit and waits two seconds before it kills it, but its request
// itself can hang on a process that stopped reading.
const shutdownGrace = 3 * time.Second

// shutdown asks a healthy process to exit (go-plugin's Shutdown call);
// its group is killed when it has exited, or after shutdownGrace.
func (in *instance) shutdown() {
	in.once.Do(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			in.client.Kill()
		}()
		t := time.NewTimer(shutdownGrace)
		select {
		case <-done:
		case <-t.C:
			in.proc.kill()
			<-done
		}
		t.Stop()
		in.proc.kill() // whatever the plugin left behind
		in.proc.cleanup()
	})
}

// errStartTimeout is the cause of a start-up context that the start
// timeout ended.
var errStartTimeout = errors.New("plugins: start timeout")

// start starts the plugin process and completes the handshake, within
// the start timeout and ctx; Close ends it too. Whatever ends it, the
// process group is killed and start returns at once.
func (p *Plugin) start(ctx context.Context) (*instance, error) {
	if err := checkExecutable(p.path); err != nil {
		return nil, err
	}
	// go-plugin checks a checksum before every start; with a runner of
	// the host's it cannot, so the host does.
	if p.opts.checksum != "" {
		if err := verifyChecksum(p.opts.algorithms, p.path, p.opts.checksum); err != nil {
			return nil, err
		}
	}
	sctx, cancel := p.lifeBound(ctx)
	defer cancel()
	sctx, cancelT := context.WithTimeoutCause(sctx, p.opts.startTimeout, errStartTimeout)
	defer cancelT()
	if sctx.Err() != nil {
		return nil, p.startCancelled(ctx, sctx)
	}

	proc := newProcess(p.path, p.logger)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake(wire.APIVersion),
		VersionedPlugins: wire.PluginSets(),
		RunnerFunc:       proc.prepare,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		// The host ends the start itself (sctx); go-plugin's own
		// timeout is only a backstop.
		StartTimeout: p.opts.startTimeout + time.Minute,
		Logger:       p.logger,
		AutoMTLS:     p.opts.autoMTLS,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(wire.MaxMessageSize),
			grpc.MaxCallSendMsgSize(wire.MaxMessageSize),
		)},
	})
	inst := &instance{client: client, proc: proc}
	type started struct {
		rpc formatpb.FormatClient
		err error
	}
	done := make(chan started, 1)
	go func() {
		cp, err := client.Client()
		if err != nil {
			done <- started{err: err}
			return
		}
		raw, err := cp.Dispense(wire.PluginName)
		if err != nil {
			done <- started{err: fmt.Errorf("%w: %s", ErrFailed, wire.Clean(err.Error(), wire.MaxErrorMessage))}
			return
		}
		rpc, ok := raw.(formatpb.FormatClient)
		if !ok {
			done <- started{err: fmt.Errorf("%w: unexpected client type %T", ErrFailed, raw)}
			return
		}
		done <- started{rpc: rpc}
	}()
	var res started
	select {
	case res = <-done:
	case <-sctx.Done():
		// Killing the group (and closing the pipes) ends go-plugin's
		// wait for the handshake at once.
		proc.kill()
		<-done
		inst.kill()
		return nil, p.startCancelled(ctx, sctx)
	}
	if res.err != nil {
		inst.kill()
		if sctx.Err() != nil {
			return nil, p.startCancelled(ctx, sctx)
		}
		return nil, startFailure(proc, res.err)
	}
	inst.rpc, inst.apiVersion = res.rpc, client.NegotiatedVersion()
	p.starts.Add(1)
	return inst, nil
}

// startCancelled is the error of a start that sctx ended: Close, the
// caller's ctx or the start timeout.
func (p *Plugin) startCancelled(ctx, sctx context.Context) error {
	switch cause := context.Cause(sctx); {
	case errors.Is(cause, ErrClosed):
		return ErrClosed
	case errors.Is(cause, errStartTimeout):
		return fmt.Errorf("%w: no handshake within %v", ErrStartTimeout, p.opts.startTimeout)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w: no handshake before the deadline: %w", ErrStartTimeout, ctx.Err())
	case ctx.Err() != nil:
		return fmt.Errorf("start cancelled: %w", ctx.Err())
	default:
		return fmt.Errorf("%w: %w", ErrStartTimeout, cause)
	}
}

// startFailure classifies a failed start from what the host saw of the
// process, not from go-plugin's error (err), whose text only adds
// detail: whether the binary could be run, what its first line on
// standard output was, whether that output ended.
func startFailure(proc *process, err error) error {
	proc.mu.Lock()
	execErr := proc.execErr
	proc.mu.Unlock()
	msg := wire.Clean(err.Error(), wire.MaxErrorMessage)
	if execErr != nil {
		if errors.Is(execErr, fs.ErrPermission) || errors.Is(execErr, syscall.ENOEXEC) || errors.Is(execErr, syscall.EACCES) ||
			errors.Is(execErr, fs.ErrNotExist) || errors.Is(execErr, exec.ErrNotFound) {
			return fmt.Errorf("%w: %w", ErrNotExecutable, execErr)
		}
		return fmt.Errorf("%w: %w", ErrFailed, execErr)
	}
	if proc.stdout == nil {
		return fmt.Errorf("%w: %s", ErrFailed, msg)
	}
	line, wrote, ended := proc.stdout.first()
	switch {
	case wrote:
		if err := checkHandshake(line); err != nil {
			return err
		}
		return fmt.Errorf("%w: go-plugin refused its handshake: %s", ErrHandshake, msg)
	case ended || proc.hasExited():
		return fmt.Errorf("%w: the process ended (or closed its standard output) before its handshake; its standard error is in the host's log", ErrExited)
	}
	return fmt.Errorf("%w: %s", ErrFailed, msg)
}

// checkHandshake checks a plugin's first line against go-plugin's
// handshake, CORE|VERSION|NETWORK|ADDRESS|PROTOCOL[|CERT|MUX], and the
// versions and protocol this host speaks.
func checkHandshake(line string) error {
	parts := strings.Split(strings.TrimSpace(line), "|")
	notHandshake := func(why string) error {
		return fmt.Errorf("%w: the first line on its standard output, %q, is not a go-plugin handshake (%s; does it print before serving, or is it not a plugin?)",
			ErrHandshake, wire.Clean(line, 200), why)
	}
	if len(parts) < 4 {
		return notHandshake("too few fields")
	}
	core, err := strconv.Atoi(parts[0])
	if err != nil {
		return notHandshake("its core protocol version is not a number")
	}
	if core != plugin.CoreProtocolVersion {
		return fmt.Errorf("%w: it speaks go-plugin's core protocol %d, the host %d", ErrIncompatible, core, plugin.CoreProtocolVersion)
	}
	version, err := strconv.Atoi(parts[1])
	if err != nil {
		return notHandshake("its protocol version is not a number")
	}
	if _, ok := wire.PluginSets()[version]; !ok {
		return fmt.Errorf("%w: it speaks version %d of the protocol, the host %v", ErrIncompatible, version, slices.Sorted(maps.Keys(wire.PluginSets())))
	}
	if parts[2] != "unix" && parts[2] != "tcp" {
		return notHandshake(fmt.Sprintf("unknown network %q", wire.Clean(parts[2], 40)))
	}
	protocol := string(plugin.ProtocolNetRPC)
	if len(parts) > 4 {
		protocol = parts[4]
	}
	if protocol != string(plugin.ProtocolGRPC) {
		return fmt.Errorf("%w: it serves %q, the host speaks %q", ErrIncompatible, wire.Clean(protocol, 40), plugin.ProtocolGRPC)
	}
	return nil
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
