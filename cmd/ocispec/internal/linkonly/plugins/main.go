// Program plugins links every package the ocispec command's code
// imports, plugin hosting (go-plugin, gRPC) included, and does nothing:
// its start-up is the command's less what the command's own code does.
//
// benchmarks/rows.sh times it against an empty program (row
// help-plugins); TestLinkOnly checks that it links what this says.
package main

import (
	_ "bufio"
	_ "bytes"
	_ "context"
	_ "encoding/json"
	_ "errors"
	_ "fmt"
	_ "io"
	_ "io/fs"
	_ "log/slog"
	_ "maps"
	_ "os"
	_ "os/signal"
	_ "path/filepath"
	_ "regexp"
	_ "runtime"
	_ "runtime/debug"
	_ "slices"
	_ "strconv"
	_ "strings"
	_ "sync"
	_ "syscall"
	_ "text/tabwriter"
	_ "time"

	_ "github.com/concil-go/ocispec/archive"
	_ "github.com/concil-go/ocispec/cmd/ocispec/internal/hashbench"
	_ "github.com/concil-go/ocispec/cmd/ocispec/internal/progress"
	_ "github.com/concil-go/ocispec/core"
	_ "github.com/concil-go/ocispec/digesters"
	_ "github.com/concil-go/ocispec/formats"
	_ "github.com/concil-go/ocispec/formats/docker"
	_ "github.com/concil-go/ocispec/formats/oci"
	_ "github.com/concil-go/ocispec/image"
	_ "github.com/concil-go/ocispec/internal/atomicfile"
	_ "github.com/concil-go/ocispec/layer"
	_ "github.com/concil-go/ocispec/layout"
	_ "github.com/concil-go/ocispec/orasbridge"
	_ "github.com/concil-go/ocispec/plugins"
	_ "github.com/concil-go/ocispec/schema"
	_ "github.com/concil-go/ocispec/transport"
	_ "github.com/concil-go/ocispec/unpack"
	_ "github.com/opencontainers/go-digest"
	_ "github.com/opencontainers/image-spec/specs-go/v1"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/pflag"
	_ "golang.org/x/sync/errgroup"
)

func main() {}
