package layout

// SetGCBeforeSweep sets a function GC runs between its mark and its
// sweep, and returns the function that unsets it.
func SetGCBeforeSweep(f func()) (reset func()) {
	gcBeforeSweep = f
	return func() { gcBeforeSweep = nil }
}
