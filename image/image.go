package image

import (
	"context"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/layout"
	"github.com/concil-go/ocispec/transport"
	digest "github.com/opencontainers/go-digest"
)

// Image is an image being built or changed: a format, the manifest's
// layers and annotations, and the config being edited. The layers of a
// base keep their descriptors exactly (media types as written); new
// layers carry a kind or a media type, which the format translates.
type Image struct {
	Format core.Format
	// Layers are the manifest's layers, base ones first.
	Layers []core.Descriptor
	// Annotations of the manifest.
	Annotations map[string]string
	// Config is edited in place; Write stores what it then says.
	Config *Config

	// Base describes the base's manifest, nil for an image from scratch.
	Base *transport.Manifest

	src   transport.Source // where the base's blobs are, if any
	blobs layout.Blobs     // the new layers' content
	algs  *core.Algorithms
}

// New starts an image from scratch in format f, for platform p, made
// at created (the Unix epoch when zero).
func New(f core.Format, p core.Platform, created time.Time) *Image {
	return &Image{Format: f, Config: NewConfig(p, created), blobs: layout.Blobs{}, Annotations: map[string]string{}}
}

// FromSource starts an image on the base the source's reference names
// (an index resolved to the manifest of platform; nil means this
// machine's). Only the base's manifest and config are read; its layers
// are fetched by Write only when the destination lacks them.
func FromSource(ctx context.Context, src transport.Source, platform *core.Platform, opts *transport.CopyOptions) (*Image, error) {
	m, err := transport.ReadManifest(ctx, src, platform, opts)
	if err != nil {
		return nil, err
	}
	if m.Config == nil {
		return nil, fmt.Errorf("%w: %s: its config is larger than the document limit", ErrNotImage, src.Reference())
	}
	cfg, err := ParseConfig(m.Config)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Reference(), err)
	}
	ids, err := core.ConfigDiffIDs(m.Config)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotImage, src.Reference(), err)
	}
	if len(ids) != len(m.Manifest.Layers) {
		return nil, fmt.Errorf("%w: %s: %d layers, %d diff_ids", core.ErrDiffIDMismatch, src.Reference(), len(m.Manifest.Layers), len(ids))
	}
	img := &Image{
		Format: m.Format, Layers: append([]core.Descriptor(nil), m.Manifest.Layers...),
		Annotations: maps.Clone(m.Manifest.Annotations), Config: cfg, Base: m,
		src: src, blobs: layout.Blobs{},
	}
	if img.Annotations == nil {
		img.Annotations = map[string]string{}
	}
	if opts != nil && opts.Registry != nil {
		img.algs = opts.Registry.Algorithms()
	}
	return img, nil
}

// AppendLayer adds a layer on top: its descriptor (d.MediaType a kind,
// such as the one layer.Layer.Descriptor gives, or a media type), its
// diffID (added to the config's rootfs.diff_ids) and its content; h,
// when not nil, is added to the history.
func (img *Image) AppendLayer(d core.Descriptor, diffID digest.Digest, content layout.Source, h *History) error {
	if err := img.Config.AppendLayer(diffID, h); err != nil {
		return err
	}
	img.Layers = append(img.Layers, d)
	img.blobs[d.Digest] = content
	return nil
}

// Manifest returns the manifest Write would write, with the config's
// descriptor, and the config's bytes.
func (img *Image) Manifest() (core.Manifest, []byte, error) {
	cfg, err := img.Config.Bytes()
	if err != nil {
		return core.Manifest{}, nil, err
	}
	alg := core.SHA256
	if img.Base != nil {
		alg = core.AlgorithmOf(img.Base.Manifest.Config.Digest)
	}
	algs := img.algs
	if algs == nil {
		algs = core.DefaultAlgorithms
	}
	mt := core.KindConfig
	if img.Base != nil {
		mt = img.Base.Manifest.Config.MediaType
	}
	cd, err := core.DescriptorFromBytesWith(algs, alg, mt, cfg)
	if err != nil {
		return core.Manifest{}, nil, err
	}
	m := core.Manifest{Config: cd, Layers: img.Layers}
	if img.Base != nil {
		m.ArtifactType, m.Subject = img.Base.Manifest.ArtifactType, img.Base.Manifest.Subject
	}
	if len(img.Annotations) > 0 {
		m.Annotations = maps.Clone(img.Annotations)
	}
	return m, cfg, nil
}

// Write writes the image into l: the new layers and the config, the
// base's layers that l lacks (fetched once from the base, verified),
// then the manifest, with opts' tag, encoding and platform (the
// config's when opts has none, in an OCI layout). A base layer that l
// holds already with its size is not read at all.
func (img *Image) Write(ctx context.Context, l *layout.Layout, opts *layout.WriteOptions) (core.Descriptor, error) {
	m, cfg, err := img.Manifest()
	if err != nil {
		return core.Descriptor{}, err
	}
	wo := layout.WriteOptions{}
	if opts != nil {
		wo = *opts
	}
	if err := l.PutBlob(ctx, m.Config, layout.FromBytes(cfg), &wo); err != nil {
		return core.Descriptor{}, err
	}
	for _, d := range m.Layers {
		src := img.blobs[d.Digest]
		if src == nil {
			has, err := l.HasBlob(ctx, d, true)
			if err != nil {
				return core.Descriptor{}, err
			}
			if has || len(d.URLs) > 0 && img.src == nil {
				continue
			}
			if img.src == nil {
				return core.Descriptor{}, fmt.Errorf("image: layer %s: no content", d.Digest)
			}
			src = fetchSource{img.src, d}
		}
		if err := l.PutBlob(ctx, d, src, &wo); err != nil {
			return core.Descriptor{}, err
		}
	}
	if wo.Platform == nil && l.Kind() == layout.OCI {
		p := img.Config.Platform()
		wo.Platform = &p
	}
	wo.TrustExisting, wo.Progress = true, nil
	return l.WriteImage(ctx, img.Format, m, nil, &wo)
}

// fetchSource is a base blob, fetched from the base's source.
type fetchSource struct {
	src transport.Source
	d   core.Descriptor
}

func (s fetchSource) Open(ctx context.Context) (io.ReadCloser, error) { return s.src.Fetch(ctx, s.d) }
