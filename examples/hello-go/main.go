// Command hello is the program of the README's runnable image: built
// static (CGO_ENABLED=0), it is the image's only file and its
// entrypoint, so the image runs with no shell and no libraries.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Printf("Hello from an image built by ocispec (%s/%s)!\n", runtime.GOOS, runtime.GOARCH)
	if len(os.Args) > 1 {
		fmt.Println("arguments:", os.Args[1:])
	}
}
