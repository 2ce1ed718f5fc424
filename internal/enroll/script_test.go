package enroll

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var scriptParams = Params{LoginServer: "https://hs.example.com:8443/hs", AuthKey: "hskey-auth-abc_DEF-123", Hostname: "web-01"}

func TestScriptRenders(t *testing.T) {
	for _, tc := range []struct {
		os, contentType, upLine string
	}{
		{"linux", ContentTypeShell, "\t$SUDO tailscale up '--login-server=https://hs.example.com:8443/hs' '--authkey=hskey-auth-abc_DEF-123' '--hostname=web-01' </dev/null\n"},
		{"proxmox", ContentTypeShell, "\t$SUDO tailscale up '--login-server=https://hs.example.com:8443/hs' '--authkey=hskey-auth-abc_DEF-123' '--hostname=web-01' </dev/null\n"},
		{"macos", ContentTypeShell, "\t\"$ts\" up '--login-server=https://hs.example.com:8443/hs' '--authkey=hskey-auth-abc_DEF-123' '--hostname=web-01' </dev/null\n"},
		{"windows", ContentTypePowerShell, "\n& 'C:\\Program Files\\Tailscale\\tailscale.exe' up --unattended '--login-server=https://hs.example.com:8443/hs' '--authkey=hskey-auth-abc_DEF-123' '--hostname=web-01'\n"},
	} {
		body, ct, err := Script(scriptParams, tc.os)
		if err != nil {
			t.Fatalf("Script(%s): %v", tc.os, err)
		}
		if ct != tc.contentType {
			t.Errorf("Script(%s) content type %q, want %q", tc.os, ct, tc.contentType)
		}
		// The key is in the tailscale up line and nowhere else.
		if n := strings.Count(body, scriptParams.AuthKey); n != 1 {
			t.Errorf("Script(%s) holds the key %d times, want once", tc.os, n)
		}
		if !strings.Contains(body, tc.upLine) {
			t.Errorf("Script(%s) lacks the line %q:\n%s", tc.os, tc.upLine, body)
		}
		for _, ph := range []string{"@LOGIN_SERVER@", "@UP_ARGS@", "@HOSTNAME_NOTE@"} {
			if strings.Contains(body, ph) {
				t.Errorf("Script(%s) left the placeholder %s", tc.os, ph)
			}
		}
		for _, line := range strings.Split(body, "\n") {
			l := strings.TrimSpace(line)
			// Nothing that prints may carry the key, and no tracing.
			if (strings.HasPrefix(l, "say ") || strings.HasPrefix(l, "echo ") || strings.HasPrefix(l, "Write-Host ")) &&
				strings.Contains(l, scriptParams.AuthKey) {
				t.Errorf("Script(%s) prints the key: %q", tc.os, l)
			}
			if strings.Contains(l, "set -x") || strings.Contains(l, "Set-PSDebug") {
				t.Errorf("Script(%s) traces commands: %q", tc.os, l)
			}
		}
		if tc.contentType == ContentTypeShell {
			if !strings.HasPrefix(body, "#!/bin/sh\n") || !strings.Contains(body, "\nset -eu\n") || !strings.HasSuffix(body, "\nmain \"$@\"\n") {
				t.Errorf("Script(%s) is not a set -eu sh script ending in main:\n%s", tc.os, body)
			}
		}
	}

	// Without a hostname there is no --hostname.
	p := scriptParams
	p.Hostname = ""
	body, _, err := Script(p, "linux")
	if err != nil || strings.Contains(body, "--hostname") || !strings.Contains(body, "'--authkey=hskey-auth-abc_DEF-123' </dev/null\n") {
		t.Errorf("Script without a hostname: %v\n%s", err, body)
	}
}

// Every sh script parses in the shells a machine may have.
func TestScriptSyntax(t *testing.T) {
	shells := [][]string{{"/bin/sh", "-n"}}
	for _, sh := range [][]string{{"dash", "-n"}, {"bash", "--posix", "-n"}, {"busybox", "sh", "-n"}} {
		if path, err := exec.LookPath(sh[0]); err == nil {
			shells = append(shells, append([]string{path}, sh[1:]...))
		}
	}
	for _, osName := range []string{"linux", "macos"} {
		body, _, err := Script(scriptParams, osName)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), osName+".sh")
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, sh := range shells {
			if out, err := exec.Command(sh[0], append(sh[1:], file)...).CombinedOutput(); err != nil {
				t.Errorf("%s %s: %v\n%s", strings.Join(sh, " "), osName, err, out)
			}
		}
	}
}

func TestScriptRefuses(t *testing.T) {
	for name, p := range map[string]Params{
		"key with quote":        {LoginServer: "https://hs.example.com", AuthKey: "hskey-auth-'$(id)'"},
		"short key":             {LoginServer: "https://hs.example.com", AuthKey: "k"},
		"hostname with shell":   {LoginServer: "https://hs.example.com", AuthKey: "hskey-auth-abcdefgh", Hostname: "a;reboot"},
		"server with shell":     {LoginServer: "https://hs.example.com/$(id)", AuthKey: "hskey-auth-abcdefgh"},
		"server not a URL":      {LoginServer: "hs.example.com", AuthKey: "hskey-auth-abcdefgh"},
		"server with a quote ’": {LoginServer: "https://hs.example.com/’;calc", AuthKey: "hskey-auth-abcdefgh"},
		"server with a comma":   {LoginServer: "https://hs.example.com/a,b", AuthKey: "hskey-auth-abcdefgh"},
		"server with parens":    {LoginServer: "https://hs.example.com/(calc)", AuthKey: "hskey-auth-abcdefgh"},
		"server with a query":   {LoginServer: "https://hs.example.com/?x=1", AuthKey: "hskey-auth-abcdefgh"},
		"server with userinfo":  {LoginServer: "https://u@hs.example.com", AuthKey: "hskey-auth-abcdefgh"},
	} {
		for _, osName := range ScriptOSes {
			if body, _, err := Script(p, osName); !errors.Is(err, ErrInvalid) || body != "" {
				t.Errorf("%s: Script(%s) = %v, want ErrInvalid and no script", name, osName, err)
			}
		}
	}
	if _, _, err := Script(scriptParams, "plan9"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Script(plan9) = %v, want ErrInvalid", err)
	}
	for _, server := range []string{"http://127.0.0.1:8080", "https://[fd7a:115c::1]:443/base/path", "https://hs.example.com"} {
		if _, _, err := Script(Params{LoginServer: server, AuthKey: "hskey-auth-abcdefgh"}, "windows"); err != nil {
			t.Errorf("Script with login server %s: %v", server, err)
		}
	}
}

// stubs makes a directory of stand-in commands that log their arguments
// to log, plus links to the real tools the script needs, and returns it.
func stubs(t *testing.T, log string, tailscale bool, links ...string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	record := `echo "$(basename "$0") $*" >>` + log + "\n"
	tsStub := `echo "$@" >` + filepath.Join(dir, "tailscale-args") + "\n"
	if tailscale {
		write("tailscale", tsStub)
	}
	write("id", "echo 0\n")
	for _, name := range []string{"cp", "chmod", "mkdir", "sleep", "systemctl"} {
		write(name, record)
	}
	write("curl", record+"echo data\n")
	// apt-get install puts the tailscale stub in place.
	write("apt-get", record+`if [ "$1" = install ]; then printf '#!/bin/sh\n%s' '`+tsStub+`' >`+filepath.Join(dir, "tailscale")+
		"; chmod 755 "+filepath.Join(dir, "tailscale")+"; fi\n")
	for _, name := range append(links, "mktemp", "rm", "env", "basename", "sh") {
		path, err := exec.LookPath(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(path, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	// The stub chmod is a recorder: make it real for apt-get's stub.
	if err := os.Remove(filepath.Join(dir, "chmod")); err != nil {
		t.Fatal(err)
	}
	write("chmod", record+`/bin/chmod "$@" 2>/dev/null || true`+"\n")
	return dir
}

// The Linux script run as a shell runs it from a pipe (curl … | sh, and
// Exec with sh -s): with tailscale installed, it runs tailscale up with the
// flags, one argument each.
func TestLinuxScriptRuns(t *testing.T) {
	body, _, err := Script(scriptParams, "linux")
	if err != nil {
		t.Fatal(err)
	}
	shells := [][]string{{"/bin/sh", "-s"}}
	if bb, err := exec.LookPath("busybox"); err == nil {
		shells = append(shells, []string{bb, "sh", "-s"}) // ash, as in small containers
	}
	for _, sh := range shells {
		log := filepath.Join(t.TempDir(), "log")
		dir := stubs(t, log, true)
		cmd := exec.Command(sh[0], sh[1:]...)
		cmd.Env = []string{"PATH=" + dir}
		cmd.Stdin = strings.NewReader(body)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", sh, err, out)
		}
		args, _ := os.ReadFile(filepath.Join(dir, "tailscale-args"))
		if want := "up --login-server=https://hs.example.com:8443/hs --authkey=hskey-auth-abc_DEF-123 --hostname=web-01\n"; string(args) != want {
			t.Errorf("%s: tailscale ran with %q, want %q", sh, args, want)
		}
		if strings.Contains(string(out), scriptParams.AuthKey) {
			t.Errorf("%s: the script printed the key:\n%s", sh, out)
		}
		if !strings.Contains(string(out), "neoconsole: joining the tailnet at https://hs.example.com:8443/hs as web-01") {
			t.Errorf("%s: the script said:\n%s", sh, out)
		}
	}
}

// Without tailscale, on this machine's distribution, the script takes the
// pkgs.tailscale.com repository (Debian and Ubuntu) and then brings the
// machine up.
func TestLinuxScriptInstalls(t *testing.T) {
	rel := osRelease(t)
	like := " " + rel["ID"] + " " + rel["ID_LIKE"] + " "
	distro, codename := "", rel["VERSION_CODENAME"]
	switch {
	case strings.Contains(like, " ubuntu "):
		distro = "ubuntu"
		if c := rel["UBUNTU_CODENAME"]; c != "" {
			codename = c
		}
	case strings.Contains(like, " raspbian "):
		distro = "raspbian"
	case strings.Contains(like, " debian "):
		distro = "debian"
	}
	if distro == "" || codename == "" {
		t.Fatalf("this test expects a Debian or Ubuntu host (os-release %v)", rel)
	}
	body, _, err := Script(scriptParams, "linux")
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "log")
	dir := stubs(t, log, false)
	cmd := exec.Command("/bin/sh", "-s")
	cmd.Env = []string{"PATH=" + dir}
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh -s: %v\n%s", err, out)
	}
	raw, _ := os.ReadFile(log)
	var calls []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if strings.HasPrefix(l, "curl ") || strings.HasPrefix(l, "apt-get ") {
			calls = append(calls, l)
		}
	}
	want := []string{
		"curl -fsSL https://pkgs.tailscale.com/stable/" + distro + "/" + codename + ".noarmor.gpg",
		"curl -fsSL https://pkgs.tailscale.com/stable/" + distro + "/" + codename + ".tailscale-keyring.list",
		"apt-get update -qq",
		"apt-get install -y -qq tailscale",
	}
	if !slices.Equal(calls, want) {
		t.Errorf("install calls:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	if args, _ := os.ReadFile(filepath.Join(dir, "tailscale-args")); !strings.HasPrefix(string(args), "up --login-server=") {
		t.Errorf("tailscale up did not run after the install (args %q)", args)
	}
}

func osRelease(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("/etc/os-release")
	if err != nil {
		t.Fatalf("this test reads the host's /etc/os-release: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			out[k] = strings.Trim(v, `"'`)
		}
	}
	return out
}
