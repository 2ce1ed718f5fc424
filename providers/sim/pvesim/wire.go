package pvesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// writeData answers 200 with PVE's envelope {"data": v}.
func writeData(w http.ResponseWriter, v any) {
	body, err := json.Marshal(map[string]any{"data": v})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding answer: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "max-age=0")
	_, _ = w.Write(body)
}

// writeError answers as pveproxy does: the message is the status line's
// reason phrase ("500 VM 100 not running"), the body {"data":null} (with the
// message for server errors). Go's server always writes the standard reason
// phrase, so the answer is written on the hijacked connection, which is then
// closed; where hijacking is impossible (HTTP/2) the standard phrase is used
// and the message stays in the body.
func writeError(w http.ResponseWriter, code int, reason string) {
	writeErrorBody(w, code, reason, nil)
}

// writeErrorBody is writeError with extra members in the body (the
// per-parameter "errors" of a 400).
func writeErrorBody(w http.ResponseWriter, code int, reason string, extra map[string]any) {
	env := map[string]any{"data": nil}
	if code >= 500 {
		env["message"] = reason + "\n"
	}
	for k, v := range extra {
		env[k] = v
	}
	body, _ := json.Marshal(env) // plain strings and maps: cannot fail
	// A reason phrase is one line of printable text.
	reason = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, reason)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, buf, err := hj.Hijack(); err == nil {
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", code, reason)
			fmt.Fprintf(buf, "Content-Type: application/json;charset=UTF-8\r\nContent-Length: %d\r\n", len(body))
			fmt.Fprintf(buf, "Cache-Control: max-age=0\r\nConnection: close\r\n\r\n")
			_, _ = buf.Write(body)
			_ = buf.Flush()
			return
		}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// formValues reads a request's parameters the ways pveproxy accepts them:
// the query string, a urlencoded form, or a JSON object (go-proxmox posts
// JSON). Values come back as strings.
func formValues(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return out, nil
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/json") {
		var obj map[string]any
		dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		for k, v := range obj {
			switch v := v.(type) {
			case string:
				out[k] = v
			case bool:
				out[k] = map[bool]string{true: "1", false: "0"}[v]
			case nil:
			default:
				out[k] = fmt.Sprint(v)
			}
		}
		return out, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.PostForm {
		out[k] = v[0]
	}
	return out, nil
}
