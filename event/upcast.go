package event

import (
	"encoding/json"
	"fmt"

	"github.com/elmosoftware/eventprotocol/envelope"
)

// Upcast returns the upcast of from's events to to's, the next major of
// the same type (envelope.NewUpcasters checks it): fn converts a payload.
// A conversion decodes the old payload as from.Decode does and encodes
// the new one: one decode and one encode a step. Use it for what a
// catalogue's declared upcast (x-elmo-upcast) cannot say; check it with
// schema.CheckUpcasts in a test, as eventctl compat checks the declared
// ones.
func Upcast[Old, New any](from *Definition[Old], to *Definition[New], fn func(Old) (New, error)) envelope.Upcast {
	var members envelope.MemberChecker // nil when T has no named members to check
	if to.fields != nil {
		members = to.fields
	}
	return envelope.Upcast{From: from.Type(), To: to.Type(), DataSchema: to.dataSchema, Members: members,
		Convert: func(data []byte) ([]byte, error) {
			old, err := from.Decode(&envelope.Envelope{Type: from.name, Data: data})
			if err != nil {
				return nil, err
			}
			next, err := fn(old)
			if err != nil {
				return nil, err
			}
			out, err := json.Marshal(next)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrPayload, to.name, err)
			}
			return out, nil
		}}
}
