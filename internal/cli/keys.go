package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/neogenesys/console/headscale"
	"github.com/neogenesys/console/internal/enroll"
)

// keyJSON is a pre-auth key as the API shows it (masked, except at creation).
type keyJSON struct {
	headscale.PreAuthKey
	Expired bool `json:"expired"`
}

func (k keyJSON) owner() string {
	if len(k.Tags) > 0 {
		return join(k.Tags)
	}
	return k.User
}

func runKeysCreate(e Env, args []string) error {
	fs, g := newFlags("keys create", e)
	user := fs.String("user", "", "tailnet user the key's machines belong to")
	tags := fs.String("tags", "", "comma-separated tags the key's machines get, e.g. tag:server,tag:web")
	reusable := fs.Bool("reusable", false, "the key may register more than one machine")
	ephemeral := fs.Bool("ephemeral", false, "machines registered with it are removed when they go offline")
	expiration := fs.Duration("expiration", 24*time.Hour, "how long the key is valid, e.g. 1h or 72h")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("keys create", pos); err != nil {
		return err
	}
	tagList := splitList(*tags)
	if (*user == "") == (len(tagList) == 0) {
		return usageErr("give exactly one of --user U or --tags tag:a,tag:b")
	}
	if *expiration <= 0 {
		return usageErr("--expiration must be a positive duration like 1h or 72h")
	}
	body := struct {
		User      string   `json:"user,omitempty"`
		Tags      []string `json:"tags,omitempty"`
		Reusable  bool     `json:"reusable"`
		Ephemeral bool     `json:"ephemeral"`
		ExpiresIn string   `json:"expiresIn"`
	}{*user, tagList, *reusable, *ephemeral, expiration.String()}
	var resp struct {
		PreAuthKey      keyJSON          `json:"preAuthKey"`
		InstallCommands []enroll.Command `json:"installCommands"`
	}
	if printed, err := call(e, g, "POST", "/api/v1/preauthkeys", nil, body, &resp); err != nil || printed {
		return err
	}
	// The key alone on the first line, for KEY=$(neoconsole keys create … | head -1).
	fmt.Fprintln(e.Stdout, resp.PreAuthKey.Key)
	for _, c := range resp.InstallCommands {
		if c.OS == "linux" {
			fmt.Fprintln(e.Stdout, c.Command)
		}
	}
	return nil
}

func runKeysList(e Env, args []string) error {
	fs, g := newFlags("keys list", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("keys list", pos); err != nil {
		return err
	}
	var resp struct {
		Keys []keyJSON `json:"preAuthKeys"`
	}
	if printed, err := call(e, g, "GET", "/api/v1/preauthkeys", nil, nil, &resp); err != nil || printed {
		return err
	}
	t := newTable(e.Stdout, "ID", "KEY", "USER/TAGS", "REUSABLE", "EPHEMERAL", "USED", "EXPIRES")
	for _, k := range resp.Keys {
		exp := expiresIn(k.Expiration)
		if k.Expired {
			exp = "expired"
		}
		t.row(strconv.FormatUint(k.ID, 10), k.Key, k.owner(), yesNo(k.Reusable), yesNo(k.Ephemeral), yesNo(k.Used), exp)
	}
	return t.flush()
}

func runKeysExpire(e Env, args []string) error {
	return runIDAction(e, args, "keys expire", "POST", "/api/v1/preauthkeys/%d/expire", "pre-auth key %d expired")
}

func runKeysDelete(e Env, args []string) error {
	return runIDAction(e, args, "keys delete", "DELETE", "/api/v1/preauthkeys/%d", "pre-auth key %d deleted")
}
