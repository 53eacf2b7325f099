package auth

// WithVerifierTamper changes the PKCE verifier sent with the code exchange
// (tests: the server must reject a wrong one, and the logging test learns
// the verifier to look for it in the logs).
func WithVerifierTamper(f func(string) string) SignerOption {
	return func(s *Signer) { s.tamperVerifier = f }
}
