package ec2sim

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const stsVersion = "2011-06-15"

func (s *Server) serveSTS(w http.ResponseWriter, c call) {
	if v := c.params.Get("Version"); v != stsVersion {
		writeError(w, "sts", errBadRequest("InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", c.params.Get("Action"), v)))
		return
	}
	var doc any
	var err *apiError
	switch a := c.params.Get("Action"); a {
	case "GetCallerIdentity":
		doc = s.getCallerIdentity(c)
	case "AssumeRole":
		doc, err = s.assumeRole(c)
	default:
		err = errBadRequest("InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", a, stsVersion))
	}
	if err != nil {
		writeError(w, "sts", err)
		return
	}
	writeXML(w, doc)
}

type responseMetadataXML struct {
	RequestID string `xml:"RequestId"`
}

type callerIdentityXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		ARN     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata responseMetadataXML `xml:"ResponseMetadata"`
}

func (s *Server) getCallerIdentity(c call) any {
	doc := callerIdentityXML{Metadata: responseMetadataXML{requestID()}}
	doc.Result.ARN, doc.Result.UserID, doc.Result.Account = c.who.ARN, c.who.UserID, c.who.Account
	return doc
}

type assumeRoleXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		User struct {
			ARN    string `xml:"Arn"`
			RoleID string `xml:"AssumedRoleId"`
		} `xml:"AssumedRoleUser"`
		PackedPolicySize int `xml:"PackedPolicySize"`
	} `xml:"AssumeRoleResult"`
	Metadata responseMetadataXML `xml:"ResponseMetadata"`
}

var (
	roleARNRE     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

func (s *Server) assumeRole(c call) (any, *apiError) {
	p := c.params
	arn, session := p.Get("RoleArn"), p.Get("RoleSessionName")
	switch {
	case arn == "":
		return nil, errBadRequest("MissingParameter", "The request must contain the parameter RoleArn")
	case session == "":
		return nil, errBadRequest("MissingParameter", "The request must contain the parameter RoleSessionName")
	case !sessionNameRE.MatchString(session):
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint")
	}
	m := roleARNRE.FindStringSubmatch(arn)
	if m == nil {
		return nil, errBadRequest("ValidationError", fmt.Sprintf("%s is invalid", arn))
	}
	if s.opts.ExternalID != "" && p.Get("ExternalId") != s.opts.ExternalID {
		return nil, &apiError{Status: http.StatusForbidden, Code: "AccessDenied",
			Message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.who.ARN, arn)}
	}
	duration := time.Hour
	if v := p.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 900 || n > 43200 {
			return nil, errBadRequest("ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint")
		}
		duration = time.Duration(n) * time.Second
	}
	account, role := m[1], m[2]
	roleID := "AROA" + randomKey(16)
	key := "ASIA" + randomKey(16)
	tc := tempCredential{
		Secret:  randomSecret(30),
		Token:   randomSecret(120),
		Expires: time.Now().Add(duration).Truncate(time.Second),
		Who: principal{
			Account: account,
			ARN:     fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, role, session),
			UserID:  roleID + ":" + session,
		},
	}
	s.issue(key, tc)
	doc := assumeRoleXML{Metadata: responseMetadataXML{requestID()}}
	cr := &doc.Result.Credentials
	cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken = key, tc.Secret, tc.Token
	cr.Expiration = tc.Expires.UTC().Format(time.RFC3339)
	doc.Result.User.ARN, doc.Result.User.RoleID = tc.Who.ARN, tc.Who.UserID
	return doc, nil
}

// randomKey is n characters of the alphabet AWS access key ids use.
func randomKey(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	for range n {
		b.WriteByte(alphabet[rand.IntN(len(alphabet))])
	}
	return b.String()
}

// randomSecret is base64 of n random bytes.
func randomSecret(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return base64.StdEncoding.EncodeToString(b)
}
