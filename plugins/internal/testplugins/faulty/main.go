// Command faulty is a format plugin that misbehaves on command, for the
// host's fault tests. Its behaviour at start-up comes from its file name
// ("faulty-MODE"); during calls, from the documents it is given.
//
// Start-up modes: garbage (writes to stdout before the handshake),
// version (speaks protocol version 99), exit (exits at once), hang (never
// completes the handshake), badname (an invalid format name), badtype (a
// kind table entry that is not a media type), claim (claims the OCI gzip
// layer type), claimdoc (claims the OCI manifest type), nodetect (serves
// without the detect capability), shifty (a kind table that differs in
// every process), infohang (its Info call never returns), infofail (its
// Info call fails), noinfo (it does not implement Info), hangrestart
// (serves in its first process and hangs at start-up in every later one;
// the first process leaves the file "faulty-hangrestart.started" beside
// the binary). Any other name serves normally.
//
// Events: when a file or FIFO named "events" exists beside the binary (a
// test's own folder of links), the plugin appends one line to it for
// each thing a test may wait for: "start PID" when the process starts,
// "hang PID" when it begins to hang, whether at start-up or in a call.
//
// Commands, given as the whole document (or its "command" field) to
// DecodeManifest or Detect, or as the annotation "faulty.command" of a
// manifest to EncodeManifest:
// crash (the process dies mid-call), hang (the call never returns), panic
// (the format panics), baddigest (answers with an invalid digest),
// foreigndigest (answers with a digest that is not in the document),
// notjson (encodes to bytes that are not JSON), nodigest (encodes a JSON
// document without the manifest's digests), empty (an answer with
// neither result nor error).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
	"github.com/concil-go/ocispec/plugins/internal/wire"
	"github.com/concil-go/ocispec/plugins/sdk"
)

// CommandAnnotation carries an encode command.
const CommandAnnotation = "faulty.command"

func main() {
	base := filepath.Base(os.Args[0])
	mode := strings.TrimPrefix(base, "faulty-")
	if mode == base {
		mode = ""
	}
	name := strings.ToLower(strings.Trim(base, "-."))
	announce("start")
	switch mode {
	case "garbage":
		fmt.Println("this plugin writes to stdout before its handshake")
	case "exit":
		fmt.Fprintln(os.Stderr, "faulty: exiting at start-up as told")
		os.Exit(3)
	case "hang":
		hang()
		return
	case "hangrestart":
		f, err := os.OpenFile(os.Args[0]+".started", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			hang()
			return
		}
		f.Close()
	}
	f := newFormat(name, mode)
	switch mode {
	case "version":
		wire.Serve(wire.ServeConfig{Server: &server{Server: wire.NewServer(f)}, APIVersion: 99})
	case "nodetect":
		sdk.Serve(f)
	default:
		wire.Serve(wire.ServeConfig{Server: &server{Server: wire.NewServer(f), mode: mode}})
	}
}

// announce appends "event PID" to the events file beside the binary,
// when there is one.
func announce(event string) {
	path := filepath.Join(filepath.Dir(os.Args[0]), "events")
	if _, err := os.Stat(path); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %d\n", event, os.Getpid())
}

// hang announces that the process hangs, and does.
func hang() {
	announce("hang")
	time.Sleep(time.Hour)
}

// faultyFormat is a small image-spec shaped format of its own name and
// media types, with an index, that detects its documents by content
// (except in mode nodetect).
type faultyFormat struct {
	*core.BasicFormat
}

func newFormat(name, mode string) *faultyFormat {
	vendor := "application/vnd.example." + name
	table := map[string]string{
		core.KindConfig:   vendor + ".config.v1+json",
		"blob":            vendor + ".blob.v1",
		core.KindManifest: vendor + ".manifest.v1+json",
		core.KindIndex:    vendor + ".index.v1+json",
	}
	switch mode {
	case "badname":
		name = "Bad Name!"
	case "badtype":
		table["blob"] = "not a media type"
	case "claim":
		table["blob"] = "application/vnd.oci.image.layer.v1.tar+gzip"
	case "claimdoc":
		table["blob"] = "application/vnd.oci.image.manifest.v1+json"
	case "shifty":
		table["blob"] = vendor + ".blob.v" + strconv.Itoa(os.Getpid())
	}
	manifestType := vendor + ".manifest.v1+json"
	spec := core.FormatSpec{Description: core.Description{
		Name:              name,
		ManifestMediaType: manifestType,
		IndexMediaType:    vendor + ".index.v1+json",
		Table:             core.NewTable(table, nil),
		ArtifactFields:    true,
	}}
	if mode != "nodetect" {
		spec.Detect = func(_ context.Context, data []byte) (bool, error) {
			act(commandOf(data))
			return strings.Contains(string(data), manifestType), nil
		}
	}
	return &faultyFormat{core.NewFormat(spec)}
}

// commandOf returns the command a document gives: its "command" field
// when it is a JSON object with one, else the whole document.
func commandOf(data []byte) string {
	var doc struct {
		Command string `json:"command"`
	}
	if json.Unmarshal(data, &doc) == nil && doc.Command != "" {
		return doc.Command
	}
	return string(data)
}

// act carries out a command that changes how the process behaves.
func act(cmd string) {
	switch cmd {
	case "crash":
		go func() { panic("faulty: crashing as told") }()
		time.Sleep(time.Hour)
	case "hang":
		hang()
	case "panic":
		panic("faulty: panicking as told")
	}
}

func (f *faultyFormat) DecodeManifest(ctx context.Context, data []byte) (core.Manifest, error) {
	act(commandOf(data))
	return f.BasicFormat.DecodeManifest(ctx, data)
}

func (f *faultyFormat) EncodeManifest(ctx context.Context, m core.Manifest, enc core.Encoding) ([]byte, error) {
	cmd := m.Annotations[CommandAnnotation]
	act(cmd)
	switch cmd {
	case "notjson":
		return []byte("this is not JSON"), nil
	case "nodigest":
		return []byte(`{"schemaVersion":2}`), nil
	}
	return f.BasicFormat.EncodeManifest(ctx, m, enc)
}

// server answers the commands that need the wire: answers no format
// could give.
type server struct {
	*wire.Server
	mode string
}

func (s *server) Info(ctx context.Context, req *formatpb.InfoRequest) (*formatpb.InfoResponse, error) {
	switch s.mode {
	case "infohang":
		hang()
	case "infofail":
		return nil, status.Error(codes.Internal, "faulty: failing Info as told")
	case "noinfo":
		return nil, status.Error(codes.Unimplemented, "faulty: no Info here")
	}
	return s.Server.Info(ctx, req)
}

func (s *server) DecodeManifest(ctx context.Context, req *formatpb.DecodeRequest) (*formatpb.DecodeManifestResponse, error) {
	doc := string(req.GetDocument())
	d := func(dg string) *formatpb.Descriptor {
		return &formatpb.Descriptor{MediaType: "application/vnd.example.blob", Size: 1, Digest: dg}
	}
	switch doc {
	case "baddigest":
		return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Manifest{
			Manifest: &formatpb.Manifest{Config: d("sha256:../../etc/passwd")}}}, nil
	case "foreigndigest":
		return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Manifest{
			Manifest: &formatpb.Manifest{Config: d(string(digest.FromString("elsewhere")))}}}, nil
	case "empty":
		return &formatpb.DecodeManifestResponse{}, nil
	case "huge":
		return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Manifest{
			Manifest: &formatpb.Manifest{Config: d(string(digest.FromString("x"))),
				Annotations: map[string]string{"x": strings.Repeat("a", 9<<20)}}}}, nil
	}
	return s.Server.DecodeManifest(ctx, req)
}
