// Package archtest holds the test that keeps the module's dependency
// rules true, in the style of Go's go/build/deps_test.go: which of the
// module's packages may import which, and which third-party modules each
// layer may link.
package archtest
