// Package layout reads, writes and verifies container images stored in a
// folder, in the two ways the tools that own them do:
//
//   - the dir: transport of containers/image (skopeo's dir:PATH): a
//     version file, manifest.json, and one file per blob, named by the
//     hex of its sha256 digest, or "<algorithm>-<hex>" for other
//     algorithms, in which case the version file says 1.2 instead of
//     1.1 ([Dir]);
//   - the OCI image layout (skopeo's and umoci's oci:PATH:TAG):
//     oci-layout, index.json and blobs/<algorithm>/<hex>, several images
//     told apart by their org.opencontainers.image.ref.name tag or their
//     platform ([OCI]).
//
// [Open] detects the kind of a folder; [Create] makes a new layout or
// opens one of the wanted kind for writing, and refuses a folder that is
// not empty and not a layout. Reading goes through verifying readers: a
// blob whose size or digest does not match its descriptor is an error
// naming it, and the bytes already handed out are followed by that
// error, never by io.EOF. Writing is crash-safe: each blob is hashed
// while it is written to a temporary file in the folder, checked against
// its descriptor, synced and renamed into place; the manifest and then
// index.json (or manifest.json and version) are written last the same
// way, so a reader never sees a manifest whose blobs are missing, and a
// crash leaves the old image or the new one. [Verify] checks a whole
// layout and reports every problem. Copying images between layouts (and
// archives), converting them on the way, is package transport's Copy,
// which puts blobs in place with [Layout.PutBlobFile] and commits the
// documents with [Layout.WriteDocuments].
//
// Durability: every file a write creates (blob, manifest, index,
// index.json, manifest.json, version) is written to a temporary file in
// the layout's folder, fsynced, renamed over its final name and then
// the folder holding that name is fsynced; the root (index.json or
// manifest.json) is renamed last, after every blob and document it
// names is durable. So after a crash or power loss at any moment each
// name holds its old content or its new content whole, and the root
// names the old image or the new one: never a 0-byte or partial file
// under a final name, even when the disk fills up (the write fails with
// an error wrapping ENOSPC and the old index.json stays). What a crash
// can leave is temporary files and writers' scratch folders; each is
// owned (flocked) by its writer while in use, and the next writer that
// takes the layout's lock removes those no live writer owns
// ([Layout.Sweep], [Layout.Leftovers]; [Layout.GC] sweeps them too).
//
// Nothing is deleted by a write: a moved tag or [Layout.Untag] leaves
// the image's blobs until [Layout.GC] removes what index.json no longer
// reaches (through nested indexes and subject chains both ways), safely
// beside writers in other processes.
//
// Digests never become paths without validation against the spec's
// grammar, and every file is reached through an os.Root on the folder:
// no name or symbolic link leads outside it.
//
// Manifests are decoded with the formats of a registry, and blobs hashed
// with its algorithms: core.Default (which the built-in formats and
// package digesters register in) unless [WithRegistry] gives another:
//
//	import (
//		"github.com/concil-go/ocispec/core"
//		"github.com/concil-go/ocispec/formats/oci"
//		"github.com/concil-go/ocispec/layout"
//	)
//
//	l, err := layout.Create("/images/app", layout.OCI)
//	f := oci.Format
//	config := core.DescriptorFromBytes(core.KindConfig, configJSON)
//	layer := core.DescriptorFromBytes(core.KindTarGzip, layerBytes)
//	m := core.Manifest{Config: config, Layers: []core.Descriptor{layer}}
//	blobs := layout.Blobs{config.Digest: layout.FromBytes(configJSON), layer.Digest: layout.FromFile("layer.tar.gz")}
//	d, err := l.WriteImage(ctx, f, m, blobs, &layout.WriteOptions{Tag: "v1"})
//
//	img, err := l.Image(ctx, layout.Selector{Tag: "v1"})
//	r, err := l.OpenBlob(ctx, img.Manifest.Layers[0]) // verified while read
//
//	err = layout.Verify(ctx, "/images/app") // nil, or every problem joined
package layout
