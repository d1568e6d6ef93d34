package event_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/event"
)

type (
	approvedV1 struct {
		Employee string `json:"employee"`
		Days     string `json:"days"`
	}
	approvedV2 struct {
		Employee string `json:"employee"`
		Amount   struct {
			Days string `json:"days"`
			Unit string `json:"unit"`
		} `json:"amount"`
	}
)

var (
	approved1 = event.MustDefine[approvedV1]("elmo.leave.absence.approved.v1")
	approved2 = event.MustDefine[approvedV2]("elmo.leave.absence.approved.v2", event.WithDataSchema("https://schemas.elmo.example/elmo.leave.absence.approved/2.0"))
)

func TestUpcast(t *testing.T) {
	up := event.Upcast(approved1, approved2, func(o approvedV1) (approvedV2, error) {
		if o.Days == "" {
			return approvedV2{}, errors.New("/days: required")
		}
		var n approvedV2
		n.Employee, n.Amount.Days, n.Amount.Unit = o.Employee, o.Days, "DAYS"
		return n, nil
	})
	u, err := envelope.NewUpcasters(up)
	require.NoError(t, err)
	for _, tc := range []struct {
		name, data string
		want       string
		err        error
	}{
		{"converted", `{"employee":"e-1","days":"2","extra":true}`, `{"employee":"e-1","amount":{"days":"2","unit":"DAYS"}}`, nil},
		{"refused by fn", `{"employee":"secret-employee"}`, "", envelope.ErrUpcast},
		{"not the old payload", `{"employee":7}`, "", event.ErrPayload},
		{"a member by case only", `{"Employee":"secret-employee","days":"2"}`, "", event.ErrPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := (&envelope.Producer{Source: "urn:elmo:service:leave"}).New(approved1.Type().String(), []byte(tc.data))
			require.NoError(t, err)
			got, _, err := u.Newest(&e)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.NotContains(t, err.Error(), "secret-employee", "no payload values")
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(got.Data))
			assert.Equal(t, "https://schemas.elmo.example/elmo.leave.absence.approved/2.0", got.DataSchema)
			p, err := approved2.Decode(got)
			require.NoError(t, err)
			assert.Equal(t, "DAYS", p.Amount.Unit)
		})
	}
}
