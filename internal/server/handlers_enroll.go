package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/neogenesys/console/internal/enroll"
	"github.com/neogenesys/console/internal/store"
)

// Enrolling a VM of the inventory: a single-use key linked to the VM, the
// install commands, a one-time install link, and — where the provider can
// run a command in the guest — the install itself.

const (
	defaultEnrollExpiry = time.Hour
	maxEnrollExpiry     = 7 * 24 * time.Hour
	execOutputShown     = 4 << 10
)

var unsafeHostChars = regexp.MustCompile(`[^a-z0-9-]+`)

// hostnameFor turns a VM name into a tailnet hostname ("Web_01.prod" → "web-01").
func hostnameFor(name string) string {
	name, _, _ = strings.Cut(strings.ToLower(name), ".")
	name = strings.Trim(unsafeHostChars.ReplaceAllString(name, "-"), "-")
	if len(name) > 63 {
		name = strings.Trim(name[:63], "-")
	}
	return name
}

func (s *Server) enrollVM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		User      string   `json:"user"`
		Tags      []string `json:"tags"`
		Hostname  string   `json:"hostname"`
		ExpiresIn string   `json:"expiresIn"` // Go duration; default 1h
		Run       *bool    `json:"run"`       // run the install in the guest when the provider can (default true)
	}
	if err := decode(w, r, s.Config.HTTP.MaxBodyBytes, &req); err != nil {
		return err
	}
	vm, ok := s.Inventory.Snapshot().VM(int64(id))
	if !ok {
		return fmt.Errorf("%w: vm %d is not in the inventory", errNotFound, id)
	}
	if !vm.GoneAt.IsZero() {
		return fmt.Errorf("%w: vm %q is gone from %s", errConflict, vm.Name, vm.CloudName)
	}
	if req.User == "" && len(req.Tags) == 0 {
		return badRequest("give a user or at least one tag (tag:name) to own the node")
	}
	host := req.Hostname
	if host == "" {
		host = hostnameFor(vm.Name)
	}
	if err := enroll.ValidateHostname(host); err != nil {
		return err
	}
	ttl := defaultEnrollExpiry
	if req.ExpiresIn != "" {
		if ttl, err = time.ParseDuration(req.ExpiresIn); err != nil || ttl <= 0 || ttl > maxEnrollExpiry {
			return badRequest("expiresIn %q must be a duration from 1m to 168h", truncateForMessage(req.ExpiresIn))
		}
	}
	k, err := s.mintKey(r, keySpec{User: req.User, Tags: req.Tags, Expiration: time.Now().Add(ttl),
		Purpose: fmt.Sprintf("vm:%d", vm.Key)})
	if err != nil {
		return err
	}
	s.Inventory.LinkKey(k.ID, vm.Key)
	p := enroll.Params{LoginServer: s.HeadscaleInfo().LoginServer, AuthKey: k.Key, Hostname: host}

	link, err := s.newInstallLink(r, p, vm.Key, k.Expiration)
	if err != nil {
		return err
	}
	out := map[string]any{
		"vm": vm, "hostname": host, "authKey": k.Key, "keyId": k.ID, "expiresAt": k.Expiration,
		"installCommands": s.installCommands(k.Key, host), "cloudInit": enroll.CloudInit(p),
		"installUrl": link, "installCommand": "curl -fsSL " + link + " | sudo sh",
	}
	if req.Run == nil || *req.Run {
		out["exec"] = s.runInstall(r, vm.Key, p)
	}
	s.record(r, "vm.enroll", fmt.Sprintf("vm:%d", vm.Key), nil, map[string]any{"keyId": k.ID, "hostname": host, "name": vm.Name})
	s.Events.Publish("vm.enroll", map[string]any{"key": vm.Key, "keyId": k.ID, "hostname": host})
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// runInstall runs the Linux install script in the guest when the VM's
// provider can; the outcome is part of the answer, never a failure of it.
func (s *Server) runInstall(r *http.Request, key int64, p enroll.Params) map[string]any {
	script, _, err := enroll.Script(p, "linux")
	if err != nil {
		return map[string]any{"ran": false, "error": err.Error()}
	}
	res, can, err := s.Inventory.Exec(r.Context(), key, []string{"/bin/sh", "-s"}, []byte(script))
	switch {
	case !can && err == nil:
		note, scheduled, err := s.Inventory.SetBootScript(r.Context(), key, script)
		switch {
		case scheduled && err == nil:
			// Adapters do not know the console's key for the VM.
			note = strings.ReplaceAll(note, "vms reboot KEY", fmt.Sprintf("vms reboot %d", key))
			return map[string]any{"ran": false, "scheduled": true, "reason": note}
		case scheduled:
			return map[string]any{"ran": false, "scheduled": false, "error": err.Error()}
		}
		return map[string]any{"ran": false, "reason": "this provider cannot run commands in the guest: run the install command or link on the machine"}
	case err != nil:
		return map[string]any{"ran": can, "error": err.Error()}
	}
	return map[string]any{"ran": true, "exitCode": res.ExitCode,
		"stdout": tail(res.Stdout, execOutputShown), "stderr": tail(res.Stderr, execOutputShown)}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// newInstallLink stores a one-time link to the install script and returns
// its URL. The token is only in the URL; the store keeps its hash.
func (s *Server) newInstallLink(r *http.Request, p enroll.Params, vmKey int64, expires time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	hash := tokenHash(token)
	sealed, err := s.Secrets.Seal(p.AuthKey, "install-link:"+hash)
	if err != nil {
		return "", err
	}
	err = s.Store.CreateInstallLink(r.Context(), store.InstallLink{TokenHash: hash, SealedKey: sealed, LoginServer: p.LoginServer,
		Hostname: p.Hostname, VMKey: vmKey, ExpiresAt: expires, CreatedBy: s.actor(r).Username})
	if err != nil {
		return "", err
	}
	return s.Config.PublicURL() + "/install/" + token, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// install serves a one-time install script. It is public (the link is the
// credential) and answers in plain text a shell can show: an unknown link
// is 404, a used or expired one 410, never with the key.
func (s *Server) install(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	osName := r.URL.Query().Get("os")
	if osName == "" {
		osName = "linux"
	}
	// Failures are a shell snippet too: a message on stderr, exit 1.
	fail := func(status int, msg string) error {
		w.Header().Set("Content-Type", "text/x-shellscript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintf(w, "echo 'neoconsole: %s' >&2\nexit 1\n", msg)
		return nil
	}
	if len(token) < 20 || len(token) > 100 {
		return fail(http.StatusNotFound, "this install link does not exist; ask for a new one in the console")
	}
	if _, _, err := enroll.Script(enroll.Params{LoginServer: "http://x", AuthKey: "validation-only"}, osName); err != nil {
		return fail(http.StatusBadRequest, "unknown os; use ?os=linux, macos, windows or proxmox")
	}
	link, err := s.Store.UseInstallLink(r.Context(), tokenHash(token), time.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.record(r, "install.fetch", "install-link", err, map[string]any{"reason": "unknown"})
		return fail(http.StatusNotFound, "this install link does not exist; ask for a new one in the console")
	case errors.Is(err, store.ErrGone):
		s.record(r, "install.fetch", "install-link", err, map[string]any{"reason": "used or expired"})
		return fail(http.StatusGone, "this install link was used already or has expired; ask for a new one in the console")
	case err != nil:
		return err
	}
	key, err := s.Secrets.Open(link.SealedKey, "install-link:"+link.TokenHash)
	if err != nil {
		return err
	}
	body, contentType, err := enroll.Script(enroll.Params{LoginServer: link.LoginServer, AuthKey: key, Hostname: link.Hostname}, osName)
	if err != nil {
		return err
	}
	s.record(r, "install.fetch", fmt.Sprintf("vm:%d", link.VMKey), nil, map[string]any{"os": osName, "hostname": link.Hostname})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(body))
	return nil
}
