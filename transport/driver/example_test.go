package driver_test

import (
	"fmt"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// A message's size counts its body and each attribute's name, data type and
// value, as SNS and SQS do.
func ExampleMessage_Size() {
	m := &driver.Message{Body: []byte(`{"n":1}`), Attributes: map[string]string{driver.AttrType: "elmo.leave.absence.approved.v1"}}
	fmt.Println(m.Size())
	// Output: 47
}
