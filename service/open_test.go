package service_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/service"
)

// TestOpenRefuses: each mistake is a typed error naming the setting (the
// field, or the environment variable it came from) and the fix, never the
// URL, which may hold a password.
func TestOpenRefuses(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder", "x.db")
	tests := []struct {
		name    string
		service string
		catalog fs.FS
		cfg     service.Config
		env     map[string]string
		is      error
		says    []string
	}{
		{name: "nil catalogue", catalog: nil, is: config.ErrInvalid, says: []string{"catalogue", "embed.FS"}},
		{name: "service name", service: "Leave Balance", is: naming.ErrInvalidSource, says: []string{"service's name"}},
		{name: "transport scheme", cfg: service.Config{Transport: "kafka://broker"}, is: config.ErrInvalid,
			says: []string{"service.Config.Transport", `scheme "kafka"`, "want mem or snssqs"}},
		{name: "transport from the environment", env: map[string]string{"ELMO_TRANSPORT": "rabbit://"}, is: config.ErrInvalid,
			says: []string{"environment variable ELMO_TRANSPORT", `scheme "rabbit"`}},
		{name: "memory parameter", cfg: service.Config{Transport: "mem://?region=x"}, is: config.ErrInvalid,
			says: []string{`parameter "region"`, "takes none"}},
		{name: "snssqs parameter", cfg: service.Config{Transport: "snssqs://?regoin=x"}, is: config.ErrInvalid,
			says: []string{`parameter "regoin"`, "region, endpoint"}},
		{name: "snssqs host", cfg: service.Config{Transport: "snssqs://sqs.amazonaws.com"}, is: config.ErrInvalid,
			says: []string{"query parameters"}},
		{name: "snssqs wait", cfg: service.Config{Transport: "snssqs://?wait=1m"}, is: config.ErrInvalid,
			says: []string{`wait="1m"`, "1s to 20s"}},
		{name: "snssqs provision", cfg: service.Config{Transport: "snssqs://?provision=maybe"}, is: config.ErrInvalid,
			says: []string{`provision="maybe"`}},
		{name: "snssqs without topology", cfg: service.Config{Transport: "snssqs://?region=us-east-1&endpoint=http://127.0.0.1:1"},
			is: config.ErrInvalid, says: []string{"Topology", "topology=FILE"}},
		{name: "snssqs topology file", cfg: service.Config{Transport: "snssqs://?topology=/no/such/topology.json"},
			is: fs.ErrNotExist, says: []string{"topology file", "/no/such/topology.json"}},
		{name: "store scheme", cfg: service.Config{Store: "mysql://u:secret@db/x"}, is: config.ErrInvalid,
			says: []string{"service.Config.Store", `scheme "mysql"`, "mem, sqlite or postgres"}},
		{name: "store from the environment", env: map[string]string{"ELMO_STORE": "sqlite://"}, is: config.ErrInvalid,
			says: []string{"environment variable ELMO_STORE", "must name a file"}},
		{name: "store not a URL", cfg: service.Config{Store: "/var/lib/x.db"}, is: config.ErrInvalid,
			says: []string{"sqlite:///path/to/file.db"}},
		{name: "sqlite folder missing", cfg: service.Config{Store: "sqlite://" + missing}, is: fs.ErrNotExist,
			says: []string{filepath.Dir(missing)}},
		{name: "shutdown timeout", cfg: service.Config{ShutdownTimeout: -1}, is: config.ErrInvalid,
			says: []string{"ShutdownTimeout", "negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("ELMO_TRANSPORT", "")
			t.Setenv("ELMO_STORE", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			name, cat := tt.service, tt.catalog
			if name == "" {
				name = "leave-balance"
			}
			if cat == nil && tt.name != "nil catalogue" {
				cat = catalog
			}
			svc, err := service.Open(context.Background(), name, cat, &tt.cfg)
			require.Error(t, err)
			assert.Nil(t, svc)
			assert.ErrorIs(t, err, tt.is)
			for _, s := range tt.says {
				assert.Contains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error(), "secret")
		})
	}
}

// TestOpenDefaults: a nil Config is everything in memory, unless the
// environment says otherwise.
func TestOpenDefaults(t *testing.T) {
	t.Setenv("ELMO_TRANSPORT", "")
	dir := t.TempDir()
	t.Setenv("ELMO_STORE", "sqlite://"+filepath.Join(dir, "events.db"))
	svc, err := service.Open(context.Background(), "leave-balance", catalog, nil)
	require.NoError(t, err)
	defer svc.Close(context.Background())
	assert.Equal(t, "leave-balance", svc.Name())
	assert.Equal(t, "urn:elmo:service:leave-balance", svc.Producer().Source)
	assert.Nil(t, svc.Topology(), "derived when the service starts")
	assert.NotNil(t, svc.Catalog())
	assert.NotNil(t, svc.Telemetry())
	_, err = os.Stat(filepath.Join(dir, "events.db"))
	assert.NoError(t, err, "ELMO_STORE named the store")
	assert.NoError(t, svc.Health())
}

// TestCloseIsIdempotent: Close keeps returning its first result, and the
// service refuses work afterwards.
func TestCloseIsIdempotent(t *testing.T) {
	svc := open(t, "leave-balance", nil)
	require.NoError(t, svc.Close(context.Background()))
	require.NoError(t, svc.Close(context.Background()))
	assert.ErrorIs(t, svc.Start(context.Background()), service.ErrClosed)
	_, err := service.Publish(context.Background(), svc, adjusted, employee, adjustment("1"))
	assert.ErrorIs(t, err, service.ErrClosed)
	assert.True(t, errors.Is(service.Handle(svc, adjusted, nopHandler), service.ErrClosed))
}
