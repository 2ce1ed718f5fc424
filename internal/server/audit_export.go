package server

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

type auditEncoder interface {
	write(e auditJSON) error
	close() error
}

type csvAudit struct{ w *csv.Writer }

func newCSVAudit(w io.Writer) *csvAudit {
	c := &csvAudit{w: csv.NewWriter(w)}
	_ = c.w.Write([]string{"id", "time", "user", "role", "action", "target", "outcome", "source_ip", "detail"})
	return c
}

func (c *csvAudit) write(e auditJSON) error {
	return c.w.Write([]string{strconv.FormatInt(e.ID, 10), e.Time.UTC().Format(time.RFC3339Nano), cell(e.Username),
		string(e.Role), cell(e.Action), cell(e.Target), e.Outcome, cell(e.SourceIP), cell(e.Detail)})
}

func (c *csvAudit) close() error { c.w.Flush(); return c.w.Error() }

// cell defuses spreadsheet formulas: audit text can hold what anonymous
// callers typed (a username at a failed sign-in).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type jsonAudit struct {
	w     io.Writer
	first bool
}

func newJSONAudit(w io.Writer) *jsonAudit {
	_, _ = io.WriteString(w, "[")
	return &jsonAudit{w: w, first: true}
}

func (j *jsonAudit) write(e auditJSON) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if !j.first {
		if _, err := io.WriteString(j.w, ",\n"); err != nil {
			return err
		}
	}
	j.first = false
	_, err = j.w.Write(b)
	return err
}

func (j *jsonAudit) close() error {
	_, err := io.WriteString(j.w, "]\n")
	return err
}
