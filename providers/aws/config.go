package aws

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"github.com/neogenesys/console/providers"
)

// Kind is the provider kind this package registers.
const Kind = "aws"

func init() {
	providers.Register(providers.Kind{Name: Kind, Title: "Amazon Web Services", NewConfig: func() providers.Config { return NewConfig() }})
}

// Config is one AWS account. With neither keys nor profile the SDK's default
// credential chain is used (environment, shared files, web identity for
// Kubernetes IRSA, container and instance roles).
type Config struct {
	AccessKeyID     string `json:"accessKeyId,omitempty" label:"Access key ID" help:"An IAM access key ID (AKIA…). Leave keys empty to use the default credential chain or a profile."`
	SecretAccessKey string `json:"secretAccessKey,omitempty" secret:"true" label:"Secret access key" help:"The access key's secret; or env:NAME / file:/path."`
	SessionToken    string `json:"sessionToken,omitempty" secret:"true" label:"Session token" help:"Only for temporary credentials." ui:"advanced"`
	// Profile is a shared config profile (~/.aws/config, ~/.aws/credentials).
	Profile string `json:"profile,omitempty" label:"Profile" help:"A profile of ~/.aws/config on the console's host." ui:"advanced"`
	// RoleARN is assumed through STS on top of whichever base credentials;
	// ExternalID goes with it when the role's trust policy asks for one.
	RoleARN    string `json:"roleArn,omitempty" label:"Role ARN" help:"A role assumed through STS on top of the base credentials, e.g. arn:aws:iam::123456789012:role/console-read."`
	ExternalID string `json:"externalId,omitempty" label:"External ID" help:"When the role's trust policy asks for one." ui:"advanced"`
	// Regions narrows the regions DescribeRegions reports; empty means every
	// enabled region.
	Regions []string `json:"regions,omitempty" label:"Regions" help:"Regions to read, e.g. us-east-1, eu-west-1. Empty: every enabled region."`
	// DefaultRegion is where DescribeRegions and STS are called.
	DefaultRegion string `json:"defaultRegion" label:"Default region" help:"Where DescribeRegions and STS are called." ui:"required"`
	// Endpoint overrides the URL of every EC2 and STS call.
	Endpoint string `json:"endpoint,omitempty" label:"Endpoint" help:"Overrides the URL of every EC2 and STS call (VPC endpoints, tests)." ui:"advanced"`
}

// NewConfig returns a Config with its defaults.
func NewConfig() *Config { return &Config{DefaultRegion: "us-east-1"} }

// Kind is "aws".
func (c *Config) Kind() string { return Kind }

var (
	// regionRE accepts names like us-east-1, ap-southeast-2, us-gov-west-1,
	// eu-central-2, us-isob-east-1.
	regionRE     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	roleARNRE    = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	externalIDRE = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// Validate names each field that is wrong.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	switch {
	case c.AccessKeyID != "" && c.SecretAccessKey == "":
		bad("secretAccessKey", "required with accessKeyId")
	case c.SecretAccessKey != "" && c.AccessKeyID == "":
		bad("accessKeyId", "required with secretAccessKey")
	}
	if c.SessionToken != "" && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		bad("sessionToken", "needs accessKeyId and secretAccessKey")
	}
	if c.Profile != "" && (c.AccessKeyID != "" || c.SecretAccessKey != "") {
		bad("profile", "cannot be combined with accessKeyId and secretAccessKey")
	}
	if c.RoleARN != "" && !roleARNRE.MatchString(c.RoleARN) {
		bad("roleArn", "%q is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)", c.RoleARN)
	}
	switch {
	case c.ExternalID != "" && c.RoleARN == "":
		bad("externalId", "needs roleArn")
	case c.ExternalID != "" && (len(c.ExternalID) < 2 || len(c.ExternalID) > 1224 || !externalIDRE.MatchString(c.ExternalID)):
		bad("externalId", "must be 2 to 1224 characters of letters, digits and +=,.@:/-")
	}
	for i, r := range c.Regions {
		switch {
		case !regionRE.MatchString(r):
			bad("regions", "%q is not a region name", r)
		case slices.Index(c.Regions, r) < i:
			bad("regions", "%q is listed twice", r)
		}
	}
	switch {
	case c.DefaultRegion == "":
		bad("defaultRegion", "required")
	case !regionRE.MatchString(c.DefaultRegion):
		bad("defaultRegion", "%q is not a region name", c.DefaultRegion)
	}
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("endpoint", "%q is not an http or https URL", c.Endpoint)
		}
	}
	return errors.Join(errs...)
}

// New returns the provider for account accountID.
func (c *Config) New(accountID string) (providers.Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cfg := *c
	cfg.Regions = slices.Clone(c.Regions)
	var err error
	if cfg.SecretAccessKey, err = providers.ResolveSecret("aws.secretAccessKey", c.SecretAccessKey); err != nil {
		return nil, err
	}
	if cfg.SessionToken, err = providers.ResolveSecret("aws.sessionToken", c.SessionToken); err != nil {
		return nil, err
	}
	return newProvider(accountID, cfg)
}
