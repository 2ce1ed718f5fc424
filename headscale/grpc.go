package headscale

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	v1 "github.com/juanfont/headscale/gen/go/headscale/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// DialConfig says how to reach Headscale's gRPC API.
type DialConfig struct {
	// Address is "unix:///path/to/headscale.sock" (local trust, no key) or host:port.
	Address string
	// APIKey authenticates TCP connections. Unused on a unix socket.
	APIKey string
	// Insecure uses plain TCP; only allowed when the host is loopback.
	Insecure   bool
	CAFile     string // PEM bundle to verify Headscale's certificate; empty: system roots
	ServerName string // overrides the name checked in the certificate
	// Timeout bounds every call. Zero means 10s.
	Timeout time.Duration
	// OnCall, when set, is told of every call: its method, duration and error.
	OnCall func(op string, d time.Duration, err error)
}

// GRPC is a Client over Headscale's gRPC API.
type GRPC struct {
	conn    *grpc.ClientConn
	api     v1.HeadscaleServiceClient
	timeout time.Duration
	onCall  func(string, time.Duration, error)
}

var _ Client = (*GRPC)(nil)

// Dial prepares a connection to Headscale. It does not wait for Headscale to
// answer: calls fail with ErrUnavailable until it does, and the connection
// recovers by itself when Headscale comes back.
func Dial(cfg DialConfig) (*GRPC, error) {
	target, opts, err := dialOptions(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, fmt.Errorf("headscale: dial %s: %w", cfg.Address, err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &GRPC{conn: conn, api: v1.NewHeadscaleServiceClient(conn), timeout: timeout, onCall: cfg.OnCall}, nil
}

func dialOptions(cfg DialConfig) (string, []grpc.DialOption, error) {
	opts := []grpc.DialOption{
		// Reconnect quickly once a restarted Headscale listens again.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: 2 * time.Second,
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256 << 20)),
	}
	if path, ok := strings.CutPrefix(cfg.Address, "unix://"); ok {
		if path == "" {
			return "", nil, fmt.Errorf("headscale: address %q: empty socket path", cfg.Address)
		}
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
		return "unix://" + path, opts, nil
	}
	host, _, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return "", nil, fmt.Errorf("headscale: address %q: want host:port or unix:///path: %w", cfg.Address, err)
	}
	if cfg.APIKey == "" {
		return "", nil, fmt.Errorf("headscale: address %q: an API key is required over TCP", cfg.Address)
	}
	if cfg.Insecure {
		if !IsLoopbackHost(host) {
			return "", nil, fmt.Errorf("headscale: address %q: plain TCP is allowed only to loopback; use TLS", cfg.Address)
		}
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.ServerName}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return "", nil, fmt.Errorf("headscale: read CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return "", nil, fmt.Errorf("headscale: CA file %s holds no PEM certificate", cfg.CAFile)
			}
			tc.RootCAs = pool
		}
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(tc)))
	}
	opts = append(opts, grpc.WithPerRPCCredentials(bearer{key: cfg.APIKey, secure: !cfg.Insecure}))
	return "passthrough:///" + cfg.Address, opts, nil
}

// IsLoopbackHost reports whether host is "localhost" or a loopback IP.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearer sends Headscale's API key with every call.
type bearer struct {
	key    string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.key}, nil
}

func (b bearer) RequireTransportSecurity() bool { return b.secure }

// Close releases the connection.
func (g *GRPC) Close() error { return g.conn.Close() }

// call runs one RPC with the call timeout, reports it and maps its error.
func call[T any](ctx context.Context, g *GRPC, op string, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	start := time.Now()
	v, err := f(ctx)
	if g.onCall != nil {
		g.onCall(op, time.Since(start), err)
	}
	if err != nil {
		var zero T
		return zero, mapError(op, err)
	}
	return v, nil
}

func (g *GRPC) ListUsers(ctx context.Context) ([]User, error) {
	r, err := call(ctx, g, "ListUsers", func(ctx context.Context) (*v1.ListUsersResponse, error) {
		return g.api.ListUsers(ctx, &v1.ListUsersRequest{})
	})
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(r.GetUsers()))
	for _, u := range r.GetUsers() {
		out = append(out, userFromProto(u))
	}
	return out, nil
}

func (g *GRPC) CreateUser(ctx context.Context, name, displayName, email string) (User, error) {
	r, err := call(ctx, g, "CreateUser", func(ctx context.Context) (*v1.CreateUserResponse, error) {
		return g.api.CreateUser(ctx, &v1.CreateUserRequest{Name: name, DisplayName: displayName, Email: email})
	})
	if err != nil {
		return User{}, err
	}
	return userFromProto(r.GetUser()), nil
}

func (g *GRPC) RenameUser(ctx context.Context, id uint64, newName string) (User, error) {
	r, err := call(ctx, g, "RenameUser", func(ctx context.Context) (*v1.RenameUserResponse, error) {
		return g.api.RenameUser(ctx, &v1.RenameUserRequest{OldId: id, NewName: newName})
	})
	if err != nil {
		return User{}, err
	}
	return userFromProto(r.GetUser()), nil
}

func (g *GRPC) DeleteUser(ctx context.Context, id uint64) error {
	_, err := call(ctx, g, "DeleteUser", func(ctx context.Context) (*v1.DeleteUserResponse, error) {
		return g.api.DeleteUser(ctx, &v1.DeleteUserRequest{Id: id})
	})
	return err
}

// CreatePreAuthKey mints a key. It refuses a request without an expiration in
// the future, which Headscale would turn into a key that is dead on arrival.
func (g *GRPC) CreatePreAuthKey(ctx context.Context, kr KeyRequest) (PreAuthKey, error) {
	if kr.Expiration.IsZero() || !kr.Expiration.After(time.Now()) {
		return PreAuthKey{}, &Error{Op: "CreatePreAuthKey", Kind: ErrInvalidArgument,
			Message: "expiration must be in the future", Err: errors.New("expiration must be in the future")}
	}
	if kr.UserID == 0 && len(kr.Tags) == 0 {
		return PreAuthKey{}, &Error{Op: "CreatePreAuthKey", Kind: ErrInvalidArgument,
			Message: "a key needs a user or at least one tag", Err: errors.New("a key needs a user or at least one tag")}
	}
	r, err := call(ctx, g, "CreatePreAuthKey", func(ctx context.Context) (*v1.CreatePreAuthKeyResponse, error) {
		return g.api.CreatePreAuthKey(ctx, &v1.CreatePreAuthKeyRequest{
			User:       kr.UserID,
			Reusable:   kr.Reusable,
			Ephemeral:  kr.Ephemeral,
			Expiration: timestamppb.New(kr.Expiration),
			AclTags:    kr.Tags,
		})
	})
	if err != nil {
		return PreAuthKey{}, err
	}
	return keyFromProto(r.GetPreAuthKey()), nil
}

func (g *GRPC) ListPreAuthKeys(ctx context.Context) ([]PreAuthKey, error) {
	r, err := call(ctx, g, "ListPreAuthKeys", func(ctx context.Context) (*v1.ListPreAuthKeysResponse, error) {
		return g.api.ListPreAuthKeys(ctx, &v1.ListPreAuthKeysRequest{})
	})
	if err != nil {
		return nil, err
	}
	out := make([]PreAuthKey, 0, len(r.GetPreAuthKeys()))
	for _, k := range r.GetPreAuthKeys() {
		out = append(out, keyFromProto(k))
	}
	return out, nil
}

func (g *GRPC) ExpirePreAuthKey(ctx context.Context, id uint64) error {
	_, err := call(ctx, g, "ExpirePreAuthKey", func(ctx context.Context) (*v1.ExpirePreAuthKeyResponse, error) {
		return g.api.ExpirePreAuthKey(ctx, &v1.ExpirePreAuthKeyRequest{Id: id})
	})
	return err
}

func (g *GRPC) DeletePreAuthKey(ctx context.Context, id uint64) error {
	_, err := call(ctx, g, "DeletePreAuthKey", func(ctx context.Context) (*v1.DeletePreAuthKeyResponse, error) {
		return g.api.DeletePreAuthKey(ctx, &v1.DeletePreAuthKeyRequest{Id: id})
	})
	return err
}

func (g *GRPC) ListNodes(ctx context.Context) ([]Node, error) {
	r, err := call(ctx, g, "ListNodes", func(ctx context.Context) (*v1.ListNodesResponse, error) {
		return g.api.ListNodes(ctx, &v1.ListNodesRequest{})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Node, 0, len(r.GetNodes()))
	for _, n := range r.GetNodes() {
		out = append(out, nodeFromProto(n))
	}
	return out, nil
}

func (g *GRPC) GetNode(ctx context.Context, id uint64) (Node, error) {
	return nodeCall(ctx, g, "GetNode", func(ctx context.Context) (nodeResponse, error) {
		return g.api.GetNode(ctx, &v1.GetNodeRequest{NodeId: id})
	})
}

func (g *GRPC) RenameNode(ctx context.Context, id uint64, name string) (Node, error) {
	return nodeCall(ctx, g, "RenameNode", func(ctx context.Context) (nodeResponse, error) {
		return g.api.RenameNode(ctx, &v1.RenameNodeRequest{NodeId: id, NewName: name})
	})
}

func (g *GRPC) SetTags(ctx context.Context, id uint64, tags []string) (Node, error) {
	return nodeCall(ctx, g, "SetTags", func(ctx context.Context) (nodeResponse, error) {
		return g.api.SetTags(ctx, &v1.SetTagsRequest{NodeId: id, Tags: tags})
	})
}

func (g *GRPC) SetApprovedRoutes(ctx context.Context, id uint64, routes []string) (Node, error) {
	return nodeCall(ctx, g, "SetApprovedRoutes", func(ctx context.Context) (nodeResponse, error) {
		return g.api.SetApprovedRoutes(ctx, &v1.SetApprovedRoutesRequest{NodeId: id, Routes: routes})
	})
}

func (g *GRPC) ExpireNode(ctx context.Context, id uint64) (Node, error) {
	return nodeCall(ctx, g, "ExpireNode", func(ctx context.Context) (nodeResponse, error) {
		return g.api.ExpireNode(ctx, &v1.ExpireNodeRequest{NodeId: id})
	})
}

func (g *GRPC) DisableNodeExpiry(ctx context.Context, id uint64) (Node, error) {
	return nodeCall(ctx, g, "ExpireNode", func(ctx context.Context) (nodeResponse, error) {
		return g.api.ExpireNode(ctx, &v1.ExpireNodeRequest{NodeId: id, DisableExpiry: true})
	})
}

func (g *GRPC) DeleteNode(ctx context.Context, id uint64) error {
	_, err := call(ctx, g, "DeleteNode", func(ctx context.Context) (*v1.DeleteNodeResponse, error) {
		return g.api.DeleteNode(ctx, &v1.DeleteNodeRequest{NodeId: id})
	})
	return err
}

func (g *GRPC) RegisterPending(ctx context.Context, authID, user string) (Node, error) {
	return nodeCall(ctx, g, "AuthRegister", func(ctx context.Context) (nodeResponse, error) {
		return g.api.AuthRegister(ctx, &v1.AuthRegisterRequest{AuthId: authID, User: user})
	})
}

func (g *GRPC) ApprovePending(ctx context.Context, authID string) error {
	_, err := call(ctx, g, "AuthApprove", func(ctx context.Context) (*v1.AuthApproveResponse, error) {
		return g.api.AuthApprove(ctx, &v1.AuthApproveRequest{AuthId: authID})
	})
	return err
}

func (g *GRPC) RejectPending(ctx context.Context, authID string) error {
	_, err := call(ctx, g, "AuthReject", func(ctx context.Context) (*v1.AuthRejectResponse, error) {
		return g.api.AuthReject(ctx, &v1.AuthRejectRequest{AuthId: authID})
	})
	return err
}

func (g *GRPC) GetPolicy(ctx context.Context) (Policy, error) {
	r, err := call(ctx, g, "GetPolicy", func(ctx context.Context) (*v1.GetPolicyResponse, error) {
		return g.api.GetPolicy(ctx, &v1.GetPolicyRequest{})
	})
	if err != nil {
		return Policy{}, err
	}
	return Policy{Policy: r.GetPolicy(), UpdatedAt: asTime(r.GetUpdatedAt())}, nil
}

func (g *GRPC) CheckPolicy(ctx context.Context, policy string) error {
	_, err := call(ctx, g, "CheckPolicy", func(ctx context.Context) (*v1.CheckPolicyResponse, error) {
		return g.api.CheckPolicy(ctx, &v1.CheckPolicyRequest{Policy: policy})
	})
	return policyError(err)
}

func (g *GRPC) SetPolicy(ctx context.Context, policy string) (Policy, error) {
	r, err := call(ctx, g, "SetPolicy", func(ctx context.Context) (*v1.SetPolicyResponse, error) {
		return g.api.SetPolicy(ctx, &v1.SetPolicyRequest{Policy: policy})
	})
	if err != nil {
		return Policy{}, policyError(err)
	}
	return Policy{Policy: r.GetPolicy(), UpdatedAt: asTime(r.GetUpdatedAt())}, nil
}

// policyError treats an unclassified policy failure as a problem with the
// document, which is what Headscale means by it.
func policyError(err error) error {
	var he *Error
	if errors.As(err, &he) && he.Kind == nil && !strings.Contains(strings.ToLower(he.Message), "canceled") {
		he.Kind = ErrInvalidArgument
	}
	return err
}

func (g *GRPC) Health(ctx context.Context) error {
	r, err := call(ctx, g, "Health", func(ctx context.Context) (*v1.HealthResponse, error) {
		return g.api.Health(ctx, &v1.HealthRequest{})
	})
	if err != nil {
		return err
	}
	if !r.GetDatabaseConnectivity() {
		return &Error{Op: "Health", Kind: ErrUnavailable, Message: "headscale cannot reach its database",
			Err: errors.New("no database connectivity")}
	}
	return nil
}

// DebugCreateNode registers a node without a client. Benchmarks use it with
// AuthRegister to fill a Headscale with many nodes; the console never does.
func (g *GRPC) DebugCreateNode(ctx context.Context, user, authID, name string) error {
	_, err := call(ctx, g, "DebugCreateNode", func(ctx context.Context) (*v1.DebugCreateNodeResponse, error) {
		return g.api.DebugCreateNode(ctx, &v1.DebugCreateNodeRequest{User: user, Key: authID, Name: name})
	})
	return err
}

// CreateAPIKey makes a Headscale API key, for tests and first-run tooling.
func (g *GRPC) CreateAPIKey(ctx context.Context, expiration time.Time) (string, error) {
	r, err := call(ctx, g, "CreateApiKey", func(ctx context.Context) (*v1.CreateApiKeyResponse, error) {
		return g.api.CreateApiKey(ctx, &v1.CreateApiKeyRequest{Expiration: timestamppb.New(expiration)})
	})
	if err != nil {
		return "", err
	}
	return r.GetApiKey(), nil
}

type nodeResponse interface{ GetNode() *v1.Node }

func nodeCall(ctx context.Context, g *GRPC, op string, f func(context.Context) (nodeResponse, error)) (Node, error) {
	r, err := call(ctx, g, op, f)
	if err != nil {
		return Node{}, err
	}
	return nodeFromProto(r.GetNode()), nil
}
