package plugins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/opencontainers/go-digest"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/formats/docker"
	"github.com/concil-go/ocispec/formats/oci"
	"github.com/concil-go/ocispec/plugins/internal/formatpb"
	"github.com/concil-go/ocispec/plugins/internal/wire"
)

// Limits on what a plugin may say about itself.
const (
	maxKinds      = 1024
	maxKindLen    = 128
	maxVersionLen = 64
)

const (
	capDetect = "detect"
	capIndex  = "index"
)

// builtinDocumentTypes are the document media types of the built-in
// formats, which no plugin's kind table may claim, whatever registry the
// plugin is registered in; the layer types of the formats a registry
// holds are checked against that registry.
var builtinDocumentTypes = []string{
	oci.MediaTypeManifest, oci.MediaTypeIndex,
	docker.MediaTypeManifest, docker.MediaTypeManifestList,
	oci.MediaTypeEmpty,
}

// maxConfigTypes is the most config media types a plugin may claim by.
const maxConfigTypes = 16

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidAnswer}, args...)...)
}

// checkDescription checks a plugin's Info and MediaTypes answers as
// untrusted input and builds the format from them.
func checkDescription(ir *formatpb.InfoResponse, mr *formatpb.MediaTypesResponse, negotiated int) (Info, *pluginFormat, error) {
	name := ir.GetName()
	if err := core.ValidateFormatName(name); err != nil {
		return Info{}, nil, invalid("name %q: %w", wire.Clean(name, 80), err)
	}
	version := ir.GetVersion()
	if len(version) > maxVersionLen || !printable(version) {
		return Info{}, nil, invalid("version %q must be at most %d printable characters", wire.Clean(version, 80), maxVersionLen)
	}
	info := Info{Name: name, Version: version, APIVersion: negotiated}
	for _, v := range ir.GetApiVersions() {
		info.APIVersions = append(info.APIVersions, int(v))
		if len(info.APIVersions) == 16 {
			break
		}
	}
	slices.Sort(info.APIVersions)
	info.APIVersions = slices.Compact(info.APIVersions)
	if !slices.Contains(info.APIVersions, negotiated) {
		return Info{}, nil, invalid("api_versions %v do not include the negotiated version %d", info.APIVersions, negotiated)
	}
	for _, c := range ir.GetCapabilities() {
		switch c {
		case formatpb.Capability_CAPABILITY_DETECT:
			info.Capabilities = append(info.Capabilities, capDetect)
		case formatpb.Capability_CAPABILITY_INDEX:
			info.Capabilities = append(info.Capabilities, capIndex)
		}
	}
	slices.Sort(info.Capabilities)
	info.Capabilities = slices.Compact(info.Capabilities)

	mt, it := mr.GetManifestMediaType(), mr.GetIndexMediaType()
	if err := core.ValidateMediaType(mt); err != nil {
		return Info{}, nil, invalid("manifest media type: %w", err)
	}
	if it != "" {
		if err := core.ValidateMediaType(it); err != nil {
			return Info{}, nil, invalid("index media type: %w", err)
		}
	}
	if slices.Contains(info.Capabilities, capIndex) && it == "" {
		return Info{}, nil, invalid("capability index without an index media type")
	}
	table := mr.GetMediaTypes()
	if len(table) == 0 {
		return Info{}, nil, invalid("empty kind table")
	}
	if len(table) > maxKinds {
		return Info{}, nil, invalid("%d kinds, at most %d allowed", len(table), maxKinds)
	}
	for _, kind := range slices.Sorted(maps.Keys(table)) {
		if kind == "" || len(kind) > maxKindLen || strings.Contains(kind, "/") || !printable(kind) {
			return Info{}, nil, invalid("kind %q must be 1 to %d printable characters without '/'", wire.Clean(kind, 80), maxKindLen)
		}
		if err := core.ValidateMediaType(table[kind]); err != nil {
			return Info{}, nil, invalid("kind %q: %w", kind, err)
		}
	}
	supported := mr.GetSupportedKinds()
	for _, k := range supported {
		if _, ok := table[k]; !ok {
			return Info{}, nil, invalid("supported kind %q is not in the kind table", wire.Clean(k, 80))
		}
	}
	configTypes := mr.GetConfigMediaTypes()
	if len(configTypes) > maxConfigTypes {
		return Info{}, nil, invalid("%d config media types, at most %d allowed", len(configTypes), maxConfigTypes)
	}
	for _, ct := range configTypes {
		if err := core.ValidateMediaType(ct); err != nil {
			return Info{}, nil, invalid("config media type: %w", err)
		}
	}
	f := &pluginFormat{
		desc: core.Description{
			Name:              name,
			Version:           version,
			ManifestMediaType: mt,
			IndexMediaType:    it,
			Table:             core.NewTable(table, append([]string{}, supported...)),
			MediaTypeOptional: mr.GetMediaTypeOptional(),
			ArtifactFields:    mr.GetArtifactFields(),
			ConfigMediaTypes:  slices.Clone(configTypes),
			Detects:           slices.Contains(info.Capabilities, capDetect),
		},
		index: slices.Contains(info.Capabilities, capIndex),
	}
	return info, f, nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// checkClaims refuses a format whose kind table holds a media type of
// the built-in document types or of any format registered in regs.
// Formats may share a manifest or index media type (a Helm chart is an
// OCI manifest), not the concrete types of their tables.
func checkClaims(f core.Format, regs []*core.Registry) error {
	fd := f.Describe()
	ours := map[string]string{} // normalised media type → kind
	for kind, mt := range fd.Table.MediaTypes() {
		ours[core.NormalizeMediaType(mt)] = kind
	}
	for _, mt := range builtinDocumentTypes {
		if kind, ok := ours[mt]; ok {
			return fmt.Errorf("%w: kind %q: %s is a document type of the built-in formats", ErrClaimedMediaType, kind, mt)
		}
	}
	for _, r := range regs {
		for _, g := range r.Formats() {
			gd := g.Describe()
			if gd.Name == fd.Name {
				continue // a duplicate name is the registry's to refuse
			}
			theirs := gd.Table.MediaTypes()
			for _, gk := range slices.Sorted(maps.Keys(theirs)) {
				if kind, ok := ours[core.NormalizeMediaType(theirs[gk])]; ok {
					return fmt.Errorf("%w: kind %q: %s is format %q's media type for kind %q", ErrClaimedMediaType, kind, theirs[gk], gd.Name, gk)
				}
			}
			for _, mt := range []string{gd.ManifestMediaType, gd.IndexMediaType} {
				if kind, ok := ours[core.NormalizeMediaType(mt)]; ok && mt != "" {
					return fmt.Errorf("%w: kind %q: %s is a document type of format %q", ErrClaimedMediaType, kind, mt, gd.Name)
				}
			}
		}
	}
	return nil
}

// sameDescription reports whether a restarted plugin describes the
// format it described at load.
func sameDescription(info Info, f *pluginFormat, loadedInfo Info, l *pluginFormat) bool {
	a, b := f.desc, l.desc
	return info.Name == loadedInfo.Name &&
		slices.Equal(info.Capabilities, loadedInfo.Capabilities) &&
		a.Name == b.Name && a.Version == b.Version &&
		a.ManifestMediaType == b.ManifestMediaType && a.IndexMediaType == b.IndexMediaType &&
		a.MediaTypeOptional == b.MediaTypeOptional && a.ArtifactFields == b.ArtifactFields &&
		a.Detects == b.Detects && f.index == l.index &&
		slices.Equal(a.ConfigMediaTypes, b.ConfigMediaTypes) &&
		maps.Equal(a.Table.MediaTypes(), b.Table.MediaTypes()) &&
		slices.EqualFunc(a.Table.Kinds(), b.Table.Kinds(), func(x, y string) bool {
			return x == y && a.Table.Supports(x) == b.Table.Supports(y)
		})
}

// checkEncoded checks an encode answer: a JSON document of at most
// wire.MaxDocumentSize bytes holding the encoded part of every digest
// the host gave.
func checkEncoded(resp *formatpb.EncodeResponse, want []digest.Digest) ([]byte, error) {
	switch r := resp.GetResult().(type) {
	case *formatpb.EncodeResponse_Error:
		return nil, wire.ErrorFromProto(r.Error)
	case *formatpb.EncodeResponse_Document:
		b := r.Document
		switch {
		case len(b) == 0:
			return nil, invalid("empty document")
		case len(b) > wire.MaxDocumentSize:
			return nil, invalid("document of %d bytes, limit %d", len(b), wire.MaxDocumentSize)
		case !json.Valid(b):
			return nil, invalid("the document is not JSON")
		}
		for _, d := range want {
			if !containsDigest(b, d) {
				return nil, invalid("digest %s is not in the encoded document", d)
			}
		}
		return b, nil
	}
	return nil, invalid("neither a document nor an error")
}

// containsDigest reports whether doc holds d's encoded part.
func containsDigest(doc []byte, d digest.Digest) bool {
	_, enc, ok := strings.Cut(string(d), ":")
	return ok && enc != "" && bytes.Contains(doc, []byte(enc))
}

// checkDecoded checks the descriptors of a decode answer: valid for r
// (media types, digests, sizes, data) and each digest written in doc.
func checkDecoded(doc []byte, validation error, ds []core.Descriptor, subject *core.Descriptor) error {
	if validation != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAnswer, validation)
	}
	for _, d := range ds {
		if !containsDigest(doc, d.Digest) {
			return invalid("digest %s is not in the document", d.Digest)
		}
	}
	if subject != nil && !containsDigest(doc, subject.Digest) {
		return invalid("subject digest %s is not in the document", subject.Digest)
	}
	return nil
}

func checkDecodedManifest(resp *formatpb.DecodeManifestResponse, doc []byte, r *core.Algorithms) (core.Manifest, error) {
	switch res := resp.GetResult().(type) {
	case *formatpb.DecodeManifestResponse_Error:
		return core.Manifest{}, wire.ErrorFromProto(res.Error)
	case *formatpb.DecodeManifestResponse_Manifest:
		if res.Manifest.GetConfig() == nil {
			return core.Manifest{}, invalid("manifest without a config")
		}
		m := wire.ManifestFromProto(res.Manifest)
		ds := append([]core.Descriptor{m.Config}, m.Layers...)
		if err := checkDecoded(doc, r.ValidateManifest(m), ds, m.Subject); err != nil {
			return core.Manifest{}, err
		}
		return m, nil
	}
	return core.Manifest{}, invalid("neither a manifest nor an error")
}

func checkDecodedIndex(resp *formatpb.DecodeIndexResponse, doc []byte, r *core.Algorithms) (core.Index, error) {
	switch res := resp.GetResult().(type) {
	case *formatpb.DecodeIndexResponse_Error:
		return core.Index{}, wire.ErrorFromProto(res.Error)
	case *formatpb.DecodeIndexResponse_Index:
		ix := wire.IndexFromProto(res.Index)
		if err := checkDecoded(doc, r.ValidateIndex(ix), ix.Manifests, ix.Subject); err != nil {
			return core.Index{}, err
		}
		return ix, nil
	}
	return core.Index{}, invalid("neither an index nor an error")
}
