package cli

import (
	"net/url"
	"strconv"
	"time"
)

// tokenJSON is an API token as the API shows it (never the secret).
type tokenJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"userId"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

func (t tokenJSON) status() string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case t.ExpiresAt != nil && !t.ExpiresAt.After(timeNow()):
		return "expired"
	}
	return "active"
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func runTokensList(e Env, args []string) error {
	fs, g := newFlags("tokens list", e)
	all := fs.Bool("all", false, "everyone's tokens, not only yours (admins)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("tokens list", pos); err != nil {
		return err
	}
	var query url.Values
	if *all {
		query = url.Values{"all": {"true"}}
	}
	var resp struct {
		Tokens []tokenJSON `json:"tokens"`
	}
	if printed, err := call(e, g, "GET", "/api/v1/tokens", query, nil, &resp); err != nil || printed {
		return err
	}
	t := newTable(e.Stdout, "ID", "NAME", "PREFIX", "ACCOUNT", "CREATED", "LAST USED", "EXPIRES", "STATUS")
	for _, tk := range resp.Tokens {
		t.row(strconv.FormatInt(tk.ID, 10), tk.Name, tk.Prefix, strconv.FormatInt(tk.UserID, 10),
			stamp(tk.CreatedAt), ago(deref(tk.LastUsedAt)), expiresIn(deref(tk.ExpiresAt)), tk.status())
	}
	return t.flush()
}

func runTokensRevoke(e Env, args []string) error {
	return runIDAction(e, args, "tokens revoke", "DELETE", "/api/v1/tokens/%d", "token %d revoked")
}
