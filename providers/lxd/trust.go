package lxd

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared"
	"github.com/canonical/lxd/shared/api"

	"github.com/neogenesys/console/providers"
)

// onboard adds the client certificate to the server's trust store with the
// configured trust token or password, as `lxc remote add` does, and returns
// the server as it now sees the client. Without either secret, or when the
// server still does not trust the certificate, it fails with ErrAuth.
func (p *Provider) onboard(ctx context.Context, c lxdclient.InstanceServer, srv *api.Server) (*api.Server, error) {
	if p.trustToken != "" || p.trustPassword != "" {
		// Another call may have onboarded while this one waited.
		fresh, err := p.getServer(ctx, c)
		if err != nil {
			return nil, err
		}
		if fresh.Auth == "trusted" {
			return fresh, nil
		}
	}
	if p.trustToken == "" && p.trustPassword == "" {
		return nil, p.wrap("GET /1.0", fmt.Errorf("%w: the server does not trust the client certificate (auth %q)",
			providers.ErrAuth, srv.Auth))
	}
	err := p.addCertificate(c)
	// 409: the certificate is trusted already (the token was used before).
	if err != nil && !api.StatusErrorCheck(err, http.StatusConflict) {
		if api.StatusErrorCheck(err, http.StatusForbidden, http.StatusBadRequest, http.StatusNotFound) {
			return nil, p.wrap("trust", fmt.Errorf("%w: the server refused the trust token or password (used, expired or wrong?): %w",
				providers.ErrAuth, err))
		}
		return nil, p.wrap("trust", err)
	}
	srv, err = p.getServer(ctx, c)
	if err != nil {
		return nil, err
	}
	if srv.Auth != "trusted" {
		return nil, p.wrap("trust", fmt.Errorf("%w: the server still does not trust the client certificate", providers.ErrAuth))
	}
	return srv, nil
}

// addCertificate presents the token or password. The certificate itself is
// the TLS client certificate of the connection, so it is left out of the
// request. LXD 5.0 takes a token in the password field; later releases
// have an explicit field, and tokens issued by the identities API (type
// set) go to that API.
func (p *Provider) addCertificate(c lxdclient.InstanceServer) error {
	req := api.CertificatesPost{Type: api.CertificateTypeClient, Name: "neoconsole-" + p.accountID}
	if p.trustPassword != "" {
		req.Password = p.trustPassword
		return c.CreateCertificate(req)
	}
	tok, err := shared.CertificateTokenDecode(p.trustToken)
	if err != nil {
		return errors.New("trustToken: not an LXD trust token")
	}
	if tok.Type != "" {
		return c.CreateIdentityTLS(api.IdentitiesTLSPost{TrustToken: p.trustToken})
	}
	if c.HasExtension("explicit_trust_token") {
		req.TrustToken = p.trustToken
	} else {
		req.Password = p.trustToken
	}
	return c.CreateCertificate(req)
}
