package lxd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	lxdclient "github.com/canonical/lxd/client"
	"github.com/canonical/lxd/shared/api"
)

// get sends a GET through the LXD client and returns the body of a 200
// answer; other answers become the client's StatusError, as RawQuery
// would. Unlike RawQuery it does not read the whole answer before
// returning: 10,000 instances are ~40 MB of JSON, decoded as they arrive.
func (p *Provider) get(ctx context.Context, c lxdclient.InstanceServer, path string) (io.ReadCloser, error) {
	base := "http://unix.socket" // the transport dials the socket whatever the host
	if p.ep.https() {
		base = p.ep.url
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.DoHTTP(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	defer resp.Body.Close()
	var r api.Response
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&r); err == nil && r.Error != "" {
		return nil, api.NewStatusError(resp.StatusCode, r.Error)
	}
	return nil, fmt.Errorf("GET %s: %s: %w", path, resp.Status, api.NewGenericStatusError(resp.StatusCode))
}

// errMalformed marks an answer that is not LXD's JSON.
var errMalformed = errors.New("malformed answer")

// metadata advances dec to the start of the envelope's "metadata" value
// (LXD writes it last), reporting an error envelope as a StatusError.
func metadata(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%w: not a JSON object (%v)", errMalformed, err)
	}
	var env api.Response
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %w", errMalformed, err)
		}
		switch tok {
		case "metadata":
			if env.Type == api.ErrorResponse {
				return api.NewStatusError(env.Code, env.Error)
			}
			return nil
		case "type":
			err = dec.Decode(&env.Type)
		case "error":
			err = dec.Decode(&env.Error)
		case "error_code":
			err = dec.Decode(&env.Code)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", errMalformed, err)
		}
	}
	if env.Type == api.ErrorResponse {
		return api.NewStatusError(env.Code, env.Error)
	}
	return fmt.Errorf("%w: no metadata", errMalformed)
}
