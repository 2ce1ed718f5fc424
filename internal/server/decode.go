package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decode reads a JSON request body into v strictly: a size limit, unknown
// fields refused, one value only. Errors say what was wrong and where.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fmt.Errorf("%w: send the body as application/json", errUnsupportedMedia)
		}
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err, limit)
		}
		return badRequest("request body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("request body is empty; send a JSON object")
	case errors.As(err, &mbe):
		return fmt.Errorf("%w: the limit is %d bytes", errBodyTooLarge, limit)
	case errors.As(err, &syn):
		return badRequest("malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed JSON: body ends early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return badRequest("request body must be a JSON object")
		}
		return badRequest("field %q must be %s, not %s", field, jsonType(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return badRequest("malformed JSON: %v", err)
}

func jsonType(goType string) string {
	switch {
	case goType == "string", goType == "*string":
		return "a string"
	case goType == "bool", goType == "*bool":
		return "true or false"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "[]"), strings.HasPrefix(goType, "*[]"):
		return "an array"
	case goType == "time.Time":
		return "an RFC 3339 time string"
	}
	return "a JSON " + goType
}

// pathID parses the {name} path value as a positive integer ID.
func pathID(r *http.Request, name string) (uint64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%w: %s %q is not a valid ID (a positive integer)", errNotFound, name, truncateForMessage(s))
	}
	return id, nil
}

// truncateForMessage shortens s to about 40 bytes for messages and audit
// lines, never cutting a UTF-8 character in two.
func truncateForMessage(s string) string {
	if len(s) <= 40 {
		return s
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
