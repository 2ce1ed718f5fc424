package cli

import "testing"

func TestUsers(t *testing.T) {
	usersAnswer := `{"users":[
		{"id":1,"name":"alice","displayName":"Alice A.","email":"alice@example.com","createdAt":"2026-01-02T03:04:05Z"},
		{"id":2,"name":"bob","createdAt":"2026-02-03T04:05:06Z"}]}`
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"users", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/users"}, answer: usersAnswer,
			out: "" +
				"ID  NAME   DISPLAY NAME  EMAIL              CREATED\n" +
				"1   alice  Alice A.      alice@example.com  2026-01-02T03:04:05Z\n" +
				"2   bob    -             -                  2026-02-03T04:05:06Z\n"},
		{name: "list json", args: []string{"users", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/users"}, answer: usersAnswer},
		{name: "create", args: []string{"users", "create", "carol", "--display-name", "Carol C", "--email", "carol@example.com"},
			req: &wantReq{method: "POST", path: "/api/v1/users",
				body: `{"name":"carol","displayName":"Carol C","email":"carol@example.com"}`},
			status: 201, answer: `{"user":{"id":3,"name":"carol","displayName":"Carol C","email":"carol@example.com","createdAt":"2026-03-01T12:00:00Z"}}`,
			out: "created tailnet user carol (id 3)\n"},
		{name: "create exists", args: []string{"users", "create", "alice"}, status: 409,
			req:    &wantReq{method: "POST", path: "/api/v1/users", body: `{"name":"alice","displayName":"","email":""}`},
			answer: problemJSON(409, "conflict", "user alice already exists", ""), code: 1,
			errHas: []string{"user alice already exists (409 conflict)"}},
		{name: "create no name", args: []string{"users", "create", "--email", "x@example.com"}, code: 2,
			errHas: []string{"users create needs exactly one NAME"}},
	})
}

func TestTokens(t *testing.T) {
	tokensAnswer := `{"tokens":[
		{"id":7,"userId":1,"name":"cli","prefix":"nct_abcd","createdAt":"2026-02-01T00:00:00Z","lastUsedAt":"2026-03-01T11:58:00Z"},
		{"id":8,"userId":2,"name":"ci","prefix":"nct_efgh","createdAt":"2026-02-01T00:00:00Z","expiresAt":"2026-02-15T00:00:00Z"},
		{"id":9,"userId":1,"name":"old","prefix":"nct_ijkl","createdAt":"2026-01-01T00:00:00Z","expiresAt":"2026-06-01T00:00:00Z","revokedAt":"2026-01-05T00:00:00Z"}]}`
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"tokens", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/tokens"}, answer: tokensAnswer,
			out: "" +
				"ID  NAME  PREFIX    ACCOUNT  CREATED               LAST USED  EXPIRES  STATUS\n" +
				"7   cli   nct_abcd  1        2026-02-01T00:00:00Z  2m ago     never    active\n" +
				"8   ci    nct_efgh  2        2026-02-01T00:00:00Z  never      expired  expired\n" +
				"9   old   nct_ijkl  1        2026-01-01T00:00:00Z  never      in 91d   revoked\n"},
		{name: "list all", args: []string{"tokens", "list", "--all"},
			req: &wantReq{method: "GET", path: "/api/v1/tokens", query: "all=true"}, answer: tokensAnswer, outHas: []string{"nct_efgh"}},
		{name: "list all not admin", args: []string{"tokens", "list", "--all"}, status: 403,
			req:    &wantReq{method: "GET", path: "/api/v1/tokens", query: "all=true"},
			answer: problemJSON(403, "forbidden", "forbidden: this needs the admin role", ""), code: 1,
			errHas: []string{"this needs the admin role (403 forbidden)"}},
		{name: "list json", args: []string{"tokens", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/tokens"}, answer: tokensAnswer},
		{name: "revoke", args: []string{"tokens", "revoke", "7"},
			req: &wantReq{method: "DELETE", path: "/api/v1/tokens/7"}, answer: successAnswer, out: "token 7 revoked\n"},
		{name: "revoke bad id", args: []string{"tokens", "revoke", "nct_abcd"}, code: 2, errHas: []string{"positive integer"}},
	})
}

func TestAudit(t *testing.T) {
	entries := `{"entries":[
		{"id":42,"time":"2026-03-01T11:00:00Z","user":"admin","role":"admin","action":"node.delete","target":"node:5",
		 "outcome":"success","sourceIp":"192.0.2.1","detail":"{\"name\":\"web-1\"}"},
		{"id":41,"time":"2026-03-01T10:00:00Z","user":"ops","role":"operator","action":"preauthkey.create","target":"",
		 "outcome":"failure","sourceIp":"192.0.2.2"}]`
	runAPICases(t, []apiCase{
		{name: "list", args: []string{"audit", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/audit"}, answer: entries + `}`,
			out: "" +
				"TIME                  USER   ACTION             TARGET  OUTCOME  SOURCE\n" +
				"2026-03-01T11:00:00Z  admin  node.delete        node:5  success  192.0.2.1\n" +
				"2026-03-01T10:00:00Z  ops    preauthkey.create  -       failure  192.0.2.2\n"},
		{name: "filters", args: []string{"audit", "list", "--user", "admin", "--action", "node.delete", "--target", "node:5",
			"--since", "2026-02-01T00:00:00+01:00", "--until", "1h", "--before", "43", "--limit", "2"},
			req: &wantReq{method: "GET", path: "/api/v1/audit",
				query: "user=admin&action=node.delete&target=node%3A5&since=2026-01-31T23%3A00%3A00Z&until=2026-03-01T11%3A00%3A00Z&before=43&limit=2"},
			answer: entries + `,"nextBefore":41}`, outHas: []string{"node.delete"}, errHas: []string{"more entries: add --before 41"}},
		{name: "since duration", args: []string{"audit", "list", "--since", "24h"},
			req:    &wantReq{method: "GET", path: "/api/v1/audit", query: "since=2026-02-28T12%3A00%3A00Z"},
			answer: `{"entries":[]}`, out: "TIME  USER  ACTION  TARGET  OUTCOME  SOURCE\n"},
		{name: "json", args: []string{"audit", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/audit"}, answer: entries + `}`},
		{name: "bad since", args: []string{"audit", "list", "--since", "yesterday"}, code: 2, errHas: []string{"--since must be an RFC 3339 time"}},
		{name: "bad limit", args: []string{"audit", "list", "--limit", "5000"}, code: 2, errHas: []string{"--limit must be between 1 and 1000"}},
		{name: "argument", args: []string{"audit", "list", "node.delete"}, code: 2, errHas: []string{"takes no arguments"}},
	})
}
