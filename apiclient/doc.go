// Package apiclient is a typed client for the user API of Pieces OS, the
// local service of Pieces, with the wire names and required fields of the
// Pieces OS SDKs (Python, Dart).
//
// The models' struct tags are the schema: the wire name, and
// `required:"true"` on the fields the SDKs require. As in the SDKs,
// required means present and not null at every nesting level (an empty
// string or a zero is a value), unknown fields are ignored, and an enum
// value this version does not know becomes UNKNOWN. A profile that fails
// those checks is an error that matches ErrUnreadableProfile.
//
// Client has one method per SDK operation of UserApi and UsersApi (except
// the stream) plus health and version; its failures are a *StatusError
// (see the Is* predicates) or a *NotRunningError. Discovery finds the port
// Pieces OS listens on. Follower follows WS /user/stream, whose text frames
// each carry one UserProfile, reconnecting with backoff.
package apiclient
