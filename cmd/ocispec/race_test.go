//go:build race

package main

// raceEnabled builds the command under test with the race detector too.
const raceEnabled = true
