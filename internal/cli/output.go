package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// timeNow is the clock relative times are measured against; tests set it.
var timeNow = time.Now

// newFlags is the flag set of a command that talks to a console.
func newFlags(name string, e Env) (*flag.FlagSet, *globalFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return fs, addGlobalFlags(fs, e)
}

// call sends one API request. With -o json it prints the answer, indented,
// and reports printed; otherwise it decodes the answer into out (if not nil)
// for the caller to print as text.
func call(e Env, g *globalFlags, method, path string, query url.Values, body, out any) (printed bool, err error) {
	asJSON, err := g.json()
	if err != nil {
		return false, err
	}
	var raw json.RawMessage
	if err := g.client(e).do(method, path, query, body, &raw); err != nil {
		return false, err
	}
	if asJSON {
		return true, printJSON(e.Stdout, raw)
	}
	if out == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("unexpected answer from the console: %w", err)
	}
	return false, nil
}

func printJSON(w io.Writer, raw []byte) error {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// table prints rows in aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		if c == "" {
			c = "-"
		}
		cells[i] = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// noArgs refuses positional arguments.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usageErr("%s takes no arguments, got %q", cmd, pos)
	}
	return nil
}

// parseID reads a positive integer ID.
func parseID(what, s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, usageErr("%s must be a positive integer, not %q", what, s)
	}
	return id, nil
}

// oneID is the single positional ID argument of cmd.
func oneID(cmd string, pos []string) (uint64, error) {
	if len(pos) != 1 {
		return 0, usageErr("%s needs exactly one ID, got %d arguments", cmd, len(pos))
	}
	return parseID("ID", pos[0])
}

// runIDAction is a command that takes one ID, sends one request and confirms
// with done (a format with %d for the ID).
func runIDAction(e Env, args []string, cmd, method, pathFormat, done string) error {
	fs, g := newFlags(cmd, e)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(cmd, pos)
	if err != nil {
		return err
	}
	printed, err := call(e, g, method, fmt.Sprintf(pathFormat, id), nil, nil, nil)
	if err != nil || printed {
		return err
	}
	fmt.Fprintf(e.Stdout, done+"\n", id)
	return nil
}

// splitList splits a comma-separated list, dropping blanks; "" gives an
// empty, non-nil list.
func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func join(list []string) string { return strings.Join(list, ", ") }

// ago says how long before now t was: "3m ago"; "never" for the zero time.
func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return relTime(t)
}

// expiresIn says when t comes: "in 3d", "expired", or "never" for the zero time.
func expiresIn(t time.Time) string {
	switch {
	case t.IsZero():
		return "never"
	case !t.After(timeNow()):
		return "expired"
	}
	return relTime(t)
}

// relTime is t relative to now, coarsely: "in 2h", "5d ago", "just now".
func relTime(t time.Time) string {
	d := timeNow().Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute && !future:
		return "just now"
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// stamp is an absolute time for tables, in UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
