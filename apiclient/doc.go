// Package apiclient is a typed client for the user API of Pieces OS, the
// local service of Pieces, as described in ../shared/pieces-os-reference.md.
//
// The REST half offers:
//
//   - the models (UserProfile, ReturnedUserProfile, Users, OAuthToken,
//     Auth0User, UserBetaStatus and every nested type) with the SDK's wire
//     names; unknown fields are ignored, and decoding rejects a missing
//     required field at any nesting level (DecodeProfile, Validate);
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
// The stream half (DecodeFrame, Follower) follows /user/stream.
package apiclient
