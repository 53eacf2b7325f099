//go:build !darwin && !windows

package autostart

var system entrySystem = xdg{}
