package autostart

var system entrySystem = launchAgent{}
