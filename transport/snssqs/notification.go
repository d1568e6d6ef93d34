package snssqs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
)

// notificationKeys are the members an SNS notification may have. A body
// with any other member, or without one of the required ones, is not
// unwrapped.
var (
	notificationKeys = []string{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
		"SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes",
		"SequenceNumber", "MessageGroupId", "MessageDeduplicationId"}
	notificationRequired = []string{"Type", "MessageId", "TopicArn", "Message", "Timestamp",
		"SignatureVersion", "SigningCertURL", "UnsubscribeURL"}
)

type notification struct {
	Type              string
	TopicArn          string
	Message           string
	MessageAttributes map[string]struct {
		Type  string
		Value string
	}
}

// unwrap returns the message inside an SNS notification body (a
// subscription without raw message delivery) and its string attributes. It
// reports false for any other body, which is then read as it is. A body
// is a notification only with the whole shape SNS writes, and, when
// topics is not empty, only from one of those topic ARNs: a sender cannot
// dress a message up as a notification from elsewhere.
func unwrap(body []byte, topics []string) ([]byte, map[string]string, bool) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || !bytes.Contains(b, []byte(`"Notification"`)) {
		return nil, nil, false // cheap exit for the usual raw envelope
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return nil, nil, false
	}
	for k := range members {
		if !slices.Contains(notificationKeys, k) {
			return nil, nil, false
		}
	}
	for _, k := range notificationRequired {
		if _, ok := members[k]; !ok {
			return nil, nil, false
		}
	}
	var n notification
	if err := json.Unmarshal(b, &n); err != nil || n.Type != "Notification" || n.TopicArn == "" {
		return nil, nil, false
	}
	if len(topics) > 0 && !slices.Contains(topics, n.TopicArn) {
		return nil, nil, false
	}
	attrs := make(map[string]string, len(n.MessageAttributes))
	for k, v := range n.MessageAttributes {
		switch v.Type {
		case "Binary": // base64 in the notification
			if b, err := base64.StdEncoding.DecodeString(v.Value); err == nil {
				attrs[k] = string(b)
			} else {
				attrs[k] = v.Value
			}
		default: // String, Number, String.Array, or a custom type like String.x
			attrs[k] = v.Value
		}
	}
	return []byte(n.Message), attrs, true
}
