package layer

// SetIsRoot replaces the check for root privileges and returns a
// function that puts it back.
func SetIsRoot(f func() bool) (restore func()) {
	old := isRoot
	isRoot = f
	return func() { isRoot = old }
}
