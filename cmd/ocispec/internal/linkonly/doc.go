// Package linkonly holds four programs that link part of what the
// ocispec command links and do nothing else, so that the start-up cost of
// linking a set of packages (their package initialisation and the pages
// the runtime touches) can be timed apart from the command's own code:
//
//   - lib: the library packages the command's code imports, cobra and
//     their dependencies; not the registry bridge, not plugin hosting;
//   - oras: lib and the registry bridge (orasbridge, oras-go);
//   - plugins: oras and plugin hosting (plugins: go-plugin, gRPC,
//     protobuf), that is every package the command's code imports;
//   - goplugin: github.com/hashicorp/go-plugin alone, none of ocispec:
//     what hosting plugins with it costs any program.
//
// benchmarks/rows.sh times each against an empty Go program (rows
// help-lib, help-oras, help-plugins, help-goplugin). TestLinkOnly keeps
// the import lists in step with the command's; TestGoPluginAlone checks
// goplugin's.
package linkonly
