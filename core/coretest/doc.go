// Package coretest holds the conformance suites that every implementation
// of a core interface must pass, the project's own and third-party ones
// alike: [TestFormat] for a core.Format (plugin authors run it through
// the plugin host), and the digester suite for a core.Digester.
//
//	func TestMyFormat(t *testing.T) { coretest.TestFormat(t, myformat.Format) }
package coretest
