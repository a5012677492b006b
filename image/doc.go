// Package image builds and changes images: a new image from scratch or
// on a base read from any transport, layers appended, config fields,
// annotations, platform and history set, and multi-platform indexes of
// such images.
//
// A base's blobs are reused byte for byte: writing an image on a base
// reads none of its layers when the destination layout holds them (a
// pack into the base's own layout, a mutate), and copies each missing
// one once, verified, otherwise. A change of config or annotations
// writes only a new config and manifest.
//
//	src, _ := transport.Parse("oci:/images/app:v1")
//	s, _ := src.NewSource(ctx, nil)
//	img, err := image.FromSource(ctx, s, nil)
//	img.Config.SetCmd([]string{"/app", "--serve"})
//	img.Config.SetEnv("PORT", "8080")
//	img.AppendLayer(l.Descriptor(), l.DiffID, layout.FromFile("layer.tar.gz"), image.History{CreatedBy: "ocispec pack"})
//	l, _ := layout.Open("/images/app")
//	d, err := img.Write(ctx, l, &layout.WriteOptions{Tag: "v2"})
//
// The config is edited as JSON: every member the editor does not
// change, known to it or not, is kept with its value.
package image
