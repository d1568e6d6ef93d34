package benchdata

import "fmt"

// PayRun is a nested payload, about 2.5 KiB as JSON: a pay run's summary
// with two dozen lines, each an object.
type PayRun struct {
	PayRun   string    `json:"payRun"`
	Period   Period    `json:"period"`
	Currency string    `json:"currency"`
	Lines    []PayLine `json:"lines"`
	Status   string    `json:"status"`
}

// Period is a pay period.
type Period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// PayLine is one line of a pay run.
type PayLine struct {
	Employee string `json:"employee"`
	Code     string `json:"code"`
	Amount   string `json:"amount"`
	Taxable  bool   `json:"taxable"`
}

// NewPayRun returns the sample nested payload.
func NewPayRun() PayRun {
	p := PayRun{PayRun: "ern:elmo:payroll:acme:pay_run/2026-12-a", Period: Period{Start: "2026-12-01", End: "2026-12-14"},
		Currency: "AUD", Status: "FINALISED"}
	codes := []string{"ORDINARY_HOURS", "OVERTIME", "ANNUAL_LEAVE"}
	for i := range 24 {
		p.Lines = append(p.Lines, PayLine{
			Employee: fmt.Sprintf("ern:elmo:hr:acme:employee/e-%04d", 1000+i),
			Code:     codes[i%len(codes)],
			Amount:   fmt.Sprintf("%d.25", 1800+17*i),
			Taxable:  i%5 != 0,
		})
	}
	return p
}
