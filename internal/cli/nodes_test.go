package cli

import (
	"net/http"
	"testing"
)

func TestNodes(t *testing.T) {
	notFound := problemJSON(404, "not_found", `not found: id "99" is not a valid ID`, "")
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"nodes", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes"}, answer: nodesAnswer,
			out: "" +
				"ID  NAME   USER/TAGS         ADDRESSES                      ONLINE  LAST SEEN  EXPIRES\n" +
				"5   web-1  alice             100.64.0.5, fd7a:115c:a1e0::5  yes     now        in 30d\n" +
				"12  db     tag:db, tag:prod  100.64.0.12                    no      3h ago     never\n"},
		{name: "list filters", args: []string{"nodes", "list", "--online", "--user", "alice", "--tag", "tag:web", "-q", "web"},
			req:    &wantReq{method: "GET", path: "/api/v1/nodes", query: "online=true&user=alice&tag=tag%3Aweb&q=web"},
			answer: `{"nodes":[],"total":0,"fetchedAt":"2026-03-01T11:59:59Z"}`,
			out:    "ID  NAME  USER/TAGS  ADDRESSES  ONLINE  LAST SEEN  EXPIRES\n"},
		{name: "list offline", args: []string{"nodes", "list", "--offline"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes", query: "online=false"}, answer: nodesAnswer, outHas: []string{"db"}},
		{name: "list json", args: []string{"nodes", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes"}, answer: nodesAnswer},
		{name: "list online and offline", args: []string{"nodes", "list", "--online", "--offline"}, code: 2,
			errHas: []string{"--online or --offline, not both"}},
		{name: "list with argument", args: []string{"nodes", "list", "web"}, code: 2, errHas: []string{"takes no arguments"}},
		{name: "list bad query", args: []string{"nodes", "list"}, status: 400,
			req:    &wantReq{method: "GET", path: "/api/v1/nodes"},
			answer: problemJSON(400, "invalid_request", "bad request: q must be at most 200 characters", ""), code: 1,
			errHas: []string{"q must be at most 200 characters (400 invalid_request)"}},

		{name: "get", args: []string{"nodes", "get", "5"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes/5"}, answer: nodeAnswerJSON,
			outHas: []string{"Hostname:          web-1\n", "Addresses:         100.64.0.5, fd7a:115c:a1e0::5\n",
				"Expires:           in 30d\n", "Approved routes:   10.0.0.0/24\n", "Tags:              -\n"}},
		{name: "get json", args: []string{"nodes", "get", "-o", "json", "5"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes/5"}, answer: nodeAnswerJSON},
		{name: "get not found", args: []string{"nodes", "get", "99"}, status: 404,
			req: &wantReq{method: "GET", path: "/api/v1/nodes/99"}, answer: notFound, code: 1,
			errHas: []string{`neoconsole: not found: id "99" is not a valid ID (404 not_found)`}},
		{name: "get bad id", args: []string{"nodes", "get", "abc"}, code: 2, errHas: []string{`ID must be a positive integer, not "abc"`}},
		{name: "get zero id", args: []string{"nodes", "get", "0"}, code: 2, errHas: []string{"positive integer"}},
		{name: "get negative id", args: []string{"nodes", "get", "--", "-3"}, code: 2, errHas: []string{"positive integer"}},
		{name: "get no id", args: []string{"nodes", "get"}, code: 2, errHas: []string{"nodes get needs exactly one ID"}},
		{name: "get two ids", args: []string{"nodes", "get", "1", "2"}, code: 2, errHas: []string{"got 2 arguments"}},

		{name: "revoke", args: []string{"nodes", "revoke", "5"},
			req: &wantReq{method: "DELETE", path: "/api/v1/nodes/5"}, answer: successAnswer, out: "node 5 revoked\n"},
		{name: "revoke json", args: []string{"nodes", "revoke", "5", "-o", "json"},
			req: &wantReq{method: "DELETE", path: "/api/v1/nodes/5"}, answer: successAnswer, out: "{\n  \"success\": true\n}\n"},
		{name: "revoke forbidden", args: []string{"nodes", "revoke", "5"}, status: http.StatusForbidden,
			req:    &wantReq{method: "DELETE", path: "/api/v1/nodes/5"},
			answer: problemJSON(403, "forbidden", "forbidden: this needs the operator role", ""), code: 1,
			errHas: []string{"this needs the operator role (403 forbidden)"}},
		{name: "expire", args: []string{"nodes", "expire", "5"},
			req: &wantReq{method: "POST", path: "/api/v1/nodes/5/expire"}, answer: nodeAnswerJSON,
			out: "node 5 expired: the machine is logged out\n"},

		{name: "rename", args: []string{"nodes", "rename", "5", "web-1"},
			req:    &wantReq{method: "POST", path: "/api/v1/nodes/5/rename", body: `{"name":"web-1"}`},
			answer: nodeAnswerJSON, out: "node 5 renamed to web-1\n"},
		{name: "rename bad name", args: []string{"nodes", "rename", "5", "Web_1"}, status: 400,
			req:    &wantReq{method: "POST", path: "/api/v1/nodes/5/rename", body: `{"name":"Web_1"}`},
			answer: problemJSON(400, "invalid_request", `invalid enrollment parameters: name "Web_1" must be 1-63 lowercase letters`, ""),
			code:   1, errHas: []string{`name "Web_1" must be`, "(400 invalid_request)"}},
		{name: "rename without name", args: []string{"nodes", "rename", "5"}, code: 2, errHas: []string{"an ID and a new name"}},

		{name: "tags", args: []string{"nodes", "tags", "12", "tag:db, tag:prod"},
			req:    &wantReq{method: "PUT", path: "/api/v1/nodes/12/tags", body: `{"tags":["tag:db","tag:prod"]}`},
			answer: `{"node":` + nodeDB + `}`, out: "node 12 tags: tag:db, tag:prod\n"},
		{name: "tags removed", args: []string{"nodes", "tags", "5", ""},
			req:    &wantReq{method: "PUT", path: "/api/v1/nodes/5/tags", body: `{"tags":[]}`},
			answer: nodeAnswerJSON, out: "node 5 has no tags now\n"},
		{name: "tags missing", args: []string{"nodes", "tags", "5"}, code: 2, errHas: []string{`"" removes all tags`}},

		{name: "routes", args: []string{"nodes", "routes", "5"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes/5"}, answer: nodeAnswerJSON,
			out: "" +
				"ROUTE        AVAILABLE  APPROVED\n" +
				"0.0.0.0/0    yes        no\n" +
				"10.0.0.0/24  yes        yes\n" +
				"::/0         yes        no\n"},
		{name: "routes none", args: []string{"nodes", "routes", "12"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes/12"}, answer: `{"node":` + nodeDB + `}`,
			out: "node 12 advertises no routes and has none approved\n"},
		{name: "routes approve", args: []string{"nodes", "routes", "5", "--approve", "10.0.0.0/24,0.0.0.0/0,::/0"},
			req:    &wantReq{method: "PUT", path: "/api/v1/nodes/5/routes", body: `{"routes":["10.0.0.0/24","0.0.0.0/0","::/0"]}`},
			answer: `{"node":` + nodeDB + `}`, outHas: []string{"none approved"}},
		{name: "routes withdraw", args: []string{"nodes", "routes", "--approve", "", "5"},
			req:    &wantReq{method: "PUT", path: "/api/v1/nodes/5/routes", body: `{"routes":[]}`},
			answer: nodeAnswerJSON, outHas: []string{"ROUTE"}},
		{name: "routes json", args: []string{"nodes", "routes", "5", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/nodes/5"}, answer: nodeAnswerJSON},
		{name: "routes bad cidr", args: []string{"nodes", "routes", "5", "--approve", "10.0.0.1/24"}, status: 400,
			req:    &wantReq{method: "PUT", path: "/api/v1/nodes/5/routes", body: `{"routes":["10.0.0.1/24"]}`},
			answer: problemJSON(400, "invalid_request", `bad request: route "10.0.0.1/24" has host bits set; did you mean 10.0.0.0/24?`, ""),
			code:   1, errHas: []string{"did you mean 10.0.0.0/24?"}},
		{name: "routes bad id", args: []string{"nodes", "routes", "x"}, code: 2, errHas: []string{"positive integer"}},
	})
}

func TestLogins(t *testing.T) {
	approved := `{"node":` + nodeWeb + `}`
	runAPICases(t, []apiCase{
		{name: "approve for user", args: []string{"logins", "approve", "AbCdEf12_-", "--user", "alice"},
			req:    &wantReq{method: "POST", path: "/api/v1/logins/AbCdEf12_-/approve", body: `{"user":"alice"}`},
			answer: approved, out: "machine registered as node 5 (web-1) for alice\n"},
		{name: "approve URL for tags", args: []string{"logins", "approve", "--tags", "tag:web,tag:prod", "https://hs.example.com/register/AbCdEf12"},
			req:    &wantReq{method: "POST", path: "/api/v1/logins/AbCdEf12/approve", body: `{"tags":["tag:web","tag:prod"]}`},
			answer: `{"node":` + nodeDB + `}`, out: "machine registered as node 12 (db) for tag:db, tag:prod\n"},
		{name: "approve json", args: []string{"logins", "approve", "AbCdEf12", "--user", "alice", "-o", "json"},
			req: &wantReq{method: "POST", path: "/api/v1/logins/AbCdEf12/approve", body: `{"user":"alice"}`}, answer: approved},
		{name: "approve unknown", args: []string{"logins", "approve", "AbCdEf12", "--user", "alice"}, status: 404,
			req:    &wantReq{method: "POST", path: "/api/v1/logins/AbCdEf12/approve", body: `{"user":"alice"}`},
			answer: problemJSON(404, "not_found", "no machine is waiting with this auth id", ""), code: 1,
			errHas: []string{"no machine is waiting with this auth id (404 not_found)"}},
		{name: "approve neither", args: []string{"logins", "approve", "AbCdEf12"}, code: 2, errHas: []string{"exactly one of --user"}},
		{name: "approve both", args: []string{"logins", "approve", "AbCdEf12", "--user", "a", "--tags", "tag:a"}, code: 2,
			errHas: []string{"exactly one of --user"}},
		{name: "approve bad id", args: []string{"logins", "approve", "x?y", "--user", "a"}, code: 2, errHas: []string{`AUTH_ID "x?y" is not valid`}},
		{name: "approve no id", args: []string{"logins", "approve", "--user", "a"}, code: 2, errHas: []string{"needs exactly one AUTH_ID"}},
		{name: "reject", args: []string{"logins", "reject", "AbCdEf12"},
			req: &wantReq{method: "POST", path: "/api/v1/logins/AbCdEf12/reject"}, answer: successAnswer, out: "login AbCdEf12 rejected\n"},
		{name: "reject short id", args: []string{"logins", "reject", "abc"}, code: 2, errHas: []string{"is not valid"}},
	})
}
