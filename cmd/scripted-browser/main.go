// Command scripted-browser completes an internal/auth0sim sign-in the way a
// person in a browser would. Name it in $BROWSER to drive the agent's
// sign-in in tests and benchmarks:
//
//	BROWSER=scripted-browser scripts/demo.sh
//
// SCRIPTED_BROWSER_EMAIL (default ada@example.com) and SCRIPTED_BROWSER_ACTION
// (none, approve or deny; default none) choose what it does. URLs that are not
// sign-in pages (such as NAME.pieces.cloud) are ignored.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"piecestray/internal/scriptbrowser"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: scripted-browser URL")
		os.Exit(2)
	}
	u := os.Args[1]
	if !strings.Contains(u, "/authorize?") {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), scriptbrowser.Timeout)
	defer cancel()
	if err := scriptbrowser.Visit(ctx, u, os.Getenv("SCRIPTED_BROWSER_EMAIL"), os.Getenv("SCRIPTED_BROWSER_ACTION")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
