package service

import (
	"slices"

	"github.com/elmosoftware/eventprotocol/naming"
	"github.com/elmosoftware/eventprotocol/schema"
	"github.com/elmosoftware/eventprotocol/transport/topology"
)

// DerivedEnv is the environment of a derived topology.
const DerivedEnv = "local"

// derive returns the topology of a service on mem://: a domain for every
// domain of the catalogue's event types and of the handled ones, and the
// service consuming the handled events and accepting the handled commands
// (no queue when it handles nothing).
func derive(name string, cat *schema.Catalog, handled []registration) (*topology.Topology, error) {
	t := &topology.Topology{Env: DerivedEnv}
	types := catalogTypes(cat)
	svc := topology.Service{Name: name}
	for _, r := range handled {
		typ, err := naming.ParseType(r.eventType)
		if err != nil {
			return nil, err
		}
		types = append(types, typ)
		if cat.IsCommand(typ) { // its commands come to its queue alone
			svc.Accepts = append(svc.Accepts, r.eventType)
		} else {
			svc.Consumes = append(svc.Consumes, r.eventType)
		}
	}
	t.Org = orgOf(types)
	var domains []string
	for _, typ := range types {
		if !slices.Contains(domains, typ.Domain()) {
			domains = append(domains, typ.Domain())
		}
	}
	slices.Sort(domains)
	for _, d := range domains {
		t.Domains = append(t.Domains, topology.Domain{Name: d})
	}
	if len(svc.Consumes)+len(svc.Accepts) > 0 {
		t.Services = []topology.Service{svc}
	}
	return t, t.Validate()
}

// orgOf returns the organisation of the event types: the first that is
// not naming.DefaultOrg, else "" (the default). Validate refuses a
// topology whose types are of several.
func orgOf(types []naming.Type) string {
	for _, typ := range types {
		if typ.Org() != naming.DefaultOrg {
			return typ.Org()
		}
	}
	return ""
}

// catalogTypes returns the event types of the catalogue's schemas.
func catalogTypes(cat *schema.Catalog) []naming.Type {
	var types []naming.Type
	for _, sc := range cat.Schemas() {
		types = append(types, sc.ID().Type)
	}
	return types
}
