package transportbench_test

import (
	"fmt"

	"github.com/elmosoftware/eventprotocol/internal/transportbench"
)

func ExampleEvents() {
	events, err := transportbench.Events(3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(events), events[0].Type, transportbench.Work(events[0].Data))
	// Output: 3 elmo.leave.absence.approved.v1 <nil>
}
