package service

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/elmosoftware/eventprotocol/config"
	"github.com/elmosoftware/eventprotocol/eventstore"
	esmemory "github.com/elmosoftware/eventprotocol/eventstore/memory"
	"github.com/elmosoftware/eventprotocol/eventstore/postgres"
	"github.com/elmosoftware/eventprotocol/eventstore/sqlite"
	"github.com/elmosoftware/eventprotocol/transport/driver"
	"github.com/elmosoftware/eventprotocol/transport/memory"
	"github.com/elmosoftware/eventprotocol/transport/snssqs"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// setting is a URL setting of Config and where its value came from, so
// that an error names what to fix: the field, or the environment variable.
type setting struct {
	name  string // e.g. "service.Config.Store" or "ELMO_STORE"
	value string
}

// resolve returns the setting: the Config's value, else the environment
// variable's, else the default.
func resolve(field, value, env, def string) setting {
	if value != "" {
		return setting{"service.Config." + field, value}
	}
	if v := os.Getenv(env); v != "" {
		return setting{"environment variable " + env, v}
	}
	return setting{"service.Config." + field, def}
}

func (s setting) invalid(format string, args ...any) error {
	return &config.Error{Setting: s.name, Problem: fmt.Sprintf(format, args...)}
}

// where is a parsed transport URL.
type where struct {
	memory       bool
	topologyFile string // snssqs: the topology= parameter
	provision    bool
	connect      snssqs.ConnectConfig
	wait         time.Duration
}

// parseTransport parses a transport URL. Its errors name the setting and
// the parameter, never the whole URL.
func parseTransport(s setting) (*where, error) {
	u, err := url.Parse(s.value)
	if err != nil {
		return nil, s.invalid("is not a URL (want mem:// or snssqs://?region=...)")
	}
	q := u.Query()
	w := &where{}
	switch u.Scheme {
	case "mem":
		w.memory = true
		if err := only(s, q); err != nil {
			return nil, err
		}
	case "snssqs":
		if err := only(s, q, "region", "endpoint", "wait", "topology", "provision"); err != nil {
			return nil, err
		}
		w.connect = snssqs.ConnectConfig{Region: q.Get("region"), Endpoint: q.Get("endpoint")}
		w.connect.LocalServer = w.connect.Endpoint != ""
		w.topologyFile = q.Get("topology")
		if v := q.Get("wait"); v != "" {
			if w.wait, err = time.ParseDuration(v); err != nil || w.wait < time.Second || w.wait > snssqs.DefaultWaitTime {
				return nil, s.invalid("has wait=%q: want a duration from 1s to 20s", v)
			}
		}
		if v := q.Get("provision"); v != "" {
			if w.provision, err = strconv.ParseBool(v); err != nil {
				return nil, s.invalid("has provision=%q: want true or false", v)
			}
		}
	default:
		return nil, s.invalid("has scheme %q: want mem or snssqs", u.Scheme)
	}
	if u.Host != "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return nil, s.invalid("names a host or path: a %s URL takes its settings as query parameters", u.Scheme)
	}
	return w, nil
}

// only refuses the query parameters not in allowed.
func only(s setting, q url.Values, allowed ...string) error {
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return s.invalid("has parameter %q: it takes none", k)
			}
			return s.invalid("has parameter %q: want %s", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// open returns the transport's driver and, for snssqs, the topology of
// its file (nil when the URL names none).
func (w *where) open(ctx context.Context) (driver.Driver, *topology.Topology, error) {
	if w.memory {
		d, err := memory.New(nil)
		return d, nil, err
	}
	var t *topology.Topology
	if w.topologyFile != "" {
		f, err := os.Open(w.topologyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("service: the transport's topology file: %w", err)
		}
		t, err = topology.Read(f)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("service: the transport's topology file %s: %w", w.topologyFile, err)
		}
	}
	snsC, sqsC, err := snssqs.Connect(ctx, &w.connect)
	if err != nil {
		return nil, nil, err
	}
	s3C, err := snssqs.ConnectS3(ctx, &w.connect) // for a topology's claim-check bucket; no request until used
	if err != nil {
		return nil, nil, err
	}
	d, err := snssqs.NewDriver(snsC, sqsC, &snssqs.DriverConfig{WaitTime: w.wait, S3: s3C})
	return d, t, err
}

// OpenStore opens the event store a URL names, as Config.Store does:
// "mem://", "sqlite:///abs/path.db" or "sqlite://rel/path.db", or a
// PostgreSQL URL. A URL it cannot use is a *config.Error that names the
// setting given as name (a command's flag, say), never the URL.
func OpenStore(ctx context.Context, name, url string, cfg *eventstore.Config) (*eventstore.Store, error) {
	return openStore(ctx, setting{name, url}, cfg)
}

// openStore opens the event store a store URL names. Its errors name the
// setting and the scheme, never the URL, which may hold a password.
func openStore(ctx context.Context, s setting, cfg *eventstore.Config) (*eventstore.Store, error) {
	scheme, rest, ok := strings.Cut(s.value, "://")
	if !ok {
		return nil, s.invalid("is not a store URL (want mem://, sqlite:///path/to/file.db or postgres://...)")
	}
	switch scheme {
	case "mem":
		if rest != "" {
			return nil, s.invalid("names a host, path or parameter: mem:// takes none")
		}
		return esmemory.NewStore(cfg)
	case "sqlite":
		if rest == "" || strings.ContainsAny(rest, "?#") {
			return nil, s.invalid("must name a file and nothing else: sqlite:///abs/path.db or sqlite://rel/path.db")
		}
		return sqlite.NewStore(ctx, rest, cfg)
	case "postgres", "postgresql":
		return postgres.NewStore(ctx, s.value, cfg)
	}
	return nil, s.invalid("has scheme %q: want mem, sqlite or postgres", scheme)
}
