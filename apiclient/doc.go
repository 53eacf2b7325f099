// Package apiclient is a typed client for the user API of Pieces OS, the
// local service of Pieces, with the wire names and required fields of the
// Pieces OS SDKs (Python, Dart).
//
// The REST half offers:
//
//   - the models (UserProfile, ReturnedUserProfile, Users, OAuthToken,
//     Auth0User, UserBetaStatus and every nested type). Their struct tags
//     are the schema: the wire name, and `required:"true"` on the fields the
//     SDKs require. Decoding is one json.Unmarshal per body plus a check of
//     the required fields at every nesting level: as in the SDKs, required
//     means present and not null (an empty string or a zero is a value);
//     unknown fields are ignored, and an enum value this version does not
//     know becomes UNKNOWN. A profile that fails that check (a required
//     field missing, a value of the wrong kind) is an error that matches
//     ErrUnreadableProfile;
//   - Client, with one method per SDK operation of UserApi and UsersApi
//     (except the stream) plus health and version. Every call takes a
//     context, has a timeout when the context has none, and reads the answer
//     through a size limit;
//   - errors: a *StatusError carries the SDK operation, the status and a
//     short body and reads as a sentence; predicates such as IsNotSignedIn
//     and IsVanityTaken give the documented meanings; a request that cannot
//     reach Pieces OS fails with a *NotRunningError (errors.Is ErrNotRunning);
//   - Discovery, which finds the port Pieces OS listens on by probing
//     127.0.0.1:39300–39333 in parallel, then the legacy port 1000, unless an
//     explicit URL is given;
//   - ValidVanityName and NormalizeVanityName for personal cloud names.
//
// The stream half follows WS /user/stream, whose text frames each carry one
// UserProfile (an empty frame, whitespace or JSON null: nobody is signed in).
// DecodeFrame decodes one frame. Follower finds Pieces OS, reads GET /user
// after every connect, follows the stream, reconnects with backoff, and
// reports each status and profile change as a StreamUpdate; a profile this
// version cannot read is reported as a live update whose Err matches
// ErrUnreadableProfile, and the next frame tries again.
package apiclient
