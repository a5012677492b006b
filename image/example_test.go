package image_test

import (
	"fmt"

	"github.com/concil-go/ocispec/image"
)

// A config is edited as JSON: what the editor does not touch (here
// Docker's Healthcheck) is kept.
func ExampleParseConfig() {
	c, err := image.ParseConfig([]byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Healthcheck":{"Test":["CMD","true"]}},"rootfs":{"type":"layers","diff_ids":[]}}`))
	if err != nil {
		panic(err)
	}
	c.SetEntrypoint([]string{"/app"})
	c.SetEnv("PORT", "8080")
	c.SetLabel("org.opencontainers.image.version", "1.0")
	b, _ := c.Bytes()
	fmt.Println(string(b))
	// Output:
	// {"architecture":"amd64","config":{"Cmd":["sh"],"Entrypoint":["/app"],"Env":["PORT=8080"],"Healthcheck":{"Test":["CMD","true"]},"Labels":{"org.opencontainers.image.version":"1.0"}},"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}
}
