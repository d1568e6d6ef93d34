package process

import "errors"

// ErrNoInstance matches the refusal of a message that names no process
// instance: no correlationid, and no instance from Definition.Instance.
var ErrNoInstance = errors.New("process: the message names no process instance")
