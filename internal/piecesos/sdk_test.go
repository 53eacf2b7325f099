package piecesos

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"piecestray/internal/scriptbrowser"
)

// The official TypeScript SDK checks the simulator's OSApi answers. It is
// installed into the repository's gitignored .cache/npm by `make deps`
// (sdkInstall), or by the test itself when missing.
const (
	sdkPackage = "@pieces.app/pieces-os-client@4.1.0"
	sdkCache   = ".cache/npm" // in the repository root
)

// sdkInstall is the install command, run in the repository root by make deps.
var sdkInstall = []string{"npm", "install", "--prefix", sdkCache, "--no-audit", "--no-fund",
	"--ignore-scripts", "--no-package-lock", sdkPackage}

// sdkCheck calls the simulator through the SDK's OSApi and checks each
// answer with the SDK's own model functions: instanceOf* for the model and
// its nested required models, and that converting it FromJSON and back
// ToJSON keeps every field sent (wire names the SDK knows).
const sdkCheck = `
const sdk = require(process.env.SDK_DIR);
const api = new sdk.OSApi(new sdk.Configuration({ basePath: process.env.BASE }));
const problems = [];
function paths(v, p, out) {
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    for (const k of Object.keys(v)) paths(v[k], p + '/' + k, out);
  } else out.add(p);
  return out;
}
function keepsFields(what, raw, back) {
  const have = paths(back, '', new Set());
  for (const p of paths(raw, '', new Set())) if (!have.has(p)) problems.push(what + ': the SDK drops ' + p);
}
function checkProfile(what, p) {
  const checks = [
    ['UserProfile', p], ['Aesthetics', p.aesthetics], ['Theme', p.aesthetics && p.aesthetics.theme],
    ['Font', p.aesthetics && p.aesthetics.font],
  ];
  if (p.allocation) checks.push(['AllocationCloud', p.allocation], ['AllocationCloudStatus', p.allocation.status],
    ['AllocationCloudUrls', p.allocation.urls], ['AllocationCloudUrl', p.allocation.urls && p.allocation.urls.base],
    ['AllocationCloudUrl', p.allocation.urls && p.allocation.urls.id]);
  if (p.auth0) checks.push(['Auth0UserMetadata', p.auth0]);
  if (p.auth0 && p.auth0.allocation) checks.push(['Auth0UserAllocationMetadata', p.auth0.allocation]);
  for (const t of ['created', 'updated']) if (p[t]) checks.push(['GroupedTimestamp', p[t]]);
  for (const [model, v] of checks) {
    if (!v || !sdk['instanceOf' + model](v)) problems.push(what + ': not a valid ' + model + ': ' + JSON.stringify(v));
  }
}
(async () => {
  const inResp = await api.signIntoOSRaw();
  const inRaw = await inResp.raw.clone().json();
  const profile = await inResp.value();
  checkProfile('sign_into_os', profile);
  keepsFields('sign_into_os', inRaw, sdk.UserProfileToJSON(sdk.UserProfileFromJSON(inRaw)));
  if (profile.email !== process.env.EMAIL) problems.push('sign_into_os: email ' + profile.email);

  const outResp = await api.signOutOfOSRaw();
  const outRaw = await outResp.raw.clone().json();
  const users = await outResp.value();
  if (!sdk.instanceOfUsers(users) || !Array.isArray(users.iterable) || users.iterable.length !== 1) {
    problems.push('sign_out_of_os: not the Users with the signed-out user: ' + JSON.stringify(outRaw));
  } else {
    users.iterable.forEach((u, i) => checkProfile('sign_out_of_os iterable[' + i + ']', u));
  }
  keepsFields('sign_out_of_os', outRaw, sdk.UsersToJSON(sdk.UsersFromJSON(outRaw)));
  if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
  console.log('the SDK accepts sign_into_os and sign_out_of_os');
})().catch(e => { console.error(e && e.stack || e); process.exit(1); });
`

// sdkDir returns the installed SDK package, installing it when missing.
// Without node or npm the test is skipped, except under CI.
func sdkDir(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; CI needs it for the SDK check (make deps)", tool)
			}
			t.Skipf("%s is not installed: the official SDK check is skipped", tool)
		}
	}
	root, err := filepath.Abs("../..") // from this package's directory
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, sdkCache, "node_modules", "@pieces.app", "pieces-os-client")
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
		return dir
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sdkInstall[0], sdkInstall[1:]...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install the SDK (%q in %s): %v\n%s", sdkInstall, root, err, out)
	}
	return dir
}

// TestOfficialSDKAcceptsOSApi: the official TypeScript SDK's OSApi signs in
// through the simulator (the browser scripted) and out again, and its model
// functions accept both answers.
func TestOfficialSDKAcceptsOSApi(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the SDK check runs on Linux, with Debian's node; the Windows lane has none")
	}
	dir := sdkDir(t)
	b := newBrowser(visit("grace@example.com", scriptbrowser.Approve))
	s, _ := startSignInPair(t, Config{OpenBrowser: b.open})
	script := filepath.Join(t.TempDir(), "check.js")
	if err := os.WriteFile(script, []byte(sdkCheck), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), waitLong)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(), "SDK_DIR="+dir, "BASE="+s.URL(), "EMAIL=grace@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the official SDK refused the answers: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
