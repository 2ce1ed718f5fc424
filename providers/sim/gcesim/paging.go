package gcesim

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// maxResultsCap is Compute Engine's largest maxResults.
const maxResultsCap = 500

// page reads maxResults and pageToken. Page tokens are opaque to clients;
// here they encode the offset of the page's first item. ok is false when
// the error answer was written.
func (s *Server) page(w http.ResponseWriter, r *http.Request) (offset, size int, ok bool) {
	q := r.URL.Query()
	size = s.opts.PageSize
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxResultsCap {
			writeError(w, http.StatusBadRequest, "invalid",
				"Invalid value for field 'maxResults': '%s'. Must be in the range [0, %d].", v, maxResultsCap)
			return 0, 0, false
		}
		if n > 0 && n < size {
			size = n
		}
	}
	if t := q.Get("pageToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
			writeError(w, http.StatusBadRequest, "invalid", "Invalid value for field 'pageToken': '%s'.", t)
			return 0, 0, false
		}
		offset = n
	}
	return offset, size, true
}

// nextToken is the token of the page after [offset, offset+size) of total
// items, "" on the last page.
func nextToken(offset, size, total int) string {
	if offset+size >= total {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset+size)))
}
