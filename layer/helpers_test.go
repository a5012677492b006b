package layer_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if err := findLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left running after the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// findLeaks looks for goroutines other than the test's own, waiting up
// to ten seconds for ones that have signalled their end but not yet
// returned on a loaded machine.
func findLeaks() error {
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err = goleak.Find(); err == nil {
			return nil
		}
	}
	return err
}

// verifyNone fails t when goroutines are left running; defer it.
func verifyNone(t *testing.T) {
	t.Helper()
	if err := findLeaks(); err != nil {
		t.Error(err)
	}
}

// withProcs runs f with GOMAXPROCS set to n.
func withProcs[T any](n int, f func() T) T {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	return f()
}
