package envelope_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// benchPayload is a typical ELMO payload, about 1 KiB as JSON.
type benchPayload struct {
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

func newBenchPayload() benchPayload {
	var p benchPayload
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
	p.Urgent = false
	return p
}

func benchEnvelope(b *testing.B) (envelope.Envelope, benchPayload) {
	p := newBenchPayload()
	data, err := json.Marshal(p)
	if err != nil {
		b.Fatal(err)
	}
	e := sampleEnvelope()
	e.Data = data
	e.Extensions = map[string]any{"region": "apac", "retries": int32(2), "replayed": false}
	return e, p
}

// BenchmarkEncode measures a producer's whole encoding: the payload to JSON
// and the envelope around it.
func BenchmarkEncode(b *testing.B) {
	e, p := benchEnvelope(b)
	b.ReportAllocs()
	for b.Loop() {
		data, err := json.Marshal(&p)
		if err != nil {
			b.Fatal(err)
		}
		e.Data = data
		if _, err := e.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePayload measures a consumer's whole decoding: the envelope
// and its payload into the Go type.
func BenchmarkDecodePayload(b *testing.B) {
	e, _ := benchEnvelope(b)
	raw, err := e.MarshalJSON()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := envelope.Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		var p benchPayload
		if err := json.Unmarshal(got.Data, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate measures the ELMO profile's checks of a decoded event.
func BenchmarkValidate(b *testing.B) {
	e, _ := benchEnvelope(b)
	v := envelope.Validator{Strict: true}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(&e); err != nil {
			b.Fatal(err)
		}
	}
}
