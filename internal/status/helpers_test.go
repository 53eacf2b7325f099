package status

import "piecestray/apiclient"

func signedInUser() *apiclient.UserProfile {
	return &apiclient.UserProfile{
		ID:         "u1",
		Aesthetics: &apiclient.Aesthetics{Theme: &apiclient.Theme{}, Font: &apiclient.Font{Size: 12}},
		Name:       "Ada Lovelace",
		Email:      "ada@example.com",
	}
}
