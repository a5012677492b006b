// Package benchmarks measures the hashing of package digesters against
// the machine's limit (crypto/sha256.Sum256 over bytes already in
// memory), the standard library and peers (go-digest,
// go-containerregistry, oras-go) on the same files, in one run, and
// package layer against the one-goroutine layer path it replaces
// (BenchmarkBuildLayer; pack-vs-tools.sh times it against tar, pigz,
// zstd and umoci as whole processes). It has no API: run
//
//	go test ./benchmarks -run '^$' -bench . -count 6 | tee new.txt
//	benchstat -col /impl new.txt
//
// and see README.md for the figures and the targets they prove. Test
// files are generated in a temporary folder on first use and removed
// when the run ends; `go test ./benchmarks` without -bench only runs
// quick checks that every implementation compared computes the same
// digests.
package benchmarks
