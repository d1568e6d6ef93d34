package memory

import "errors"

// ErrExists reports a subscription name that is already taken.
var ErrExists = errors.New("memory: subscription already exists")
