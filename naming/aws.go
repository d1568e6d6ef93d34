package naming

import (
	"strconv"
)

// AWS limits on resource names.
const (
	// MaxQueueNameLen is the SQS limit on a queue name, including ".fifo".
	MaxQueueNameLen = 80
	// MaxTopicNameLen is the SNS limit on a topic name, including ".fifo".
	MaxTopicNameLen = 256
)

const fifoSuffix = ".fifo"

// AWSNames derives the names of the AWS resources of an environment:
//
//	SNS topic, one per domain:                <env>-<org>-<domain>-events
//	SQS queue, one per consuming service:     <env>-<org>-<service>
//	its dead-letter queue:                    <env>-<org>-<service>-dlq
//
// FIFO variants end in ".fifo". Names use only the characters AWS allows
// (letters, digits, '-' and '_') and stay within its length limits; a name
// that would not is an error, never silently shortened.
type AWSNames struct {
	// Env is the deployment environment, e.g. "prod" or "dev":
	// [a-z][a-z0-9]*, at most 16 characters. Required.
	Env string
	// Org is the organisation; empty means DefaultOrg.
	Org string
}

// Topic returns the SNS topic name of a domain.
func (n AWSNames) Topic(domain string, fifo bool) (string, error) {
	if domain == "" {
		return "", newError(ErrInvalidAWSName, "", "domain", "is required")
	}
	name := n.Env + "-" + n.org() + "-" + domain + "-events"
	if err := n.check(name, domain); err != nil {
		return "", err
	}
	return finish(name, fifo, MaxTopicNameLen)
}

// Queue returns the SQS queue name of a consuming service; the queue is
// subscribed to every domain topic the service needs. It also checks that
// the queue's dead-letter queue name fits the limit.
func (n AWSNames) Queue(service string, fifo bool) (string, error) {
	if _, err := n.DeadLetterQueue(service, fifo); err != nil {
		return "", err
	}
	return finish(n.Env+"-"+n.org()+"-"+service, fifo, MaxQueueNameLen)
}

// DeadLetterQueue returns the name of the dead-letter queue of the queue
// that Queue names for the same arguments.
func (n AWSNames) DeadLetterQueue(service string, fifo bool) (string, error) {
	name := n.Env + "-" + n.org() + "-" + service + "-dlq"
	if err := n.check(name, ""); err != nil {
		return "", err
	}
	if !isKebab(service) || len(service) > maxServiceLen {
		return "", newError(ErrInvalidAWSName, name, "service name "+strconv.Quote(service), ruleService)
	}
	return finish(name, fifo, MaxQueueNameLen)
}

// Check reports whether Env and Org can start resource names: an error
// matching ErrInvalidAWSName names the one that cannot.
func (n AWSNames) Check() error {
	switch {
	case !isEnv(n.Env):
		return newError(ErrInvalidAWSName, n.Env, "env", "must be [a-z][a-z0-9]* of at most 16 characters")
	case !isSnake(n.org()):
		return newError(ErrInvalidAWSName, n.org(), "org", ruleSnake)
	}
	return nil
}

func (n AWSNames) org() string {
	if n.Org == "" {
		return DefaultOrg
	}
	return n.Org
}

// check checks the environment, the organisation and, unless empty, the
// domain.
func (n AWSNames) check(name, domain string) error {
	switch {
	case !isEnv(n.Env):
		return newError(ErrInvalidAWSName, name, "env "+strconv.Quote(n.Env), "must be [a-z][a-z0-9]* of at most 16 characters")
	case !isSnake(n.org()):
		return newError(ErrInvalidAWSName, name, "org "+strconv.Quote(n.org()), ruleSnake)
	case domain != "" && !isSnake(domain):
		return newError(ErrInvalidAWSName, name, "domain "+strconv.Quote(domain), ruleSnake)
	}
	return nil
}

func finish(name string, fifo bool, limit int) (string, error) {
	if fifo {
		name += fifoSuffix
	}
	if len(name) > limit {
		return "", newError(ErrInvalidAWSName, name, "", "must be at most "+strconv.Itoa(limit)+" characters long")
	}
	return name, nil
}

func isEnv(s string) bool {
	if s == "" || len(s) > 16 || !isLower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isLower(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}
