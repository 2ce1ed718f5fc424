package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestHandler(t *testing.T) {
	root := fstest.MapFS{
		"index.html":          {Data: []byte("<div id=root></div>")},
		"assets/app-1.js":     {Data: []byte("console.log(1)")},
		"assets/app-1.js.gz":  {Data: []byte("GZ")},
		"assets/app-1.css":    {Data: []byte("body{}")},
		"favicon.svg":         {Data: []byte("<svg/>")},
		"assets/nested/x.txt": {Data: []byte("x")},
	}
	h := handler(root)
	if h == nil {
		t.Fatal("handler(root with index.html) = nil")
	}
	get := func(path, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}

	w := get("/assets/app-1.js", "gzip, deflate, br")
	if w.Code != http.StatusOK || w.Body.String() != "GZ" || w.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("js with gzip accepted: %d %q enc=%q", w.Code, w.Body, w.Header().Get("Content-Encoding"))
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("gzip js Content-Type = %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("asset Cache-Control = %q", cc)
	}
	if v := w.Header().Get("Vary"); v != "Accept-Encoding" {
		t.Errorf("Vary = %q", v)
	}

	for _, accept := range []string{"", "br", "gzip;q=0"} {
		w = get("/assets/app-1.js", accept)
		if w.Body.String() != "console.log(1)" || w.Header().Get("Content-Encoding") != "" {
			t.Errorf("js with Accept-Encoding %q: %q enc=%q", accept, w.Body, w.Header().Get("Content-Encoding"))
		}
	}

	w = get("/assets/app-1.css", "gzip")
	if w.Body.String() != "body{}" || w.Header().Get("Content-Encoding") != "" {
		t.Errorf("css without .gz: %q enc=%q", w.Body, w.Header().Get("Content-Encoding"))
	}

	for _, p := range []string{"/", "/machines", "/logins/abc123def", "/assets/missing.js", "/assets/app-1.js.gz"} {
		w = get(p, "gzip")
		if w.Code != http.StatusOK || w.Body.String() != "<div id=root></div>" || w.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d %q cache=%q, want index.html with no-cache", p, w.Code, w.Body, w.Header().Get("Cache-Control"))
		}
	}

	if handler(fstest.MapFS{".gitkeep": {}}) != nil {
		t.Error("handler without index.html should be nil")
	}
}
