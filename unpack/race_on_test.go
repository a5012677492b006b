//go:build race

package unpack_test

// raceEnabled: the race detector makes each byte a sparse file's holes
// expand to cost about thirty times more.
const raceEnabled = true
