package aws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/neogenesys/console/providers"
)

// The go.mod has no SSM client, so the three Run Command calls Exec needs
// are made here in SSM's own wire format, AWS JSON 1.1: POST / with
// Content-Type application/x-amz-json-1.1, X-Amz-Target
// AmazonSSM.<Operation> and a JSON body, signed with the SDK's SigV4 signer
// (service "ssm") and the credentials of the adapter's aws.Config. Errors
// are JSON too: {"__type": "[namespace#]Code", "message": "…"}.

// ssmMaxResponse bounds what is read of an SSM answer (its output fields
// hold at most 24,000 and 8,000 characters).
const ssmMaxResponse = 1 << 20

// ssmError is an error answer of SSM.
type ssmError struct {
	Status  int
	Code    string
	Message string
}

func (e *ssmError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return e.Code + ": " + e.Message
}

// ssmSentinels are the SSM error codes with a meaning for the console.
// InvalidInstanceId is not here: Exec tells what it means by asking EC2.
var ssmSentinels = map[string]error{
	"AccessDeniedException":               providers.ErrAuth,
	"AccessDenied":                        providers.ErrAuth,
	"UnrecognizedClientException":         providers.ErrAuth,
	"InvalidSignatureException":           providers.ErrAuth,
	"IncompleteSignature":                 providers.ErrAuth,
	"MissingAuthenticationTokenException": providers.ErrAuth,
	"ExpiredTokenException":               providers.ErrAuth,
	"ThrottlingException":                 providers.ErrThrottled,
}

// ssmEndpoint is the endpoint override of the aws.Config when set, else the
// region's public SSM endpoint.
func (p *provider) ssmEndpoint(region string) string {
	if p.aws.BaseEndpoint != nil && *p.aws.BaseEndpoint != "" {
		return strings.TrimRight(*p.aws.BaseEndpoint, "/") + "/"
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://ssm." + region + "." + suffix + "/"
}

// ssmCall makes one SSM call in region, decoding the answer into out (which
// may be nil). Throttling is retried up to maxAttempts times with the
// adapter's backoff; so are server errors and failures to connect when
// idempotent is set (SendCommand is not: a retry could run the command
// twice). Errors are classified as classify does.
func (p *provider) ssmCall(ctx context.Context, region, op string, in, out any, idempotent bool) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("aws %s ssm %s: %w", region, op, err)
	}
	where := region + " ssm " + op
	for attempt := 1; ; attempt++ {
		err := p.ssmOnce(ctx, region, op, body, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return &wrapped{"aws " + where + ": " + ctx.Err().Error(), []error{ctx.Err(), err}}
		}
		var se *ssmError
		isSSM := errors.As(err, &se)
		retryable := isSSM && se.Code == "ThrottlingException" ||
			idempotent && (isSSM && se.Status >= 500 || errors.Is(err, providers.ErrUnreachable))
		if !retryable || attempt >= maxAttempts {
			return ssmClassify(where, err)
		}
		d := backoffBase << min(attempt-1, 8)
		t := time.NewTimer(time.Duration(rand.Int64N(int64(min(d, backoffCap)) + 1)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &wrapped{"aws " + where + ": " + ctx.Err().Error(), []error{ctx.Err(), err}}
		}
	}
}

// ssmClassify prefixes err with where and wraps the sentinel its code means.
func ssmClassify(where string, err error) error {
	prefix := "aws " + where + ": "
	var se *ssmError
	if errors.As(err, &se) {
		if s, ok := ssmSentinels[se.Code]; ok {
			return &wrapped{prefix + s.Error() + ": " + se.Error(), []error{s, err}}
		}
		return &wrapped{prefix + se.Error(), []error{err}}
	}
	return &wrapped{prefix + err.Error(), []error{err}}
}

func (p *provider) ssmOnce(ctx context.Context, region, op string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.ssmEndpoint(region), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	if p.aws.Credentials == nil {
		return &wrapped{providers.ErrAuth.Error() + ": no credentials configured", []error{providers.ErrAuth}}
	}
	creds, err := p.aws.Credentials.Retrieve(ctx)
	if err != nil {
		return &wrapped{providers.ErrAuth.Error() + ": no usable credentials: " + err.Error(), []error{providers.ErrAuth, err}}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", region, time.Now().UTC()); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	client := p.aws.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &wrapped{providers.ErrUnreachable.Error() + ": " + err.Error(), []error{providers.ErrUnreachable, err}}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, ssmMaxResponse))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &wrapped{providers.ErrUnreachable.Error() + ": reading the answer: " + err.Error(), []error{providers.ErrUnreachable, err}}
	}
	if resp.StatusCode/100 != 2 {
		return parseSSMError(resp, b)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decoding the answer: %w", err)
	}
	return nil
}

// parseSSMError reads an AWS JSON error: the code is in __type (or the
// X-Amzn-ErrorType header), after any "namespace#" and before any ":".
func parseSSMError(resp *http.Response, b []byte) *ssmError {
	var doc struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(b, &doc)
	code := resp.Header.Get("X-Amzn-ErrorType")
	if code == "" {
		code = doc.Type
	}
	if code == "" {
		code = doc.Code
	}
	if _, after, ok := strings.Cut(code, "#"); ok {
		code = after
	}
	code, _, _ = strings.Cut(code, ":")
	e := &ssmError{Status: resp.StatusCode, Code: code, Message: doc.Message}
	if e.Message == "" {
		e.Message = doc.Message2
	}
	switch {
	case e.Code == "" && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable):
		e.Code = "ThrottlingException"
	case e.Code == "" && resp.StatusCode >= 500:
		e.Code = "InternalServerError"
	case e.Code == "":
		e.Code = http.StatusText(resp.StatusCode)
	}
	return e
}

// Wire shapes of the three calls (SSM API reference).

type sendCommandInput struct {
	DocumentName   string              `json:"DocumentName"`
	InstanceIds    []string            `json:"InstanceIds"`
	Parameters     map[string][]string `json:"Parameters"`
	TimeoutSeconds int                 `json:"TimeoutSeconds,omitempty"`
	Comment        string              `json:"Comment,omitempty"`
}

type sendCommandOutput struct {
	Command struct {
		CommandID string `json:"CommandId"`
		Status    string `json:"Status"`
	} `json:"Command"`
}

type getCommandInvocationInput struct {
	CommandID  string `json:"CommandId"`
	InstanceID string `json:"InstanceId"`
}

type getCommandInvocationOutput struct {
	CommandID             string `json:"CommandId"`
	InstanceID            string `json:"InstanceId"`
	Status                string `json:"Status"`
	StatusDetails         string `json:"StatusDetails"`
	ResponseCode          int    `json:"ResponseCode"`
	StandardOutputContent string `json:"StandardOutputContent"`
	StandardErrorContent  string `json:"StandardErrorContent"`
}

type cancelCommandInput struct {
	CommandID   string   `json:"CommandId"`
	InstanceIds []string `json:"InstanceIds,omitempty"`
}
