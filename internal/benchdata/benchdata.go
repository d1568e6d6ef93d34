package benchdata

import "strings"

// Payload is a typical ELMO payload, about 850 bytes as JSON.
type Payload struct {
	Employee   string   `json:"employee"`
	LeaveType  string   `json:"leaveType"`
	Days       string   `json:"days"`
	Reason     string   `json:"reason"`
	Comment    string   `json:"comment"`
	ApprovedBy string   `json:"approvedBy"`
	Dates      []string `json:"dates"`
	Balance    struct {
		Before string `json:"before"`
		After  string `json:"after"`
	} `json:"balance"`
	Tags   []string `json:"tags"`
	Policy struct {
		ID            string `json:"id"`
		DaysPerPeriod string `json:"daysPerPeriod"`
		PeriodDays    int    `json:"periodDays"`
		Anchor        string `json:"anchorDate"`
	} `json:"policy"`
	Attachments int  `json:"attachments"`
	Urgent      bool `json:"urgent"`
}

// NewPayload returns the sample payload.
func NewPayload() Payload {
	var p Payload
	p.Employee = "ern:elmo:hr:acme:employee/e-1001"
	p.LeaveType = "ANNUAL_LEAVE"
	p.Days = "4.5"
	p.Reason = "FAMILY_HOLIDAY"
	p.Comment = strings.Repeat("Visiting family over the school holidays. ", 8)
	p.ApprovedBy = "ern:elmo:hr:acme:employee/m-17"
	p.Dates = []string{"2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-29"}
	p.Balance.Before = "17.5"
	p.Balance.After = "13"
	p.Tags = []string{"HOLIDAY", "PLANNED", "APPROVED_BY_MANAGER"}
	p.Policy.ID = "ern:elmo:leave:acme:accrual_policy/standard-full-time"
	p.Policy.DaysPerPeriod = "1.6667"
	p.Policy.PeriodDays = 30
	p.Policy.Anchor = "2020-01-01"
	p.Attachments = 2
	return p
}
