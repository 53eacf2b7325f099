// Package authtest has hand-written fakes for tests of code that uses
// package auth: Store, an auth.Store kept in memory, and Keyring, a stand-in
// for the operating system keyring behind auth.NewKeyringStore (use it with
// auth.WithKeyring).
//
// Both are safe for concurrent use (unlike go-keyring's MockInit, which is
// an unsynchronised map) and can imitate what real keyrings do: refuse big
// items the way Windows and macOS do (WithSizeLimit, ForOS), fail with
// injected errors (SetErr), and hang the way a locked Secret Service with an
// unanswered unlock prompt does (Block, Unblock). They count calls per
// operation (Calls).
package authtest
