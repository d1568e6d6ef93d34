package snssqs

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzUnwrap: any body, never a panic; what is unwrapped came from a body
// with the notification's shape, and a pinned topic is respected.
func FuzzUnwrap(f *testing.F) {
	f.Add([]byte(`{"specversion":"1.0","id":"1"}`), "")
	f.Add([]byte(`{"Type":"Notification","MessageId":"m","TopicArn":"arn:t","Message":"{}","Timestamp":"t","SignatureVersion":"1","SigningCertURL":"u","UnsubscribeURL":"u","MessageAttributes":{"type":{"Type":"String","Value":"x"}}}`), "arn:t")
	f.Add([]byte(`{"Type":"Notification","TopicArn":"arn:t","Message":"{}"}`), "arn:other")
	f.Fuzz(func(t *testing.T, body []byte, pinned string) {
		var topics []string
		if pinned != "" {
			topics = []string{pinned}
		}
		inner, attrs, ok := unwrap(body, topics)
		if !ok {
			if inner != nil || attrs != nil {
				t.Fatal("a body that is not unwrapped returns nothing")
			}
			return
		}
		if !bytes.Contains(body, []byte(`"Notification"`)) {
			t.Fatalf("unwrapped a body that is no notification: %q", body)
		}
		if pinned != "" && !strings.Contains(string(body), "TopicArn") {
			t.Fatalf("unwrapped without a topic: %q", body)
		}
	})
}
