// Package sdktest is the test harness for plugin authors: it runs
// core/coretest's format conformance suite on a format served through
// the real plugin path (a process started by the host, go-plugin's
// handshake, gRPC), and checks that what the plugin answers is what the
// format answers in process.
//
// The test binary serves the format itself when the host starts it, so
// no separate build step is needed:
//
//	func TestMain(m *testing.M) { sdktest.Main(m, myformat.Format) }
//
//	func TestPlugin(t *testing.T) { sdktest.TestFormat(t, myformat.Format) }
//
// A plugin binary built beforehand is tested with [TestBinary].
package sdktest
