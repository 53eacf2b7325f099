package autostart

import (
	"errors"
	"strings"

	"golang.org/x/sys/windows/registry"
)

var system entrySystem = runKey{}

// runKey is the per-user Run key of Windows, whose values Explorer starts at
// login.
type runKey struct{}

const (
	runPath  = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValue = "Pieces Tray"
)

func (runKey) enable(_ Env, exe string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, runPath, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(runValue, `"`+exe+`"`)
}

func (runKey) disable(Env) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, runPath, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(runValue); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func (runKey) get(Env) (Status, error) {
	where := `HKCU\` + runPath + `\` + runValue
	k, err := registry.OpenKey(registry.CURRENT_USER, runPath, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return Status{Where: where}, nil
	}
	if err != nil {
		return Status{}, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(runValue)
	if errors.Is(err, registry.ErrNotExist) {
		return Status{Where: where}, nil
	}
	if err != nil {
		return Status{}, err
	}
	return Status{Enabled: true, Command: strings.Trim(v, `"`), Where: where}, nil
}
