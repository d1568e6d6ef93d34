package event_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
)

// FuzzDecode decodes arbitrary data into a nested payload type: never a
// panic, every error an ErrPayload, and a payload decoded only when no
// member matches a field in case alone.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"days":"1","items":[{"code":"A"}],"byKey":{"DAYS":"x"},"next":{"days":"2"},"note":"n"}`,
		`{"Days":"1"}`, `{"items":[{"Code":"B"}]}`, `{"next":{"next":{"DAYS":"3"}}}`, `{"days":7}`, `[`, `{"days":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	def := event.MustDefine[nested]("elmo.test.thing.happened.v1")
	fused := envelope.Decoder{Members: func(string) envelope.MemberChecker { return def.Members() }}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := envelope.Envelope{Type: "elmo.test.thing.happened.v1", ID: "1", Data: json.RawMessage(data)}
		p, err := def.Decode(&e)
		if err != nil && !errors.Is(err, event.ErrPayload) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		// A decoder that checks the names in its own pass agrees.
		body := append([]byte(`{"specversion":"1.0","id":"1","source":"/s","type":"elmo.test.thing.happened.v1","data":`), data...)
		read, derr := fused.Decode(append(body, '}'))
		if derr == nil {
			if _, ferr := def.Decode(&read); (ferr == nil) != (err == nil) {
				t.Fatalf("the fused check says %v, the walk %v: %s", ferr, err, data)
			}
		}
		if err != nil || !json.Valid(data) {
			return
		}
		if topLevelCaseOnly(data) {
			t.Fatalf("decoded a member that matches a field only in case: %s", data)
		}
		// The field holds the member of exactly its name, or nothing.
		var exact map[string]json.RawMessage
		if json.Unmarshal(data, &exact) == nil {
			var days string
			if raw, ok := exact["days"]; ok && json.Unmarshal(raw, &days) != nil {
				return
			}
			if p.Days != days {
				t.Fatalf("field days holds %q, member days is %q: %s", p.Days, days, data)
			}
		}
	})
}

// topLevelCaseOnly reports whether data is an object with a member that
// matches a field of nested only when case is ignored.
func topLevelCaseOnly(data []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for k := range m {
		for _, field := range []string{"days", "items", "byKey", "next", "note"} {
			if k != field && strings.EqualFold(k, field) {
				return true
			}
		}
	}
	return false
}
