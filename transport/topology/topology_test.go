package topology_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

const (
	typeSignedUp    = "elmo.identity.client.signed_up.v1"
	typeClosed      = "elmo.identity.client.closed.v1"
	typeProvisioned = "elmo.platform.tenant.provisioned.v1"
)

func signup() *topology.Topology {
	return &topology.Topology{
		Env:     "dev",
		Domains: []topology.Domain{{Name: "identity"}, {Name: "platform"}},
		Services: []topology.Service{
			{Name: "billing", Consumes: []string{typeSignedUp}, MaxReceiveCount: 4, VisibilityTimeoutSeconds: 5},
			{Name: "provisioning", Consumes: []string{typeSignedUp, typeClosed}},
			{Name: "audit", Consumes: []string{"elmo.identity.*", typeProvisioned, typeSignedUp}},
		},
		Producers: []topology.Producer{
			{Name: "signup", Publishes: []string{typeSignedUp, typeClosed}},
			{Name: "provisioning", Publishes: []string{"elmo.platform.*"}},
		},
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*topology.Topology)
		want string
	}{
		{"bad env", func(t *topology.Topology) { t.Env = "Dev" }, `invalid AWS resource name "Dev": env must be`},
		{"no env", func(t *topology.Topology) { t.Env = "" }, `"env" is required`},
		{"bad org", func(t *topology.Topology) { t.Org = "Acme" }, `"Acme": org must be`},
		{"no domains", func(t *topology.Topology) { t.Domains = nil; t.Services = nil }, "no domains"},
		{"duplicate domain", func(t *topology.Topology) { t.Domains[1].Name = "identity" }, `domain "identity" is listed twice`},
		{"unknown domain", func(t *topology.Topology) { t.Services[0].Consumes = []string{"elmo.payroll.pay_run.completed.v1"} }, `domain "payroll" has no topic`},
		{"bad type", func(t *topology.Topology) { t.Services[0].Consumes = []string{"elmo.identity.client.signed-up.v1"} }, "snake_case"},
		{"bad wildcard", func(t *topology.Topology) { t.Services[0].Consumes = []string{"elmo.*"} }, "wildcard"},
		{"nothing consumed", func(t *topology.Topology) { t.Services[0].Consumes = nil }, "consumes, accepts and requests nothing"},
		{"command with a wildcard", func(t *topology.Topology) { t.Services[0].Accepts = []string{"elmo.identity.*"} }, `service "billing" accepts "elmo.identity.*"`},
		{"command with two owners", func(t *topology.Topology) {
			t.Services[0].Accepts = []string{"elmo.identity.client.suspend.v1"}
			t.Services[1].Accepts = []string{"elmo.identity.client.suspend.v1"}
		}, `command elmo.identity.client.suspend.v1 is accepted by "billing" and "provisioning": a command has one owner`},
		{"duplicate service", func(t *topology.Topology) { t.Services[1].Name = "billing" }, "listed twice"},
		{"mixed FIFO", func(t *topology.Topology) { t.Domains[1].FIFO = true }, "FIFO and standard"},
		{"bad service name", func(t *topology.Topology) { t.Services[0].Name = "Billing" }, "service name"},
		{"bad receive count", func(t *topology.Topology) { t.Services[0].MaxReceiveCount = 1001 }, "maxReceiveCount"},
		{"bad visibility", func(t *topology.Topology) { t.Services[0].VisibilityTimeoutSeconds = -1 }, "visibilityTimeoutSeconds"},
		{"retention too short", func(t *topology.Topology) { t.Services[0].RetentionSeconds = 59 }, "retentionSeconds"},
		{"retention too long", func(t *topology.Topology) { t.Services[0].RetentionSeconds = 1209601 }, "retentionSeconds"},
		{"aws tag", func(t *topology.Topology) { t.Tags = map[string]string{"aws:owner": "x"} }, `tag key "aws:owner"`},
		{"empty tag key", func(t *topology.Topology) { t.Services[0].Tags = map[string]string{"": "x"} }, `service "billing": tag key ""`},
		{"duplicate producer", func(t *topology.Topology) { t.Producers[1].Name = "signup" }, `producer "signup" is listed twice`},
		{"bad producer name", func(t *topology.Topology) { t.Producers[0].Name = "Sign Up" }, `producer "Sign Up"`},
		{"nothing published", func(t *topology.Topology) { t.Producers[0].Publishes = nil }, "publishes nothing"},
		{"published type bad", func(t *topology.Topology) { t.Producers[0].Publishes = []string{"elmo.identity.Client.v1"} }, `producer "signup"`},
		{"published domain unknown", func(t *topology.Topology) { t.Producers[0].Publishes = []string{"elmo.payroll.*"} }, `producer "signup" publishes elmo.payroll.*, whose domain "payroll" has no topic`},
		{"long tag value", func(t *topology.Topology) { t.Tags = map[string]string{"k": strings.Repeat("v", 257)} }, `tag "k"`},
		{"message size over 1 MiB", func(t *topology.Topology) { t.Domains[0].MaxMessageBytes = 1<<20 + 1 }, `domain "identity": maxMessageBytes must be 1024 to 1048576`},
		{"message size too small", func(t *topology.Topology) { t.Domains[0].MaxMessageBytes = 1023 }, "maxMessageBytes must be 1024"},
		{"claim bucket uppercase", func(t *topology.Topology) { t.ClaimCheck = &topology.ClaimCheck{Bucket: "Elmo-Claims"} }, `claimCheck: bucket "Elmo-Claims"`},
		{"claim bucket empty", func(t *topology.Topology) { t.ClaimCheck = &topology.ClaimCheck{} }, `claimCheck: bucket ""`},
		{"claim bucket dots", func(t *topology.Topology) { t.ClaimCheck = &topology.ClaimCheck{Bucket: "elmo..claims"} }, "claimCheck: bucket"},
		{"claim bucket ends with hyphen", func(t *topology.Topology) { t.ClaimCheck = &topology.ClaimCheck{Bucket: "elmo-claims-"} }, "claimCheck: bucket"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topo := signup()
			tc.edit(topo)
			err := topo.Validate()
			require.ErrorIs(t, err, topology.ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), `-x-`, "no placeholder name")
		})
	}
	require.NoError(t, signup().Validate())
}

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // "" for valid
	}{
		{"valid", `{"env":"dev","domains":[{"name":"identity"}],"services":[{"name":"billing","consumes":["` + typeSignedUp + `"]}]}`, ""},
		{"unknown field", `{"env":"dev","domains":[],"services":[],"extra":1}`, "unknown field"},
		{"not JSON", `{"env":`, "unexpected EOF"},
		{"invalid", `{"env":"dev","domains":[],"services":[]}`, "no domains"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo, err := topology.Read(strings.NewReader(tc.in))
			if tc.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "billing", topo.Services[0].Name)
				return
			}
			require.ErrorIs(t, err, topology.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSubscriptionsAndDefaults(t *testing.T) {
	topo := signup()
	audit, ok := topo.Service("audit")
	require.True(t, ok)
	assert.Equal(t, []topology.Subscription{
		{Domain: "identity", Types: nil}, // the wildcard takes every type, the named one included
		{Domain: "platform", Types: []string{typeProvisioned}},
	}, audit.Subscriptions())
	provisioning, _ := topo.Service("provisioning")
	assert.Equal(t, []topology.Subscription{{Domain: "identity", Types: []string{typeSignedUp, typeClosed}}}, provisioning.Subscriptions())

	billing, _ := topo.Service("billing")
	assert.Equal(t, 5*time.Second, billing.VisibilityTimeout())
	assert.Equal(t, 4, billing.ReceiveLimit())
	assert.Equal(t, topology.DefaultVisibilityTimeout, provisioning.VisibilityTimeout())
	assert.Equal(t, topology.DefaultMaxReceiveCount, provisioning.ReceiveLimit())

	assert.Equal(t, topology.DefaultRetention, billing.Retention())
	billing.RetentionSeconds = 60
	assert.Equal(t, time.Minute, billing.Retention())
	assert.Nil(t, topo.ServiceTags(billing))
	topo.Tags = map[string]string{"team": "identity", "cost": "shared"}
	billing.Tags = map[string]string{"cost": "billing"}
	assert.Equal(t, map[string]string{"team": "identity", "cost": "billing"}, topo.ServiceTags(billing), "the service's over the topology's")
	assert.Equal(t, "shared", topo.Tags["cost"], "the topology's tags unchanged")

	_, ok = topo.Service("nobody")
	assert.False(t, ok)
	assert.False(t, topo.FIFO(billing))
	topo.Domains[0].FIFO = true
	assert.True(t, topo.FIFO(billing))
	assert.Equal(t, "create-topic x (y)", driver.Step{Action: "create-topic", Resource: "x", Detail: "y"}.String())
}

func TestServiceReceives(t *testing.T) {
	s := topology.Service{Name: "audit", Consumes: []string{"elmo.identity.client.signed_up.v1", "elmo.payroll.*"}}
	for typ, want := range map[string]bool{
		"elmo.identity.client.signed_up.v1":  true,
		"elmo.identity.client.signed_up.v2":  false,
		"elmo.identity.client.closed.v1":     false,
		"elmo.payroll.pay_run.completed.v1":  true,
		"elmo.payrolls.pay_run.completed.v1": false,
	} {
		assert.Equal(t, want, s.Receives(typ), typ)
	}
}

// TestMessageLimits: a domain's size, its default, and a queue's: the
// largest of the domains it receives from, when one sets any.
func TestMessageLimits(t *testing.T) {
	topo := signup()
	assert.Equal(t, topology.DefaultMaxMessageBytes, topo.MessageLimit("identity"))
	assert.Equal(t, topology.DefaultMaxMessageBytes, topo.MessageLimit("nowhere"))
	_, set := topo.QueueMessageLimit(topo.Services[0])
	assert.False(t, set, "no domain sets a size: queues keep theirs")
	topo.Domains[0].MaxMessageBytes = 1 << 20
	assert.Equal(t, 1<<20, topo.MessageLimit("identity"))
	limit, set := topo.QueueMessageLimit(topo.Services[0])
	assert.True(t, set)
	assert.Equal(t, 1<<20, limit)
	topo.ClaimCheck = &topology.ClaimCheck{Bucket: "elmo-dev-claims.example"}
	require.NoError(t, topo.Validate())
}

// TestCommandOwner: a command goes to the one service that accepts it,
// whose queue then gets it; a service may accept commands only.
func TestCommandOwner(t *testing.T) {
	topo := signup()
	topo.Services = append(topo.Services, topology.Service{Name: "payslips", Accepts: []string{"elmo.identity.client.suspend.v1"}})
	require.NoError(t, topo.Validate())
	owner, ok := topo.Owner("elmo.identity.client.suspend.v1")
	require.True(t, ok)
	assert.Equal(t, "payslips", owner.Name)
	assert.True(t, owner.Receives("elmo.identity.client.suspend.v1"))
	assert.Empty(t, owner.Subscriptions(), "commands come to its queue, not through a topic")
	_, ok = topo.Owner(typeSignedUp)
	assert.False(t, ok, "an event has no owner")
}
