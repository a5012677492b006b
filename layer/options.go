package layer

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/concil-go/ocispec/core"
	"github.com/concil-go/ocispec/digesters"
	digest "github.com/opencontainers/go-digest"
)

// Mode says which metadata a layer keeps.
type Mode int

const (
	// Reproducible normalises every entry, so that the same files give
	// the same layer on every run and machine: every time is
	// Options.ModTime, owners are 0 without names, folders and files
	// whose owner may execute them have mode 0755, other files 0644,
	// symbolic links 0777; no extended attributes; hard links are
	// written as copies (except [HardLink] entries). Devices and named
	// pipes are refused.
	Reproducible Mode = iota
	// Preserve keeps what the source says: modes with setuid, setgid
	// and sticky bits, numeric owners (and names where known), times to
	// the second, extended attributes of files and folders (Linux), hard
	// links (one inode written once, then as tar hard links), and
	// devices and named pipes when running as root.
	Preserve
)

// String returns "reproducible" or "preserve".
func (m Mode) String() string {
	switch m {
	case Reproducible:
		return "reproducible"
	case Preserve:
		return "preserve"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Normalised modes of a reproducible layer.
const (
	DirMode  = 0o755 // folders
	ExecMode = 0o755 // regular files with the owner's execute bit
	FileMode = 0o644 // other regular files, whiteouts and hard links
	LinkMode = 0o777 // symbolic links
)

// GzipBlockSize is the size of the independent blocks a gzip layer is
// compressed in, each on its own core, with the last 32 KiB of the one
// before as its dictionary. The output depends on it and on the level,
// never on the number of cores.
const GzipBlockSize = chunkSize

// DefaultGzipLevel is the gzip level used when Options.GzipLevel is 0.
// Level 6 of github.com/klauspost/compress is its fastest here as well
// as smaller than its level 5; level 8 comes within 1% of gzip -6 on
// text at about 2.5 times the CPU.
const DefaultGzipLevel = 6

// EnvSourceDateEpoch is the reproducible-builds variable that
// [ModTimeFromEnv] reads: seconds since the Unix epoch.
const EnvSourceDateEpoch = "SOURCE_DATE_EPOCH"

// Options control [Plan.Write].
type Options struct {
	// Mode is Reproducible (the zero value) or Preserve.
	Mode Mode
	// Compression of the layer: core.Uncompressed, core.Gzip or
	// core.Zstd (github.com/klauspost/compress's SpeedDefault, close to
	// zstd -3).
	Compression core.Compression
	// GzipLevel is 1 (fastest) to 9 (smallest); 0 means
	// [DefaultGzipLevel].
	GzipLevel int
	// ModTime is the time of every entry of a reproducible layer, and of
	// entries without one in a preserved layer, truncated to the second;
	// the zero value means the Unix epoch (see [ModTimeFromEnv]).
	ModTime time.Time
	// Digesters compute the digests and diffIDs, the first giving
	// Layer.Digest and Layer.DiffID; nil means [digesters.SHA256]. Each
	// runs on its own goroutine for each stream it hashes.
	Digesters []core.Digester
	// SkipUnsupported skips entries the mode cannot write (sockets;
	// devices and named pipes in a reproducible layer, or when not
	// root) instead of failing; Layer.Skipped names them.
	SkipUnsupported bool
	// OwnerNames, when set, gives the user and group names of a
	// preserved entry that has none.
	OwnerNames func(uid, gid int) (user, group string)
	// Progress, when set, is called with the number of bytes of file
	// content just read, from the goroutine that called Write.
	Progress func(n int64)
}

// Layer describes a layer [Plan.Write] wrote.
type Layer struct {
	Compression core.Compression
	// Digest and Size are those of the bytes written (the layer blob).
	Digest digest.Digest
	Size   int64
	// DiffID and UncompressedSize are those of the tar stream; equal to
	// Digest and Size for an uncompressed layer.
	DiffID           digest.Digest
	UncompressedSize int64
	// Digests and DiffIDs hold one digest per Options.Digesters, in
	// order (Digests[0] is Digest).
	Digests, DiffIDs []digest.Digest
	// Entries is how many entries the tar stream holds.
	Entries int
	// Skipped names the entries left out under SkipUnsupported.
	Skipped []string
}

// Descriptor returns the layer's descriptor, with its kind (tar,
// tar+gzip or tar+zstd) as media type, for a [core.Format] to translate.
func (l Layer) Descriptor() core.Descriptor {
	kind := core.KindTar
	switch l.Compression {
	case core.Gzip:
		kind = core.KindTarGzip
	case core.Zstd:
		kind = core.KindTarZstd
	}
	return core.Descriptor{MediaType: kind, Size: l.Size, Digest: l.Digest}
}

// maxEpoch is 9999-12-31T23:59:59Z in seconds since the Unix epoch.
const maxEpoch = 253402300799

// ModTimeFromEnv returns the time given by SOURCE_DATE_EPOCH (seconds
// since the Unix epoch), or the zero time when it is unset. A value that
// is not a non-negative integer is an error wrapping [ErrInvalidEpoch].
func ModTimeFromEnv() (time.Time, error) {
	v, ok := os.LookupEnv(EnvSourceDateEpoch)
	if !ok || v == "" {
		return time.Time{}, nil
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	// Image configs write times as RFC 3339, whose years have four
	// digits: the last second of 9999 is the latest time they can say.
	if err != nil || secs < 0 || secs > maxEpoch {
		return time.Time{}, fmt.Errorf("layer: %s=%q: %w (want seconds since 1970-01-01, at most %d, the end of the year 9999)", EnvSourceDateEpoch, v, ErrInvalidEpoch, maxEpoch)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// settings are Options checked and filled in.
type settings struct {
	Options
	level   int
	mtime   time.Time
	digests []core.Digester
}

func (o Options) check() (settings, error) {
	s := settings{Options: o, level: o.GzipLevel}
	if o.Mode != Reproducible && o.Mode != Preserve {
		return s, fmt.Errorf("layer: %w: mode %v", ErrInvalidOption, o.Mode)
	}
	switch o.Compression {
	case core.Uncompressed, core.Gzip, core.Zstd:
	default:
		return s, fmt.Errorf("layer: %w: %v", ErrCompression, o.Compression)
	}
	if s.level == 0 {
		s.level = DefaultGzipLevel
	}
	if s.level < 1 || s.level > 9 {
		return s, fmt.Errorf("layer: %w: gzip level %d (want 1 to 9)", ErrInvalidOption, o.GzipLevel)
	}
	s.mtime = o.ModTime
	if s.mtime.IsZero() {
		s.mtime = time.Unix(0, 0)
	}
	s.mtime = s.mtime.UTC().Truncate(time.Second)
	s.digests = o.Digesters
	if len(s.digests) == 0 {
		s.digests = []core.Digester{digesters.SHA256}
	}
	seen := map[digest.Algorithm]bool{}
	for i, d := range s.digests {
		if d == nil {
			return s, fmt.Errorf("layer: %w: digester %d is nil", ErrInvalidOption, i)
		}
		if seen[d.Algorithm()] {
			return s, fmt.Errorf("layer: %w: two digesters for %s", ErrInvalidOption, d.Algorithm())
		}
		seen[d.Algorithm()] = true
	}
	return s, nil
}
