package oci_test

import (
	"testing"

	"github.com/concil-go/ocispec/core/coretest"
	"github.com/concil-go/ocispec/formats/oci"
)

func TestConformance(t *testing.T) { coretest.TestFormat(t, oci.Format) }
