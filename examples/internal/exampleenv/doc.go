// Package exampleenv sets up what the examples run on: the schema
// catalogue, and a transport (the in-memory broker, or SNS/SQS with a
// topology provisioned for the run and removed after it). It uses only the
// library's public API, as a service would.
package exampleenv
