// Package formatpb is the generated Go code of the format plugin
// protocol described in format.proto. It is committed, so that building
// never needs protoc; regenerate it after editing format.proto with
//
//	go generate ./plugins/internal/formatpb
//
// which needs protoc (Debian's protobuf-compiler) on the PATH; the two Go
// code generators are pinned as tool lines in go.mod and run with go tool.
package formatpb

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --plugin=protoc-gen-go-grpc=$(go tool -n protoc-gen-go-grpc) --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative format.proto"
