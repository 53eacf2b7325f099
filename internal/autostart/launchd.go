package autostart

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// launchAgent is the per-user LaunchAgent of macOS, loaded by launchd at
// login (RunAtLoad).
type launchAgent struct{}

func (launchAgent) path(env Env) string {
	return filepath.Join(env.Home, "Library", "LaunchAgents", AppID+".plist")
}

func (l launchAgent) enable(env Env, exe string) error {
	var esc strings.Builder
	if err := xml.EscapeText(&esc, []byte(exe)); err != nil {
		return err
	}
	plist := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>%s</string>
	<key>ProgramArguments</key>
	<array>
		<string>%s</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`, AppID, esc.String())
	return writeFile(l.path(env), []byte(plist))
}

func (l launchAgent) disable(env Env) error { return removeFile(l.path(env)) }

func (l launchAgent) get(env Env) (Status, error) {
	path := l.path(env)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Status{Where: path}, nil
	}
	if err != nil {
		return Status{}, err
	}
	// The first <string> of ProgramArguments' array is the program.
	var doc struct {
		Dict struct {
			Array struct {
				Strings []string `xml:"string"`
			} `xml:"array"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return Status{}, fmt.Errorf("read %s: %w", path, err)
	}
	st := Status{Enabled: true, Where: path}
	if s := doc.Dict.Array.Strings; len(s) > 0 {
		st.Command = s[0]
	}
	return st, nil
}
