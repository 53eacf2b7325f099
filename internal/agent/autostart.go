package agent

import (
	"log/slog"

	"piecestray/internal/autostart"
	"piecestray/tray"
)

// startAtLogin is the tray's "Start at login" on internal/autostart.
type startAtLogin struct {
	env autostart.Env
	log *slog.Logger
}

// newStartAtLogin returns the tray's start-at-login setting, or nil (no
// menu item) when the home directory is unknown.
func newStartAtLogin(logger *slog.Logger) tray.Autostart {
	env, err := autostart.SystemEnv()
	if err != nil {
		logger.Warn("start at login is not offered", "err", err)
		return nil
	}
	return startAtLogin{env: env, log: logger}
}

// Enabled reports whether an entry starts Pieces Tray at login.
func (s startAtLogin) Enabled() bool {
	st, err := autostart.Get(s.env)
	if err != nil {
		s.log.Debug("could not read the start-at-login entry", "err", err)
	}
	return err == nil && st.Enabled
}

// SetEnabled writes or removes the entry; it names this binary, which must
// be an installed one.
func (s startAtLogin) SetEnabled(on bool) error {
	if !on {
		return autostart.Disable(s.env)
	}
	exe, err := autostart.Executable()
	if err != nil {
		return err
	}
	return autostart.Enable(s.env, exe)
}
