package aws

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Retry budget for throttling and transient failures: five attempts, full
// jitter over an exponential backoff from 200 ms capped at 4 s, so a call
// that keeps being throttled gives up after about ten seconds at worst.
const (
	maxAttempts = 5
	backoffBase = 200 * time.Millisecond
	backoffCap  = 4 * time.Second
)

// ec2API is what the adapter calls on EC2 in one region.
type ec2API interface {
	DescribeRegions(context.Context, *ec2.DescribeRegionsInput, ...func(*ec2.Options)) (*ec2.DescribeRegionsOutput, error)
	ec2.DescribeInstancesAPIClient
	ec2.DescribeInstanceTypesAPIClient
	StartInstances(context.Context, *ec2.StartInstancesInput, ...func(*ec2.Options)) (*ec2.StartInstancesOutput, error)
	StopInstances(context.Context, *ec2.StopInstancesInput, ...func(*ec2.Options)) (*ec2.StopInstancesOutput, error)
	RebootInstances(context.Context, *ec2.RebootInstancesInput, ...func(*ec2.Options)) (*ec2.RebootInstancesOutput, error)
}

// stsAPI is what the adapter calls on STS.
type stsAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// provider is one AWS account.
type provider struct {
	accountID string
	cfg       Config
	aws       sdkaws.Config
	transport *http.Transport
	sts       stsAPI

	mu      sync.Mutex
	clients map[string]ec2API // by region

	located locations
	sizes   sizeCache
}

func newProvider(accountID string, cfg Config) (*provider, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(cfg.DefaultRegion),
		config.WithRetryer(newRetryer),
	}
	if cfg.Endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(cfg.Endpoint))
	}
	switch {
	case cfg.AccessKeyID != "":
		// Static keys need nothing from the instance metadata service, and
		// tests must never wait on 169.254.169.254.
		opts = append(opts,
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)),
			config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	case cfg.Profile != "":
		opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		return nil, fmt.Errorf("aws: loading the SDK configuration: %w", err)
	}
	transport := newTransport(awsCfg.HTTPClient)
	awsCfg.HTTPClient = &http.Client{
		Transport: transport,
		// EC2 and STS never redirect; a redirect is answered as it is.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if cfg.RoleARN != "" {
		base := sts.NewFromConfig(awsCfg)
		awsCfg.Credentials = stscreds.NewAssumeRoleProvider(base, cfg.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "neoconsole"
			if cfg.ExternalID != "" {
				o.ExternalID = sdkaws.String(cfg.ExternalID)
			}
		})
	}
	if awsCfg.Credentials != nil {
		awsCfg.Credentials = sdkaws.NewCredentialsCache(markedCredentials{awsCfg.Credentials})
	}
	return &provider{
		accountID: accountID,
		cfg:       cfg,
		aws:       awsCfg,
		transport: transport,
		sts:       sts.NewFromConfig(awsCfg),
		clients:   map[string]ec2API{},
	}, nil
}

// newTransport is the SDK's transport (with AWS_CA_BUNDLE applied when
// set), held by the provider so Close can drop its idle connections, and
// keeping enough of them for the parallel region workers, which all reach one
// host when an endpoint override is set.
func newTransport(c sdkaws.HTTPClient) *http.Transport {
	var t *http.Transport
	if b, ok := c.(*awshttp.BuildableClient); ok {
		t = b.GetTransport()
	} else {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	t.MaxIdleConnsPerHost = 2 * listWorkers
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	return t
}

// newRetryer is the SDK's standard retryer with the budget made explicit.
func newRetryer() sdkaws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = backoffCap
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
			d := backoffBase << min(max(attempt-1, 0), 8)
			return time.Duration(rand.Int64N(int64(min(d, backoffCap)) + 1)), nil
		})
	})
}

// ec2In returns the EC2 client of a region, made once.
func (p *provider) ec2In(region string) ec2API {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.clients[region]
	if !ok {
		c = ec2.NewFromConfig(p.aws, func(o *ec2.Options) { o.Region = region })
		p.clients[region] = c
	}
	return c
}

// Close drops idle connections.
func (p *provider) Close() error {
	p.transport.CloseIdleConnections()
	return nil
}

// markedCredentials marks a failure to get credentials (no chain source,
// an AssumeRole refused…), which the SDK reports as a plain wrapped error,
// so classify can tell it from other failures.
type markedCredentials struct{ sdkaws.CredentialsProvider }

func (m markedCredentials) Retrieve(ctx context.Context) (sdkaws.Credentials, error) {
	c, err := m.CredentialsProvider.Retrieve(ctx)
	if err != nil {
		return c, &credentialsError{err}
	}
	return c, nil
}

type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "getting credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }
