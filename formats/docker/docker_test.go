package docker_test

import (
	"testing"

	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats/docker"
)

func TestConformance(t *testing.T) { coretest.TestFormat(t, docker.Format) }
