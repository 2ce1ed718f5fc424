package cli

import "testing"

const (
	fullKey    = "hskey-auth-0123456789abcdefghijklmnopqrstuvwxyz"
	createdKey = `{"preAuthKey":{"id":3,"key":"` + fullKey + `","user":"alice","tags":null,"reusable":false,
		"ephemeral":false,"used":false,"expired":false,"expiration":"2026-03-02T12:00:00Z","createdAt":"2026-03-01T12:00:00Z"},
		"installCommands":[
		{"os":"linux","label":"Linux","command":"curl -fsSL https://tailscale.com/install.sh | sh && sudo tailscale up --login-server=https://hs.example.com --authkey=` + fullKey + `"},
		{"os":"macos","label":"macOS","command":"tailscale up --login-server=https://hs.example.com --authkey=` + fullKey + `"}]}`
	keysAnswer = `{"preAuthKeys":[
		{"id":3,"key":"hskey-auth-012345…","user":"alice","tags":null,"reusable":false,"ephemeral":false,"used":true,
		 "expired":false,"expiration":"2026-03-02T12:00:00Z","createdAt":"2026-03-01T11:00:00Z"},
		{"id":4,"key":"hskey-auth-abcdef…","tags":["tag:ci"],"reusable":true,"ephemeral":true,"used":false,
		 "expired":true,"expiration":"2026-02-01T12:00:00Z","createdAt":"2026-01-01T12:00:00Z"}]}`
)

func TestKeys(t *testing.T) {
	runAPICases(t, []apiCase{
		{name: "create for user", args: []string{"keys", "create", "--user", "alice"},
			req: &wantReq{method: "POST", path: "/api/v1/preauthkeys",
				body: `{"user":"alice","reusable":false,"ephemeral":false,"expiresIn":"24h0m0s"}`},
			status: 201, answer: createdKey,
			out: fullKey + "\n" +
				"curl -fsSL https://tailscale.com/install.sh | sh && sudo tailscale up --login-server=https://hs.example.com --authkey=" + fullKey + "\n"},
		{name: "create for tags", args: []string{"keys", "create", "--tags", "tag:ci,tag:web", "--reusable", "--ephemeral", "--expiration", "90m"},
			req: &wantReq{method: "POST", path: "/api/v1/preauthkeys",
				body: `{"tags":["tag:ci","tag:web"],"reusable":true,"ephemeral":true,"expiresIn":"1h30m0s"}`},
			status: 201, answer: createdKey, outHas: []string{fullKey + "\ncurl "}},
		{name: "create json", args: []string{"keys", "create", "--user", "alice", "-o", "json"},
			req: &wantReq{method: "POST", path: "/api/v1/preauthkeys",
				body: `{"user":"alice","reusable":false,"ephemeral":false,"expiresIn":"24h0m0s"}`},
			status: 201, answer: createdKey},
		{name: "create rate limited", args: []string{"keys", "create", "--user", "alice"}, status: 429,
			req: &wantReq{method: "POST", path: "/api/v1/preauthkeys",
				body: `{"user":"alice","reusable":false,"ephemeral":false,"expiresIn":"24h0m0s"}`},
			answer: problemJSON(429, "rate_limited", "too many requests; retry after 30s", "Wait for the time in the Retry-After header, then try again."),
			code:   1, errHas: []string{"too many requests; retry after 30s (429 rate_limited)\nhint: Wait for the time"}},
		{name: "create unknown user", args: []string{"keys", "create", "--user", "bob"}, status: 404,
			req: &wantReq{method: "POST", path: "/api/v1/preauthkeys",
				body: `{"user":"bob","reusable":false,"ephemeral":false,"expiresIn":"24h0m0s"}`},
			answer: problemJSON(404, "not_found", `not found: tailnet user "bob" does not exist`, ""),
			code:   1, errHas: []string{`tailnet user "bob" does not exist (404 not_found)`}},
		{name: "create neither", args: []string{"keys", "create"}, code: 2, errHas: []string{"exactly one of --user U or --tags"}},
		{name: "create both", args: []string{"keys", "create", "--user", "a", "--tags", "tag:a"}, code: 2, errHas: []string{"exactly one of"}},
		{name: "create empty tags", args: []string{"keys", "create", "--tags", ","}, code: 2, errHas: []string{"exactly one of"}},
		{name: "create zero expiration", args: []string{"keys", "create", "--user", "a", "--expiration", "0s"}, code: 2,
			errHas: []string{"positive duration"}},
		{name: "create bad expiration", args: []string{"keys", "create", "--user", "a", "--expiration", "tomorrow"}, code: 2,
			errHas: []string{`invalid value "tomorrow" for flag -expiration`}},
		{name: "create argument", args: []string{"keys", "create", "--user", "a", "extra"}, code: 2, errHas: []string{"takes no arguments"}},

		{name: "list", args: []string{"keys", "list"},
			req: &wantReq{method: "GET", path: "/api/v1/preauthkeys"}, answer: keysAnswer,
			out: "" +
				"ID  KEY                 USER/TAGS  REUSABLE  EPHEMERAL  USED  EXPIRES\n" +
				"3   hskey-auth-012345…  alice      no        no         yes   in 24h\n" +
				"4   hskey-auth-abcdef…  tag:ci     yes       yes        no    expired\n"},
		{name: "list json", args: []string{"keys", "list", "-o", "json"},
			req: &wantReq{method: "GET", path: "/api/v1/preauthkeys"}, answer: keysAnswer},

		{name: "expire", args: []string{"keys", "expire", "3"},
			req: &wantReq{method: "POST", path: "/api/v1/preauthkeys/3/expire"}, answer: successAnswer, out: "pre-auth key 3 expired\n"},
		{name: "delete", args: []string{"keys", "delete", "3"},
			req: &wantReq{method: "DELETE", path: "/api/v1/preauthkeys/3"}, answer: successAnswer, out: "pre-auth key 3 deleted\n"},
		{name: "delete bad id", args: []string{"keys", "delete", "key-3"}, code: 2, errHas: []string{"positive integer"}},
	})
}
