package cli

import (
	"fmt"
	"strconv"

	"github.com/neogenesys/console/headscale"
)

func runUsersList(e Env, args []string) error {
	fs, g := newFlags("users list", e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("users list", pos); err != nil {
		return err
	}
	var resp struct {
		Users []headscale.User `json:"users"`
	}
	if printed, err := call(e, g, "GET", "/api/v1/users", nil, nil, &resp); err != nil || printed {
		return err
	}
	t := newTable(e.Stdout, "ID", "NAME", "DISPLAY NAME", "EMAIL", "CREATED")
	for _, u := range resp.Users {
		t.row(strconv.FormatUint(u.ID, 10), u.Name, u.DisplayName, u.Email, stamp(u.CreatedAt))
	}
	return t.flush()
}

func runUsersCreate(e Env, args []string) error {
	fs, g := newFlags("users create", e)
	display := fs.String("display-name", "", "name to show")
	email := fs.String("email", "", "email address")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("users create needs exactly one NAME, got %d arguments", len(pos))
	}
	body := map[string]string{"name": pos[0], "displayName": *display, "email": *email}
	var resp struct {
		User headscale.User `json:"user"`
	}
	if printed, err := call(e, g, "POST", "/api/v1/users", nil, body, &resp); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.Stdout, "created tailnet user %s (id %d)\n", resp.User.Name, resp.User.ID)
	return nil
}
