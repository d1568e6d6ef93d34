module github.com/elmosoftware/eventprotocol/internal/compare

go 1.26

require (
	github.com/ThreeDotsLabs/watermill v1.5.1
	github.com/cloudevents/sdk-go/v2 v2.16.2
	github.com/elmosoftware/eventprotocol v0.0.0
)

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/lithammer/shortuuid/v3 v3.0.7 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	github.com/oklog/ulid v1.3.1 // indirect
	github.com/pkg/errors v0.9.1 // indirect
)

replace github.com/elmosoftware/eventprotocol => ../..
