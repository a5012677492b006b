package schema_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/concil-go/ocispec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

const (
	dgst = `"sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"`
	desc = `{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":32,"digest":` + dgst +
		`,"urls":["https://example.com/x"],"annotations":{"a":"b"},"data":"YWJj","artifactType":"a/b","platform":{"architecture":"amd64","os":"linux"}}`
	platform = `{"architecture":"arm64","os":"linux","os.version":"1","os.features":["x"],"variant":"v8"}`
)

// bases are valid documents that use every member the schemas and
// image-spec's Go types know.
var bases = []struct{ mediaType, doc string }{
	{v1.MediaTypeImageManifest, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"a/b","config":` + desc + `,"layers":[` + desc + `],"subject":` + desc + `,"annotations":{"a":"b"}}`},
	{v1.MediaTypeImageIndex, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"a/b","manifests":[{"mediaType":"a/b","size":1,"digest":` + dgst + `,"urls":["https://x/"],"platform":` + platform + `,"annotations":{"a":"b"}}],"subject":` + desc + `,"annotations":{"a":"b"}}`},
	{v1.MediaTypeImageConfig, `{"created":"2015-10-31T22:22:56.015925234Z","author":"a","architecture":"amd64","os":"linux","variant":"v","os.version":"1","os.features":["x"],` +
		`"config":{"User":"u","ExposedPorts":{"80/tcp":{}},"Env":["A=b"],"Entrypoint":["/x"],"Cmd":["y"],"Volumes":{"/v":{}},"WorkingDir":"/","Labels":{"a":"b"},"StopSignal":"SIGTERM","ArgsEscaped":true},` +
		`"rootfs":{"type":"layers","diff_ids":[` + dgst + `]},"history":[{"created":"2015-10-31T22:22:55Z","author":"a","created_by":"b","comment":"c","empty_layer":true}]}`},
	{v1.MediaTypeDescriptor, desc},
	{v1.MediaTypeLayoutHeader, `{"imageLayoutVersion":"1.0.0"}`},
}

type targetedCase struct {
	i         int
	name      string
	mediaType string
	data      []byte
}

// targeted builds, from each base, every document with one member
// replaced by each edge value, one member removed, or one member added
// under each known name.
func targeted() []targetedCase {
	var out []targetedCase
	add := func(mt, name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		out = append(out, targetedCase{len(out), name, mt, b})
	}
	for _, base := range bases {
		var doc any
		if err := json.Unmarshal([]byte(base.doc), &doc); err != nil {
			panic(base.doc + ": " + err.Error())
		}
		add(base.mediaType, "base", doc)
		for _, p := range paths(doc, "") {
			for j, e := range edges {
				add(base.mediaType, fmt.Sprintf("%s = edge %d", p.at, j), p.set(clone(doc), clone(e)))
			}
			add(base.mediaType, p.at+" removed", p.set(clone(doc), nil, true))
			if p.object {
				for j, k := range keys {
					e := edges[(j*7+len(p.at))%len(edges)]
					add(base.mediaType, fmt.Sprintf("%s/%s added", p.at, k), p.set(clone(doc), addMember{k, clone(e)}))
				}
			}
		}
	}
	return out
}

type addMember struct {
	key string
	v   any
}

type path struct {
	at     string
	steps  []any // string member names and int indexes
	object bool
}

// set returns doc with the value at p replaced by v (an addMember adds to
// the object there; remove deletes it).
func (p path) set(doc, v any, remove ...bool) any {
	if len(p.steps) == 0 {
		if a, ok := v.(addMember); ok {
			doc.(map[string]any)[a.key] = a.v
			return doc
		}
		return v
	}
	parent := doc
	for _, s := range p.steps[:len(p.steps)-1] {
		switch s := s.(type) {
		case string:
			parent = parent.(map[string]any)[s]
		case int:
			parent = parent.([]any)[s]
		}
	}
	last := p.steps[len(p.steps)-1]
	get := func() any {
		if k, ok := last.(string); ok {
			return parent.(map[string]any)[k]
		}
		return parent.([]any)[last.(int)]
	}
	if a, ok := v.(addMember); ok {
		get().(map[string]any)[a.key] = a.v
		return doc
	}
	switch k := last.(type) {
	case string:
		if len(remove) > 0 {
			delete(parent.(map[string]any), k)
		} else {
			parent.(map[string]any)[k] = v
		}
	case int:
		if len(remove) > 0 {
			a := parent.([]any)
			p2 := path{steps: p.steps[:len(p.steps)-1]}
			return p2.set(doc, append(a[:k:k], a[k+1:]...))
		}
		parent.([]any)[k] = v
	}
	return doc
}

func paths(v any, at string, steps ...any) []path {
	here := path{at: at, steps: steps}
	switch v := v.(type) {
	case map[string]any:
		here.object = true
		out := []path{here}
		ks := make([]string, 0, len(v))
		for k := range v {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			out = append(out, paths(v[k], at+"/"+k, append(steps[:len(steps):len(steps)], k)...)...)
		}
		return out
	case []any:
		out := []path{here}
		for i, e := range v {
			out = append(out, paths(e, at+"/"+strconv.Itoa(i), append(steps[:len(steps):len(steps)], i)...)...)
		}
		return out
	}
	return []path{here}
}

// TestAgreesWithImageSpecTargeted compares the verdicts on every
// document of targeted: each edge value in each place of documents that
// use every member.
func TestAgreesWithImageSpecTargeted(t *testing.T) {
	cases := targeted()
	counts := map[string][2]int{}
	for _, tc := range cases {
		ours := schema.Validate(tc.mediaType, tc.data)
		theirs := fastValidate(t, tc.mediaType, tc.data)
		if (ours == nil) != (theirs == nil) {
			t.Errorf("%s %s: ours %v, image-spec's %v\n%s", tc.mediaType, tc.name, ours, theirs, tc.data)
		}
		c := counts[tc.mediaType]
		if theirs == nil {
			c[0]++
		} else {
			c[1]++
		}
		counts[tc.mediaType] = c
	}
	for _, b := range bases {
		c := counts[b.mediaType]
		t.Logf("%s: %d valid, %d invalid", b.mediaType, c[0], c[1])
		if c[0] < 10 || c[1] < 10 {
			t.Errorf("%s: %d valid, %d invalid, want at least 10 of each", b.mediaType, c[0], c[1])
		}
	}
}
