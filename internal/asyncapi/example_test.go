package asyncapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/elmosoftware/eventprotocol/internal/asyncapi"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

func ExampleGenerate() {
	cat, err := schema.LoadDir("../../testdata/catalog")
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := os.Open("../../testdata/topology/signup.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	topo, err := topology.Read(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, err := asyncapi.Generate(cat, topo, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var d struct {
		Operations map[string]struct{ Action string } `json:"operations"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range slices.Sorted(maps.Keys(d.Operations)) {
		fmt.Println(id, d.Operations[id].Action)
	}
	// Output:
	// billing.receive receive
	// leadership-notify.receive receive
	// provisioning.receive receive
	// provisioning.send.platform send
	// signup.send.identity send
	// welcome-email.receive receive
}
