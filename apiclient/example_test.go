package apiclient_test

import (
	"context"
	"errors"
	"fmt"

	"piecestray/apiclient"
	"piecestray/internal/piecesos"
)

// Find Pieces OS, read who is signed in, and turn the documented failures
// into sentences.
func Example() {
	sim := piecesos.New(piecesos.Config{}) // stands in for Pieces OS
	if err := sim.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer sim.Close()
	ctx := context.Background()

	// In the app: apiclient.Discovery{URL: os.Getenv("PIECES_OS_URL")}.
	base, err := apiclient.Discovery{URL: sim.URL()}.Find(ctx)
	if errors.Is(err, apiclient.ErrNotRunning) {
		fmt.Println(err) // "Pieces OS is not running (tried 127.0.0.1:39300–39333 and 127.0.0.1:1000)"
		return
	}
	c := apiclient.New(base)
	defer c.CloseIdleConnections()

	snap, err := c.UserSnapshot(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("signed in:", snap.User != nil)

	_, err = c.UpdateVanity(ctx, &apiclient.UserProfile{
		ID:         "5f1c0b8e-2d4a-4c3e-9b6f-1a2b3c4d5e6f",
		Aesthetics: &apiclient.Aesthetics{Theme: &apiclient.Theme{}, Font: &apiclient.Font{Size: 12}},
		VanityName: "ada",
	})
	fmt.Println("not signed in:", apiclient.IsNotSignedIn(err))

	_, err = c.UserProviders(ctx)
	var se *apiclient.StatusError
	if errors.As(err, &se) {
		fmt.Println(se.StatusCode, se.Meaning())
	}
	// Output:
	// signed in: false
	// not signed in: true
	// 501 not available on a local Pieces OS
}

func ExampleValidVanityName() {
	for _, name := range []string{"Ada-Cloud", "-ada", "ada lovelace"} {
		if err := apiclient.ValidVanityName(name); err != nil {
			fmt.Printf("%q: %v\n", name, err)
			continue
		}
		fmt.Printf("%q: ok, stored as %q\n", name, apiclient.NormalizeVanityName(name))
	}
	// Output:
	// "Ada-Cloud": ok, stored as "ada-cloud"
	// "-ada": A vanity name cannot start or end with a hyphen
	// "ada lovelace": A vanity name can only contain letters, digits and hyphens
}
