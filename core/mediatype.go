package core

import (
	"fmt"
	"strings"
)

// Kinds: the format-independent names of the things a manifest refers to.
// The first nine are concil's MEDIA_TYPES keys; the rest complete the
// image-spec 1.1 and Docker schema 2 vocabularies.
const (
	KindConfig               = "config"
	KindTar                  = "tar"
	KindTarGzip              = "tar+gzip"
	KindTarZstd              = "tar+zstd"
	KindTarEncrypted         = "tar+encrypted"
	KindTarGzipEncrypted     = "tar+gzip+encrypted"
	KindTarZstdEncrypted     = "tar+zstd+encrypted"
	KindSquashfs             = "squashfs"
	KindSquashfsEncrypted    = "squashfs+encrypted"
	KindManifest             = "manifest"
	KindIndex                = "index"
	KindEmpty                = "empty"
	KindNondistributable     = "nondistributable.tar"
	KindNondistributableGzip = "nondistributable.tar+gzip"
	KindNondistributableZstd = "nondistributable.tar+zstd"
)

// Compression is the compression part of a layer media type or kind.
type Compression int

const (
	Uncompressed Compression = iota
	Gzip
	Zstd
)

// String returns "none", "gzip" or "zstd".
func (c Compression) String() string {
	switch c {
	case Uncompressed:
		return "none"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// ParseCompression accepts "none" (or ""), "gzip" and "zstd".
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return Uncompressed, nil
	case "gzip":
		return Gzip, nil
	case "zstd":
		return Zstd, nil
	}
	return 0, fmt.Errorf("%w %q (want none, gzip or zstd)", ErrUnknownCompression, s)
}

// Compressions lists every compression, [Uncompressed] first.
func Compressions() []Compression { return []Compression{Uncompressed, Gzip, Zstd} }

// LayerCompression returns the compression of a tar layer given by kind
// ("tar+gzip", "nondistributable.tar+zstd") or by concrete media type of
// any format that spells it by the algebra ("application/vnd.oci.image.layer.v1.tar+zstd",
// "application/vnd.docker.image.rootfs.diff.tar.gzip"). Anything that is
// not a tar layer, and encrypted layers (whose compression cannot be
// read), give an error wrapping [ErrUnknownCompression].
func LayerCompression(kindOrMediaType string) (Compression, error) {
	p := ParseMediaType(kindOrMediaType)
	switch {
	case p.Encrypted:
		return 0, fmt.Errorf("%w: %q is an encrypted layer", ErrUnknownCompression, kindOrMediaType)
	case !isTarBase(p.Base):
		return 0, fmt.Errorf("%w: %q is not a tar layer kind or media type", ErrUnknownCompression, kindOrMediaType)
	}
	return p.Compression, nil
}

func isTarBase(b string) bool {
	return b == "tar" || strings.HasSuffix(b, ".tar") || strings.HasSuffix(b, "/tar")
}

// LayerTypes returns the kind → media type entries of a family of layer
// types spelled by the algebra: for each compression of cs, kindBase and
// typeBase with that compression ("tar+gzip" →
// "application/vnd.oci.image.layer.v1.tar+gzip", or Docker's
// ".tar.gzip"), and with encrypted also the "+encrypted" variant of each.
// Formats build their tables from it, so that the kinds and the media
// types they write can never disagree with [ParseMediaType].
func LayerTypes(kindBase, typeBase string, cs []Compression, encrypted bool) map[string]string {
	out := make(map[string]string, 2*len(cs))
	for _, c := range cs {
		for _, enc := range []bool{false, true} {
			if enc && !encrypted {
				continue
			}
			kind := MediaTypeParts{Base: kindBase, Compression: c, Encrypted: enc}.String()
			out[kind] = MediaTypeParts{Base: typeBase, Compression: c, Encrypted: enc}.String()
		}
	}
	return out
}

const (
	encryptedSuffix = "+encrypted"
	dockerPrefix    = "application/vnd.docker."
)

// NormalizeMediaType returns mt in the form used for lookups: parameters
// (";charset=utf-8") and surrounding space removed, lower case.
func NormalizeMediaType(mt string) string {
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// MediaTypeParts is a media type or kind split by the algebra:
// Base, then an optional compression, then an optional "+encrypted".
type MediaTypeParts struct {
	Base        string
	Compression Compression
	Encrypted   bool
}

// ParseMediaType splits a concrete media type or a kind into its parts.
// Both spellings of compression are understood: the structured suffixes
// of OCI ("+gzip", "+zstd") and Docker's ".gzip", ".zstd" after ".tar".
// The input is normalised first.
func ParseMediaType(mt string) MediaTypeParts {
	mt = NormalizeMediaType(mt)
	var p MediaTypeParts
	if b, ok := strings.CutSuffix(mt, encryptedSuffix); ok {
		mt, p.Encrypted = b, true
	}
	for _, c := range []struct {
		suffix string
		c      Compression
	}{{"+gzip", Gzip}, {"+zstd", Zstd}, {".tar.gzip", Gzip}, {".tar.zstd", Zstd}} {
		if b, ok := strings.CutSuffix(mt, c.suffix); ok {
			if strings.HasPrefix(c.suffix, ".tar") {
				b += ".tar"
			}
			mt, p.Compression = b, c.c
			break
		}
	}
	p.Base = mt
	return p
}

// String joins the parts back into a media type or kind, spelling the
// compression the way the base's family does (Docker's ".gzip" after a
// ".tar" base of an application/vnd.docker type, "+gzip" otherwise).
func (p MediaTypeParts) String() string {
	s := p.Base
	if p.Compression != Uncompressed {
		if strings.HasPrefix(s, dockerPrefix) && strings.HasSuffix(s, ".tar") {
			s += "." + p.Compression.String()
		} else {
			s += "+" + p.Compression.String()
		}
	}
	if p.Encrypted {
		s += encryptedSuffix
	}
	return s
}

// WithEncryption returns mt with "+encrypted" added (once).
func WithEncryption(mt string) string {
	p := ParseMediaType(mt)
	p.Encrypted = true
	return p.String()
}

// WithoutEncryption returns mt with any "+encrypted" removed.
func WithoutEncryption(mt string) string {
	p := ParseMediaType(mt)
	p.Encrypted = false
	return p.String()
}

// WithCompression returns mt with its compression replaced by c. Only
// layer types (tar bases) take a compression; anything else is an error.
func WithCompression(mt string, c Compression) (string, error) {
	p := ParseMediaType(mt)
	if c != Uncompressed && !isTarBase(p.Base) {
		return "", fmt.Errorf("%w: %q is not a tar layer type and cannot be compressed with %s", ErrInvalidMediaType, mt, c)
	}
	p.Compression = c
	return p.String(), nil
}

// ValidateMediaType checks mt against RFC 6838's grammar as image-spec's
// schema applies it to descriptors: type "/" subtype, each a
// restricted-name of 1 to 127 characters, and no parameters.
func ValidateMediaType(mt string) error {
	if strings.IndexByte(mt, ';') >= 0 {
		return fmt.Errorf("%w: %q: parameters are not allowed in a descriptor's media type", ErrInvalidMediaType, mt)
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok {
		return fmt.Errorf("%w: %q has no \"/\"", ErrInvalidMediaType, mt)
	}
	if !restrictedName(typ) {
		return fmt.Errorf("%w: %q: type %q is not an RFC 6838 restricted-name", ErrInvalidMediaType, mt, typ)
	}
	if !restrictedName(sub) {
		return fmt.Errorf("%w: %q: subtype %q is not an RFC 6838 restricted-name", ErrInvalidMediaType, mt, sub)
	}
	return nil
}

// restrictedName reports whether s is an RFC 6838 restricted-name:
// an alphanumeric first character, then up to 126 of
// ALPHA DIGIT ! # $ & - ^ _ . +
func restrictedName(s string) bool {
	if len(s) == 0 || len(s) > 127 {
		return false
	}
	if restrictedChars[s[0]] != restrictedAlnum {
		return false
	}
	for i := 1; i < len(s); i++ {
		if restrictedChars[s[i]] == 0 {
			return false
		}
	}
	return true
}

// restrictedChars classes the bytes of a restricted-name: ALPHA and
// DIGIT, the other characters allowed after the first, and 0 for the
// rest.
var restrictedChars = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			t[c] = restrictedAlnum
		case strings.IndexByte("!#$&-^_.+", byte(c)) >= 0:
			t[c] = restrictedOther
		}
	}
	return t
}()

const (
	restrictedAlnum = 1 + iota
	restrictedOther
)
