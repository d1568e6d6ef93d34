package topology

import (
	"errors"
	"fmt"
	"slices"

	"github.com/elmosoftware/eventprotocol/naming"
)

// Owner returns the service that accepts a command type (its Accepts
// names it): commands go to it alone.
func (t *Topology) Owner(commandType string) (Service, bool) {
	for _, s := range t.Services {
		if slices.Contains(s.Accepts, commandType) {
			return s, true
		}
	}
	return Service{}, false
}

// Delivers reports whether a service's queue gets messages of a type: a
// command only when the service accepts it (no domain wildcard brings one,
// since commands go to their owner's queue alone), an event as
// Service.Receives says.
func (t *Topology) Delivers(s Service, eventType string) bool {
	if owner, ok := t.Owner(eventType); ok {
		return owner.Name == s.Name
	}
	return s.Receives(eventType)
}

// checkAccepts reports what is wrong with the services' Accepts: an entry
// that is not a command type with its major version, and a command two
// services accept.
func (t *Topology) checkAccepts() []error {
	var errs []error
	owners := map[string]string{}
	for _, s := range t.Services {
		for _, typ := range s.Accepts {
			if _, err := naming.ParseType(typ); err != nil {
				errs = append(errs, fmt.Errorf("service %q accepts %q: %w", s.Name, typ, err))
				continue
			}
			if other, dup := owners[typ]; dup {
				errs = append(errs, fmt.Errorf("command %s is accepted by %q and %q: a command has one owner", typ, other, s.Name))
				continue
			}
			owners[typ] = s.Name
		}
	}
	for _, s := range t.Services {
		for _, typ := range s.Requests {
			if _, ok := owners[typ]; !ok {
				errs = append(errs, fmt.Errorf("service %q requests %s, which no service accepts", s.Name, typ))
			}
		}
	}
	return errs
}

// errNothingReceived is a service that neither consumes, accepts nor
// requests.
var errNothingReceived = errors.New("consumes, accepts and requests nothing")
