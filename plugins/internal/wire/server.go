package wire

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime/debug"
	"slices"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

// Server serves a core.Format as the protocol's Format service. It
// trusts nothing of the host but does not check what its format answers:
// the host does.
type Server struct {
	formatpb.UnimplementedFormatServer
	Format  core.Format
	Version string
}

// NewServer returns a server for f. The version is f's description's
// when it has one, else the module version the binary was built from.
func NewServer(f core.Format) *Server {
	v := f.Describe().Version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "" {
		v = bi.Main.Version
	}
	return &Server{Format: f, Version: v}
}

func (s *Server) Info(context.Context, *formatpb.InfoRequest) (*formatpb.InfoResponse, error) {
	d := s.Format.Describe()
	r := &formatpb.InfoResponse{
		Name:        d.Name,
		Version:     s.Version,
		ApiVersions: []uint32{APIVersion},
	}
	if _, ok := s.Format.(core.Detector); ok && d.Detects {
		r.Capabilities = append(r.Capabilities, formatpb.Capability_CAPABILITY_DETECT)
	}
	if _, ok := s.Format.(core.IndexFormat); ok && d.IndexMediaType != "" {
		r.Capabilities = append(r.Capabilities, formatpb.Capability_CAPABILITY_INDEX)
	}
	return r, nil
}

func (s *Server) MediaTypes(context.Context, *formatpb.MediaTypesRequest) (*formatpb.MediaTypesResponse, error) {
	d := s.Format.Describe()
	table := d.Table.MediaTypes()
	r := &formatpb.MediaTypesResponse{
		ManifestMediaType: d.ManifestMediaType,
		IndexMediaType:    d.IndexMediaType,
		MediaTypes:        table,
		ArtifactFields:    d.ArtifactFields,
		MediaTypeOptional: d.MediaTypeOptional,
		ConfigMediaTypes:  slices.Clone(d.ConfigMediaTypes),
	}
	for _, k := range slices.Sorted(maps.Keys(table)) {
		if d.Table.Supports(k) {
			r.SupportedKinds = append(r.SupportedKinds, k)
		}
	}
	return r, nil
}

// Each call runs under the context gRPC gives it, which the host's
// deadline and cancellation end.

func (s *Server) EncodeManifest(ctx context.Context, req *formatpb.EncodeManifestRequest) (*formatpb.EncodeResponse, error) {
	enc, err := EncodingFromProto(req.GetEncoding())
	if err != nil {
		return encodeError(err), nil
	}
	b, err := s.Format.EncodeManifest(ctx, ManifestFromProto(req.GetManifest()), enc)
	if err != nil {
		return encodeError(err), nil
	}
	return &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Document{Document: b}}, nil
}

func (s *Server) DecodeManifest(ctx context.Context, req *formatpb.DecodeRequest) (*formatpb.DecodeManifestResponse, error) {
	m, err := s.Format.DecodeManifest(ctx, req.GetDocument())
	if err != nil {
		return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Error{Error: ErrorToProto(err)}}, nil
	}
	return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Manifest{Manifest: ManifestToProto(m)}}, nil
}

func (s *Server) indexFormat() (core.IndexFormat, error) {
	if f, ok := s.Format.(core.IndexFormat); ok && s.Format.Describe().IndexMediaType != "" {
		return f, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "format %q has no index", s.Format.Describe().Name)
}

func (s *Server) EncodeIndex(ctx context.Context, req *formatpb.EncodeIndexRequest) (*formatpb.EncodeResponse, error) {
	f, err := s.indexFormat()
	if err != nil {
		return nil, err
	}
	enc, err := EncodingFromProto(req.GetEncoding())
	if err != nil {
		return encodeError(err), nil
	}
	b, err := f.EncodeIndex(ctx, IndexFromProto(req.GetIndex()), enc)
	if err != nil {
		return encodeError(err), nil
	}
	return &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Document{Document: b}}, nil
}

func (s *Server) DecodeIndex(ctx context.Context, req *formatpb.DecodeRequest) (*formatpb.DecodeIndexResponse, error) {
	f, err := s.indexFormat()
	if err != nil {
		return nil, err
	}
	ix, err := f.DecodeIndex(ctx, req.GetDocument())
	if err != nil {
		return &formatpb.DecodeIndexResponse{Result: &formatpb.DecodeIndexResponse_Error{Error: ErrorToProto(err)}}, nil
	}
	return &formatpb.DecodeIndexResponse{Result: &formatpb.DecodeIndexResponse_Index{Index: IndexToProto(ix)}}, nil
}

func (s *Server) Detect(ctx context.Context, req *formatpb.DetectRequest) (*formatpb.DetectResponse, error) {
	d, ok := s.Format.(core.Detector)
	if !ok || !s.Format.Describe().Detects {
		return nil, status.Errorf(codes.Unimplemented, "format %q does not detect documents", s.Format.Describe().Name)
	}
	match, err := d.Detect(ctx, req.GetDocument())
	return &formatpb.DetectResponse{Match: match && err == nil}, nil
}

func encodeError(err error) *formatpb.EncodeResponse {
	return &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Error{Error: ErrorToProto(err)}}
}

// recoverPanics turns a panic in a call into an INTERNAL status naming
// the call, and logs the stack to the host.
func recoverPanics(logger hclog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.Error("panic in plugin call", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, status.Errorf(codes.Internal, "%s%s: %v", PanicPrefix, info.FullMethod, r)
			}
		}()
		return handler(ctx, req)
	}
}

// PanicPrefix starts the message of the INTERNAL status a panic becomes.
const PanicPrefix = "panic in "

// ServeConfig says what Serve serves.
type ServeConfig struct {
	// Server answers the calls.
	Server formatpb.FormatServer
	// APIVersion is the protocol version announced (0: APIVersion).
	APIVersion uint
	// Stderr receives the plugin's logs (nil: os.Stderr as it is when
	// Serve is called, before go-plugin redirects it).
	Stderr io.Writer
}

// Serve runs the plugin side of go-plugin's handshake and serves until
// the host asks the plugin to stop. Outside a host (no magic cookie) it
// prints an explanation to stderr and exits with status 1.
func Serve(cfg ServeConfig) {
	v := cfg.APIVersion
	if v == 0 {
		v = APIVersion
	}
	stderr := cfg.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       "format",
		Level:      hclog.Info,
		Output:     stderr,
		JSONFormat: true,
	})
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake(v),
		VersionedPlugins: map[int]plugin.PluginSet{
			int(v): {PluginName: &GRPCPlugin{Impl: cfg.Server}},
		},
		Logger: logger,
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			opts = append(opts,
				grpc.ChainUnaryInterceptor(recoverPanics(logger)),
				grpc.MaxRecvMsgSize(MaxMessageSize),
				grpc.MaxSendMsgSize(MaxMessageSize),
			)
			return grpc.NewServer(opts...)
		},
	})
}
