package archive

import (
	"fmt"
	"sort"
	"strings"
)

// LayoutKind is what an image archive holds, told from its entries'
// names.
type LayoutKind int

const (
	// LayoutUnknown: none of the layouts below.
	LayoutUnknown LayoutKind = iota
	// LayoutOCI: an OCI image layout (oci-layout, index.json,
	// blobs/ALGORITHM/ENCODED), as skopeo's oci-archive and buildctl's
	// --output type=oci write it.
	LayoutOCI
	// LayoutDocker: docker save's manifest.json, with configs and layers
	// named as it says (Docker 1.10 to 24: <id>/layer.tar and
	// <config hex>.json; skopeo: <hex>.tar and <hex>.json), usually
	// beside the legacy folders and a repositories file.
	LayoutDocker
	// LayoutDockerOCI: Docker 25's dual format, a whole OCI image layout
	// whose blobs docker save's manifest.json (and repositories) also
	// name: "blobs/sha256/<hex>" for configs and layers alike.
	LayoutDockerOCI
	// LayoutDockerLegacy: the format before manifest.json (Docker before
	// 1.10): a repositories file and one folder per layer, <id>/json,
	// <id>/layer.tar and <id>/VERSION.
	LayoutDockerLegacy
)

func (k LayoutKind) String() string {
	switch k {
	case LayoutOCI:
		return "oci"
	case LayoutDocker:
		return "docker"
	case LayoutDockerOCI:
		return "docker+oci"
	case LayoutDockerLegacy:
		return "docker-legacy"
	}
	return "unknown"
}

// Layout is what [DetectLayout] found.
type Layout struct {
	Kind LayoutKind
	// LegacyLayers are the IDs (64 hex) of the <id>/ folders that hold
	// a json file and a layer.tar, sorted. Docker before 25 and skopeo
	// write them beside manifest.json too.
	LegacyLayers []string
}

// DetectLayout tells the layout of an image archive from its index (an
// [Archive]'s or a [ScanResult]'s): manifest.json with oci-layout and
// index.json is Docker 25's dual format; manifest.json alone the current
// docker save format; oci-layout with index.json an OCI layout; a
// repositories file or legacy layer folders without manifest.json the
// legacy format. The top documents must be regular files (or links to
// ones). oci-layout without index.json, an incomplete legacy folder (a
// json without its layer.tar, or the reverse) where it is the only
// source of layers, and an archive matching nothing are errors.
func DetectLayout(ix *Index) (Layout, error) {
	has := func(name string) (bool, error) {
		if _, ok := ix.Lookup(name); !ok {
			return false, nil
		}
		if _, err := ix.Resolve(name); err != nil {
			return false, err
		}
		return true, nil
	}
	var present [4]bool
	for i, name := range TopDocuments {
		ok, err := has(name)
		if err != nil {
			return Layout{}, err
		}
		present[i] = ok
	}
	ociLayout, index, manifest, repositories := present[0], present[1], present[2], present[3]

	folders := map[string]int{} // id -> bit 1 json, 2 layer.tar
	for _, e := range ix.Entries() {
		id, file, ok := strings.Cut(e.Name, "/")
		if !ok || !validHex64(id) {
			continue
		}
		switch file {
		case "json":
			folders[id] |= 1
		case "layer.tar":
			folders[id] |= 2
		}
	}
	var l Layout
	var incomplete []string
	for id, bits := range folders {
		switch bits {
		case 3:
			l.LegacyLayers = append(l.LegacyLayers, id)
		default:
			incomplete = append(incomplete, id)
		}
	}
	sort.Strings(l.LegacyLayers)
	sort.Strings(incomplete)

	switch {
	case ociLayout && !index:
		return Layout{}, fmt.Errorf("%w: oci-layout without index.json", ErrUnknownLayout)
	case manifest && ociLayout:
		l.Kind = LayoutDockerOCI
	case manifest:
		l.Kind = LayoutDocker
	case ociLayout:
		l.Kind = LayoutOCI
	case repositories || len(folders) > 0:
		if len(incomplete) > 0 {
			return Layout{}, fmt.Errorf("%w: legacy layer folder %s has no %s", ErrUnknownLayout, incomplete[0], missingLegacy(folders[incomplete[0]]))
		}
		l.Kind = LayoutDockerLegacy
	default:
		return Layout{}, fmt.Errorf("%w: no oci-layout, manifest.json or repositories", ErrUnknownLayout)
	}
	return l, nil
}

func missingLegacy(bits int) string {
	if bits&1 == 0 {
		return "json"
	}
	return "layer.tar"
}
