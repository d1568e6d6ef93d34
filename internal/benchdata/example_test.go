package benchdata_test

import (
	"encoding/json"
	"fmt"

	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

func ExampleNewPayload() {
	b, _ := json.Marshal(benchdata.NewPayload())
	fmt.Println(len(b) > 800 && len(b) < 1024)
	// Output: true
}

func ExampleNewPayRun() {
	b, _ := json.Marshal(benchdata.NewPayRun())
	fmt.Println(len(b) > 2400 && len(b) < 2700)
	// Output: true
}
