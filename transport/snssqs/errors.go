package snssqs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/elmosoftware/eventprotocol/transport/driver"
)

// contractError adds to an SQS or SNS error the driver's sentinel of its
// meaning, so that the portable layer can act on it: a receipt handle that
// names no current delivery (driver.ErrInvalidHandle), a queue or topic
// that does not exist (driver.ErrNotFound). Other errors are returned as
// they are.
func contractError(err error) error {
	if err == nil {
		return nil
	}
	code, msg := errorCode(err)
	switch {
	case invalidHandle(code, msg):
		return fmt.Errorf("%w: %w", driver.ErrInvalidHandle, err)
	case isNotFound(err):
		return fmt.Errorf("%w: %w", driver.ErrNotFound, err)
	}
	return err
}

// errorCode returns the service's error code and message, if any.
func errorCode(err error) (code, msg string) {
	var ee *EntryError
	var api smithy.APIError
	switch {
	case errors.As(err, &ee):
		return ee.Code, ee.Message
	case errors.As(err, &api):
		return api.ErrorCode(), api.ErrorMessage()
	}
	return "", ""
}

// invalidHandle reports the codes and messages by which SQS and the test
// servers refuse a receipt handle: ReceiptHandleIsInvalid,
// MessageNotInflight, an InvalidParameterValue about the ReceiptHandle,
// or GoAws's "Message not found".
func invalidHandle(code, msg string) bool {
	c, m := strings.ToLower(code), strings.ToLower(msg)
	return strings.Contains(c, "receipthandle") || strings.Contains(c, "messagenotinflight") ||
		(strings.Contains(c, "invalidparametervalue") && strings.Contains(m, "receipthandle")) ||
		strings.Contains(m, "message not found")
}
