package layering_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/elmosoftware/eventprotocol/"

// pkg is what go list says of one package of the module.
type pkg struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
}

// list runs go list on the module's packages.
func list(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Imports,Deps", "../../...").Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("go list: %v: %s", err, ee.Stderr)
	}
	require.NoError(t, err, "go list")
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	require.Contains(t, pkgs, "transport", "go list listed the module")
	return pkgs
}

func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// TestLayering checks the rules docs/design.md states.
func TestLayering(t *testing.T) {
	pkgs := list(t)
	rules := []struct {
		name      string
		from      func(string) bool // the packages the rule is about
		forbidden func(dep string) bool
		direct    bool // only direct imports count
	}{
		{"naming and config are leaves", func(p string) bool { return p == "naming" || p == "config" },
			func(d string) bool { return strings.HasPrefix(d, module) }, false},
		{"the envelope knows no transport, store or schema", func(p string) bool { return p == "envelope" },
			func(d string) bool {
				return under(d, module+"transport") || under(d, module+"eventstore") || under(d, module+"schema")
			}, false},
		{"the store knows no transport", func(p string) bool { return under(p, "eventstore") },
			func(d string) bool {
				return under(d, module+"transport") || under(d, module+"outbox") || under(d, module+"archive")
			}, false},
		{"process managers know no transport: the outbox sends for them", func(p string) bool { return under(p, "process") },
			func(d string) bool { return under(d, module+"transport") || under(d, module+"outbox") }, false},
		{"transports know no store, outbox, archive or telemetry", func(p string) bool { return under(p, "transport") },
			func(d string) bool {
				return under(d, module+"eventstore") || under(d, module+"outbox") || under(d, module+"archive") || under(d, module+"telemetry")
			}, false},
		{"the topology is the data model alone", func(p string) bool { return p == "transport/topology" },
			func(d string) bool { return under(d, module+"transport") && d != module+"transport/topology" }, false},
		{"only the AWS packages import the AWS SDK",
			func(p string) bool { return !under(p, "transport/snssqs") && !under(p, "transport/awslambda") },
			func(d string) bool {
				return strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(d, "github.com/aws/smithy-go")
			}, true},
		{"only the Lambda package and Lambda functions import aws-lambda-go",
			func(p string) bool { return !under(p, "transport/awslambda") && p != "examples/lambda" },
			func(d string) bool { return strings.HasPrefix(d, "github.com/aws/aws-lambda-go") }, true},
		{"the front door is on top: only examples and commands import it",
			func(p string) bool { return !under(p, "examples") && !under(p, "cmd") && p != "service" },
			func(d string) bool { return under(d, module+"service") }, false},
		{"nothing but examples imports examples", func(p string) bool { return !under(p, "examples") },
			func(d string) bool { return under(d, module+"examples") }, false},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			seen := 0
			for name, p := range pkgs {
				if !r.from(name) {
					continue
				}
				seen++
				deps := p.Deps
				if r.direct {
					deps = p.Imports
				}
				for _, d := range deps {
					assert.False(t, r.forbidden(d), "%s depends on %s", name, d)
				}
			}
			assert.Positive(t, seen, "the rule names no package")
		})
	}
}
