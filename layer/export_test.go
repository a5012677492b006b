package layer

// SetIsRoot replaces the check for root privileges and returns a
// function that puts it back.
func SetIsRoot(f func() bool) (restore func()) {
	old := isRoot
	isRoot = f
	return func() { isRoot = old }
}

// WarmPending reports whether a warm-up waits for a Write to take it.
func WarmPending() bool {
	warm.mu.Lock()
	defer warm.mu.Unlock()
	return warm.enc != nil
}
