// Command pieces-tray keeps a person's Pieces account in view from the system
// tray: it signs them in to their local Pieces OS, keeps the session in the
// OS keyring, and shows the live user. Its subcommands (status, sign-in,
// window, autostart, doctor) are listed by usage, `pieces-tray help`.
//
// The Pieces OS simulator and its Auth0 stand-in are not part of it: `make
// demo` runs cmd/pieces-os-sim and points the agent at it. main only parses
// flags and hands over to internal/agent, internal/status and
// internal/windowcmd.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"piecestray/internal/agent"
	"piecestray/internal/autostart"
	"piecestray/internal/control"
	"piecestray/internal/doctor"
	"piecestray/internal/status"
	"piecestray/internal/windowcmd"
)

// rsrc_windows_amd64.syso gives pieces-tray.exe its icon, its name in
// Explorer and Task Manager, and a manifest (a GUI program, per-monitor DPI
// aware). Regenerate it when assets/icon.png changes:
//
//go:generate go run github.com/tc-hib/go-winres@v0.3.3 simply --arch amd64 --manifest gui --icon assets/icon.png --product-name "Pieces Tray" --file-description "Pieces Tray" --original-filename pieces-tray.exe

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	attachConsole()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	name, cmd := "pieces-tray", runAgent
	if len(args) > 0 {
		switch args[0] {
		case "autostart":
			return autostart.Run(args[1:], stdout, stderr)
		case "help":
			usage(stdout)
			return 0
		case "window":
			os.Setenv(doctor.VersionEnv, version) // the doctor window compares it with the agent's
		}
		if c, ok := commands[args[0]]; ok {
			name, cmd, args = "pieces-tray "+args[0], c, args[1:]
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	runParsed := cmd(ctx, fs, stdout, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	return runParsed()
}

// A command defines its flags on fs and returns what runs once they are
// parsed, with its exit code.
type command func(ctx context.Context, fs *flag.FlagSet, stdout, stderr io.Writer) func() int

// commands are the subcommands that take flags; without one, pieces-tray
// runs the agent.
var commands = map[string]command{
	"status":  runStatus,
	"sign-in": runSignIn,
	"window":  runWindow,
	"doctor":  runDoctor,
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  pieces-tray [flags]            run the tray agent (a second launch opens the account window)
  pieces-tray status [--json]    who is signed in: exit 0 signed in, 1 signed out, 2 Pieces OS not running
  pieces-tray sign-in [--wait D] ask the running agent to open the sign-in page (waiting up to D for it)
  pieces-tray window NAME        open a window: account, vanity, beta, signout or doctor
  pieces-tray autostart on|off|status   start at login, or not
  pieces-tray doctor [--json]    what is wrong? one line per link, each with the fix: exit 0 all well, 1 a problem

Run "pieces-tray --help" for the agent's flags.
`)
}

func runAgent(ctx context.Context, fs *flag.FlagSet, stdout, stderr io.Writer) func() int {
	opts := agent.Options{Version: version}
	showVersion := fs.Bool("version", false, "print the version and exit")
	agent.RegisterFlags(fs, &opts, os.Getenv)
	fs.Usage = func() {
		usage(stderr)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return func() int {
		if *showVersion {
			fmt.Fprintln(stdout, "pieces-tray", version)
			return 0
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "pieces-tray: unknown command %q\n", fs.Arg(0))
			usage(stderr)
			return 2
		}
		detachConsole()
		if err := agent.Run(ctx, opts); err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 1
		}
		return 0
	}
}

func runStatus(ctx context.Context, fs *flag.FlagSet, stdout, stderr io.Writer) func() int {
	var opts status.Options
	fs.BoolVar(&opts.JSON, "json", false, "print the state as JSON")
	fs.StringVar(&opts.PiecesOSURL, "pieces-os-url", os.Getenv("PIECES_OS_URL"), "Pieces OS base URL (default: discovered)")
	fs.StringVar(&opts.SocketPath, "socket", os.Getenv("PIECES_TRAY_SOCKET"), "the agent's control socket (default: per-user runtime directory)")
	return func() int { return status.Run(ctx, opts, stdout, stderr) }
}

func runSignIn(ctx context.Context, fs *flag.FlagSet, stdout, stderr io.Writer) func() int {
	socket := fs.String("socket", os.Getenv("PIECES_TRAY_SOCKET"), "the agent's control socket (default: per-user runtime directory)")
	wait := fs.Duration("wait", 0, "how long to wait for the agent to answer (for scripts that have just started it)")
	return func() int {
		if fs.NArg() > 0 {
			fmt.Fprintln(stderr, "usage: pieces-tray sign-in [--socket PATH] [--wait DURATION]")
			return 2
		}
		path, err := socketOrDefault(*socket)
		if err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 1
		}
		msg, err := agent.SignIn(ctx, path, *wait)
		if err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 1
		}
		fmt.Fprintln(stdout, msg)
		return 0
	}
}

// socketOrDefault is path, or the per-user default socket when it is "".
func socketOrDefault(path string) (string, error) {
	if path != "" {
		return path, nil
	}
	return control.DefaultSocketPath()
}

func runWindow(ctx context.Context, fs *flag.FlagSet, _, stderr io.Writer) func() int {
	socket := fs.String("socket", os.Getenv("PIECES_TRAY_SOCKET"), "the agent's control socket (default: per-user runtime directory)")
	return func() int {
		if fs.NArg() != 1 {
			fmt.Fprintln(stderr, "usage: pieces-tray window account|vanity|beta|signout|doctor")
			return 2
		}
		path, err := socketOrDefault(*socket)
		if err != nil {
			fmt.Fprintln(stderr, "pieces-tray:", err)
			return 1
		}
		return windowcmd.Run(ctx, fs.Arg(0), path)
	}
}

// runDoctor runs `pieces-tray doctor`: it takes the agent's flags, so that
// it checks what an agent started with them would use.
func runDoctor(ctx context.Context, fs *flag.FlagSet, stdout, stderr io.Writer) func() int {
	asJSON := fs.Bool("json", false, "print the report as JSON")
	var opts agent.Options
	agent.RegisterFlags(fs, &opts, os.Getenv)
	return func() int {
		env := doctor.DefaultEnv(os.Getenv)
		env.Version = version
		env.Discovery.URL = opts.PiecesOSURL
		env.SignIn = string(opts.SignIn)
		env.Auth = opts.Auth
		if opts.SocketPath != "" {
			env.SocketPath = opts.SocketPath
		}
		return doctor.Print(doctor.Run(ctx, env), *asJSON, stdout, stderr)
	}
}
