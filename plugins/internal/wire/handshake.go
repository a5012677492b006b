package wire

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/concil-go/ocispec/plugins/internal/formatpb"
)

const (
	// APIVersion is the version of the protocol in format.proto.
	APIVersion = 1
	// PluginName is the name of the format plugin in go-plugin's plugin
	// set (a plugin binary serves one format).
	PluginName = "format"
	// MagicCookieKey and MagicCookieValue are go-plugin's magic cookie:
	// the host sets it, a plugin started without it refuses to run.
	MagicCookieKey   = "OCISPEC_PLUGIN"
	MagicCookieValue = "ocispec-format-plugin"
	// MaxDocumentSize is the largest document either side sends (the
	// registries' manifest limit, core.DefaultMaxDocumentSize).
	MaxDocumentSize = 4 << 20
	// MaxMessageSize bounds every gRPC message either side accepts: a
	// document plus room for a decoded manifest's descriptors.
	MaxMessageSize = 2*MaxDocumentSize + 64<<10
)

// Handshake returns go-plugin's handshake configuration for an API
// version (APIVersion for both sides, another only in tests).
func Handshake(apiVersion uint) plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  apiVersion,
		MagicCookieKey:   MagicCookieKey,
		MagicCookieValue: MagicCookieValue,
	}
}

// GRPCPlugin is the format plugin in go-plugin's terms. The plugin side
// sets Impl; the host side leaves it nil and dispenses a
// formatpb.FormatClient.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl formatpb.FormatServer
}

// GRPCServer registers the format service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	formatpb.RegisterFormatServer(s, p.Impl)
	return nil
}

// GRPCClient returns a formatpb.FormatClient over the connection.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return formatpb.NewFormatClient(c), nil
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// PluginSets returns the versioned plugin sets of a host: the API
// versions it speaks, each with its plugin set.
func PluginSets() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{APIVersion: {PluginName: &GRPCPlugin{}}}
}
