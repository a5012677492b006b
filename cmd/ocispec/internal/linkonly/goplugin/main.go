// Program goplugin links github.com/hashicorp/go-plugin, the library
// the command hosts format plugins with, and nothing else: no package
// of ocispec, no cobra. Its start-up is what plugin hosting costs any Go
// program that links it (go-plugin's gRPC, protobuf and net/rpc with
// their package initialisation).
//
// benchmarks/rows.sh times it against an empty program (row
// help-goplugin); TestLinkOnly checks that it links what this says.
package main

import _ "github.com/hashicorp/go-plugin"

func main() {}
