//go:build darwin || windows

package tray

import (
	"context"
	"log/slog"
	"time"
)

// keepRegistered has nothing to do on macOS and Windows: the system owns
// the tray.
func keepRegistered(ctx context.Context, log *slog.Logger, grace time.Duration, noHost func()) {}
