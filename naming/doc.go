// Package naming parses, validates and builds the names of the ELMO event
// protocol. It is a leaf package: it imports only the standard library, and
// every other package of the module uses it.
//
// # Names
//
//   - [Type]: an event type, <org>.<domain>.<entity>.<action>.v<major>,
//     for example elmo.leave.balance.adjusted.v1.
//   - [Source]: the producing service, urn:<org>:service:<service-name>.
//   - [ERN]: an ELMO Resource Name, the global identifier of a business
//     entity, ern:<org>:<domain>:<tenant-id>:<resource-type>/<resource-id>.
//   - Extension attribute names ([ValidateExtensionName]) and enumeration
//     values ([ValidateEnumValue]).
//   - AWS resource names derived from the others ([AWSNames]): one SNS topic
//     per domain, one SQS queue per consuming service, a
//     dead-letter queue per queue.
//
// [Type], [Source] and [ERN] are comparable value types: they can be map keys
// and compared with ==. Each has Parse, MustParse, String and the
// encoding.TextMarshaler pair, so they marshal as JSON strings. For every
// valid name s, Parse(s).String() == s, and for every value x built by a
// constructor, Parse(x.String()) == x.
//
// # Errors
//
// Every parse or build error is a [*Error] that names the kind of name, the
// input, the part that is wrong and the rule it breaks. It matches one of the
// sentinel errors ([ErrInvalidType], [ErrInvalidSource], [ErrInvalidERN],
// [ErrInvalidExtensionName], [ErrInvalidEnumValue], [ErrInvalidAWSName],
// [ErrNotPastTense])
// with errors.Is.
//
// # Segments
//
// The org, domain, entity and action segments, and an ERN's resource type,
// are lowercase snake_case: [a-z][a-z0-9]*(_[a-z0-9]+)*. The organisation is
// not fixed: [DefaultOrg] is "elmo", and callers that serve another
// organisation pass theirs where a constructor or a check asks for one.
//
// # Past tense
//
// An event states a fact, so the action of a [Type] starts with a verb in
// the past tense, optionally followed by particles or objects: signed_up,
// adjusted, repaid, written_off. This is a convention for producers, not a
// rule of the wire: [ParseType] accepts any snake_case action, so a consumer
// never refuses an event over a word, and an organisation that teaches the
// recogniser a word changes no compatibility. [PastTense] checks the
// convention (lint and strict validation use it): it knows regular -ed
// forms, a list of irregular forms ([IrregularPastTense]) and those behind
// verb prefixes (re-, over-, under-, with-, ...), and takes an
// organisation's own words in [PastTense.Words]. Its error names the word.
package naming
