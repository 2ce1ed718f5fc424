package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/neogenesys/console/headscale"
)

// TestNodeListEncodedOncePerSnapshot: the cached answer is the same JSON
// whether compressed or not, filtered answers hold only their nodes, and a
// new snapshot is seen at once.
func TestNodeListEncodedOncePerSnapshot(t *testing.T) {
	e := newEnv(t)
	viewer, _, _ := e.callers()
	plain := e.do("GET", "/api/v1/nodes", nil, bearer(viewer.tok)).expect(t, http.StatusOK)
	zipped := e.do("GET", "/api/v1/nodes", nil, bearer(viewer.tok), hdr("Accept-Encoding", "gzip")).expect(t, http.StatusOK)
	if zipped.header.Get("Content-Encoding") != "gzip" || zipped.header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v: want Content-Encoding gzip and Vary", zipped.header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.body) {
		t.Errorf("gzip answer differs from the plain one:\n%s\n%s", unzipped, plain.body)
	}
	var all, online struct {
		Nodes []headscale.Node
		Total int
	}
	plain.json(t, &all)
	e.do("GET", "/api/v1/nodes?online=true", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &online)
	if all.Total != len(all.Nodes) || all.Total < 2 || online.Total != 1 || len(online.Nodes) != 1 || !online.Nodes[0].Online {
		t.Fatalf("all = %d nodes (total %d), online = %+v", len(all.Nodes), all.Total, online)
	}

	e.fake.AddNode(headscale.Node{ID: 4242, Name: "fresh", User: "bob"})
	if err := e.view.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	var after struct{ Total int }
	e.do("GET", "/api/v1/nodes", nil, bearer(viewer.tok)).expect(t, http.StatusOK).json(t, &after)
	if after.Total != all.Total+1 {
		t.Errorf("after a refresh with one more node, total = %d, want %d", after.Total, all.Total+1)
	}
}
