package aws

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/neogenesys/console/providers"
)

// Check asks STS who the credentials are (after AssumeRole, when a role is
// configured) and lists the regions; the identity is the account id.
func (p *provider) Check(ctx context.Context) (providers.AccountInfo, error) {
	id, err := p.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return providers.AccountInfo{}, classify(ctx, "sts GetCallerIdentity", err)
	}
	account := sdkaws.ToString(id.Account)
	if account == "" {
		return providers.AccountInfo{}, fmt.Errorf("aws sts: GetCallerIdentity returned no account")
	}
	regions, missing, err := p.regions(ctx)
	switch {
	case err != nil:
		return providers.AccountInfo{}, err
	case len(missing) > 0:
		return providers.AccountInfo{}, fmt.Errorf("aws: regions: %s not enabled for account %s",
			strings.Join(missing, ", "), account)
	case len(regions) == 0:
		return providers.AccountInfo{}, fmt.Errorf("aws: account %s has no enabled region", account)
	}
	return providers.AccountInfo{Identity: account, Regions: regions}, nil
}
