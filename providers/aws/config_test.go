package aws

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neogenesys/console/providers"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want []string // substrings of the error, none for a valid config
	}{
		{"defaults (SDK chain)", func(*Config) {}, nil},
		{"static keys", func(c *Config) { c.AccessKeyID, c.SecretAccessKey = "AKIAEXAMPLE", "secret" }, nil},
		{"temporary keys", func(c *Config) { c.AccessKeyID, c.SecretAccessKey, c.SessionToken = "ASIAEXAMPLE", "s", "tok" }, nil},
		{"profile and role", func(c *Config) {
			c.Profile, c.RoleARN, c.ExternalID = "prod", "arn:aws:iam::123456789012:role/path/to/Reader", "ext-1"
		}, nil},
		{"gov partition role", func(c *Config) { c.RoleARN = "arn:aws-us-gov:iam::123456789012:role/r" }, nil},
		{"regions", func(c *Config) { c.Regions = []string{"us-east-1", "ap-southeast-2", "us-gov-west-1"} }, nil},
		{"https endpoint", func(c *Config) { c.Endpoint = "https://ec2.internal.example:8443" }, nil},
		{"key without secret", func(c *Config) { c.AccessKeyID = "AKIA" }, []string{"secretAccessKey: required with accessKeyId"}},
		{"secret without key", func(c *Config) { c.SecretAccessKey = "s" }, []string{"accessKeyId: required with secretAccessKey"}},
		{"token without keys", func(c *Config) { c.SessionToken = "t" }, []string{"sessionToken: needs accessKeyId"}},
		{"profile with keys", func(c *Config) { c.Profile, c.AccessKeyID, c.SecretAccessKey = "p", "AKIA", "s" },
			[]string{"profile: cannot be combined"}},
		{"role not an ARN", func(c *Config) { c.RoleARN = "Reader" }, []string{"roleArn:"}},
		{"role of a user", func(c *Config) { c.RoleARN = "arn:aws:iam::123456789012:user/bob" }, []string{"roleArn:"}},
		{"role with short account", func(c *Config) { c.RoleARN = "arn:aws:iam::12345:role/r" }, []string{"roleArn:"}},
		{"external id alone", func(c *Config) { c.ExternalID = "abc" }, []string{"externalId: needs roleArn"}},
		{"external id too short", func(c *Config) { c.RoleARN, c.ExternalID = "arn:aws:iam::123456789012:role/r", "x" },
			[]string{"externalId: must be"}},
		{"bad region", func(c *Config) { c.Regions = []string{"us-east-1", "Narnia"} }, []string{`regions: "Narnia"`}},
		{"duplicate region", func(c *Config) { c.Regions = []string{"eu-west-1", "eu-west-1"} }, []string{"listed twice"}},
		{"no default region", func(c *Config) { c.DefaultRegion = "" }, []string{"defaultRegion: required"}},
		{"bad default region", func(c *Config) { c.DefaultRegion = "us_east_1" }, []string{"defaultRegion:"}},
		{"endpoint without scheme", func(c *Config) { c.Endpoint = "127.0.0.1:4566" }, []string{"endpoint:"}},
		{"endpoint ftp", func(c *Config) { c.Endpoint = "ftp://host" }, []string{"endpoint:"}},
		{"several problems", func(c *Config) { c.AccessKeyID, c.Endpoint = "AKIA", "nope" },
			[]string{"secretAccessKey:", "endpoint:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewConfig()
			tc.edit(c)
			err := c.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigJSONAndSecrets(t *testing.T) {
	k, err := providers.Lookup(Kind)
	if err != nil {
		t.Fatal(err)
	}
	cfg := k.NewConfig().(*Config)
	if cfg.DefaultRegion != "us-east-1" {
		t.Errorf("default region %q", cfg.DefaultRegion)
	}
	in := `{"accessKeyId":"AKIAEXAMPLE","secretAccessKey":"s","sessionToken":"t","roleArn":"arn:aws:iam::123456789012:role/r",
		"externalId":"ext","regions":["eu-west-1"],"endpoint":"http://127.0.0.1:1"}`
	if err := json.Unmarshal([]byte(in), cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultRegion != "us-east-1" || cfg.ExternalID != "ext" || len(cfg.Regions) != 1 {
		t.Errorf("decoded %+v", cfg)
	}
	secrets := providers.SecretFields(cfg)
	if len(secrets) != 2 || secrets["secretAccessKey"] == nil || secrets["sessionToken"] == nil {
		t.Errorf("secret fields %v, want secretAccessKey and sessionToken", secrets)
	}
}

func TestNewResolvesSecretReferences(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEOCONSOLE_TEST_AWS_TOKEN", "from-env")
	c := NewConfig()
	c.AccessKeyID, c.SecretAccessKey, c.SessionToken = "AKIAEXAMPLE", "file:"+path, "env:NEOCONSOLE_TEST_AWS_TOKEN"
	p, err := c.New("acct")
	if err != nil {
		t.Fatal(err)
	}
	defer p.(*provider).Close()
	got := p.(*provider).cfg
	if got.SecretAccessKey != "from-file" || got.SessionToken != "from-env" {
		t.Errorf("resolved secret %q, token %q", got.SecretAccessKey, got.SessionToken)
	}
	if c.SecretAccessKey != "file:"+path {
		t.Error("New changed the caller's Config")
	}

	c.SessionToken = "env:NEOCONSOLE_TEST_AWS_UNSET"
	if _, err := c.New("acct"); err == nil || !strings.Contains(err.Error(), "aws.sessionToken") {
		t.Errorf("New with an unset variable = %v, want an aws.sessionToken error", err)
	}
	c.SessionToken, c.Endpoint = "", "bad"
	if _, err := c.New("acct"); err == nil || !strings.Contains(err.Error(), "endpoint:") {
		t.Errorf("New with a bad endpoint = %v, want a validation error", err)
	}
}
