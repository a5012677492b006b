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

// NewServer returns a server for f. The version is f's Version method's
// answer when it has one, else the module version the binary was built
// from.
func NewServer(f core.Format) *Server {
	v := ""
	if vf, ok := f.(interface{ Version() string }); ok {
		v = vf.Version()
	} else if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
	}
	return &Server{Format: f, Version: v}
}

func (s *Server) Info(context.Context, *formatpb.InfoRequest) (*formatpb.InfoResponse, error) {
	r := &formatpb.InfoResponse{
		Name:        s.Format.Name(),
		Version:     s.Version,
		ApiVersions: []uint32{APIVersion},
	}
	if _, ok := s.Format.(core.Detector); ok {
		r.Capabilities = append(r.Capabilities, formatpb.Capability_CAPABILITY_DETECT)
	}
	if _, ok := s.Format.(core.IndexFormat); ok && s.Format.IndexMediaType() != "" {
		r.Capabilities = append(r.Capabilities, formatpb.Capability_CAPABILITY_INDEX)
	}
	return r, nil
}

func (s *Server) MediaTypes(context.Context, *formatpb.MediaTypesRequest) (*formatpb.MediaTypesResponse, error) {
	table := s.Format.MediaTypes()
	r := &formatpb.MediaTypesResponse{
		ManifestMediaType: s.Format.ManifestMediaType(),
		IndexMediaType:    s.Format.IndexMediaType(),
		MediaTypes:        table,
		ArtifactFields:    true,
	}
	for _, k := range slices.Sorted(maps.Keys(table)) {
		if s.Format.Supports(k) {
			r.SupportedKinds = append(r.SupportedKinds, k)
		}
	}
	if a, ok := s.Format.(core.ArtifactFielder); ok {
		r.ArtifactFields = a.ArtifactFields()
	}
	return r, nil
}

func (s *Server) EncodeManifest(_ context.Context, req *formatpb.EncodeManifestRequest) (*formatpb.EncodeResponse, error) {
	enc, err := EncodingFromProto(req.GetEncoding())
	if err != nil {
		return encodeError(err), nil
	}
	b, err := s.Format.EncodeManifest(ManifestFromProto(req.GetManifest()), enc)
	if err != nil {
		return encodeError(err), nil
	}
	return &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Document{Document: b}}, nil
}

func (s *Server) DecodeManifest(_ context.Context, req *formatpb.DecodeRequest) (*formatpb.DecodeManifestResponse, error) {
	m, err := s.Format.DecodeManifest(req.GetDocument())
	if err != nil {
		return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Error{Error: ErrorToProto(err)}}, nil
	}
	return &formatpb.DecodeManifestResponse{Result: &formatpb.DecodeManifestResponse_Manifest{Manifest: ManifestToProto(m)}}, nil
}

func (s *Server) indexFormat() (core.IndexFormat, error) {
	if f, ok := s.Format.(core.IndexFormat); ok && s.Format.IndexMediaType() != "" {
		return f, nil
	}
	return nil, status.Errorf(codes.Unimplemented, "format %q has no index", s.Format.Name())
}

func (s *Server) EncodeIndex(_ context.Context, req *formatpb.EncodeIndexRequest) (*formatpb.EncodeResponse, error) {
	f, err := s.indexFormat()
	if err != nil {
		return nil, err
	}
	enc, err := EncodingFromProto(req.GetEncoding())
	if err != nil {
		return encodeError(err), nil
	}
	b, err := f.EncodeIndex(IndexFromProto(req.GetIndex()), enc)
	if err != nil {
		return encodeError(err), nil
	}
	return &formatpb.EncodeResponse{Result: &formatpb.EncodeResponse_Document{Document: b}}, nil
}

func (s *Server) DecodeIndex(_ context.Context, req *formatpb.DecodeRequest) (*formatpb.DecodeIndexResponse, error) {
	f, err := s.indexFormat()
	if err != nil {
		return nil, err
	}
	ix, err := f.DecodeIndex(req.GetDocument())
	if err != nil {
		return &formatpb.DecodeIndexResponse{Result: &formatpb.DecodeIndexResponse_Error{Error: ErrorToProto(err)}}, nil
	}
	return &formatpb.DecodeIndexResponse{Result: &formatpb.DecodeIndexResponse_Index{Index: IndexToProto(ix)}}, nil
}

func (s *Server) Detect(_ context.Context, req *formatpb.DetectRequest) (*formatpb.DetectResponse, error) {
	d, ok := s.Format.(core.Detector)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "format %q does not detect documents", s.Format.Name())
	}
	return &formatpb.DetectResponse{Match: d.Detect(req.GetDocument())}, nil
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
