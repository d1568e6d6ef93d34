package gengo_test

import (
	"fmt"
	"strings"

	"github.com/elmosoftware/eventprotocol/internal/gengo"
	"github.com/elmosoftware/eventprotocol/schema"
)

func ExampleGenerate() {
	cat, err := schema.LoadDir("../../testdata/catalog")
	if err != nil {
		fmt.Println(err)
		return
	}
	code, err := gengo.Generate(cat, &gengo.Config{Package: "hr", Types: []string{"elmo.hr.employee.hired.v1"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The payload struct, without its doc comment.
	_, body, _ := strings.Cut(string(code), "type EmployeeHired struct {")
	body, _, _ = strings.Cut(body, "}")
	fmt.Print("type EmployeeHired struct {", body, "}\n")
	// Output:
	// type EmployeeHired struct {
	// 	// The employee.
	// 	Employee naming.ERN `json:"employee"`
	// 	// First day of employment.
	// 	HireDate string `json:"hireDate"`
	// }
}
