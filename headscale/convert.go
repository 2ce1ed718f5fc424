package headscale

import (
	"strings"
	"time"

	v1 "github.com/juanfont/headscale/gen/go/headscale/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func asTime(ts *timestamppb.Timestamp) time.Time {
	if ts == nil || (ts.GetSeconds() == 0 && ts.GetNanos() == 0) {
		return time.Time{}
	}
	return ts.AsTime().UTC()
}

func userFromProto(u *v1.User) User {
	return User{
		ID:          u.GetId(),
		Name:        u.GetName(),
		DisplayName: u.GetDisplayName(),
		Email:       u.GetEmail(),
		CreatedAt:   asTime(u.GetCreatedAt()),
	}
}

func keyFromProto(k *v1.PreAuthKey) PreAuthKey {
	return PreAuthKey{
		ID:         k.GetId(),
		Key:        k.GetKey(),
		User:       k.GetUser().GetName(),
		UserID:     k.GetUser().GetId(),
		Reusable:   k.GetReusable(),
		Ephemeral:  k.GetEphemeral(),
		Used:       k.GetUsed(),
		Tags:       nonNil(k.GetAclTags()),
		Expiration: asTime(k.GetExpiration()),
		CreatedAt:  asTime(k.GetCreatedAt()),
	}
}

func nodeFromProto(n *v1.Node) Node {
	name := n.GetGivenName()
	if name == "" {
		name = n.GetName()
	}
	return Node{
		ID:              n.GetId(),
		Name:            name,
		Hostname:        n.GetName(),
		User:            n.GetUser().GetName(),
		UserID:          n.GetUser().GetId(),
		IPAddresses:     nonNil(n.GetIpAddresses()),
		Online:          n.GetOnline(),
		LastSeen:        asTime(n.GetLastSeen()),
		Expiry:          asTime(n.GetExpiry()),
		CreatedAt:       asTime(n.GetCreatedAt()),
		Tags:            nonNil(n.GetTags()),
		ApprovedRoutes:  nonNil(n.GetApprovedRoutes()),
		AvailableRoutes: nonNil(n.GetAvailableRoutes()),
		SubnetRoutes:    nonNil(n.GetSubnetRoutes()),
		PreAuthKeyID:    n.GetPreAuthKey().GetId(),
		RegisterMethod:  registerMethod(n.GetRegisterMethod()),
		MachineKey:      n.GetMachineKey(),
		NodeKey:         n.GetNodeKey(),
	}
}

func registerMethod(m v1.RegisterMethod) string {
	s := strings.TrimPrefix(m.String(), "REGISTER_METHOD_")
	return strings.ToLower(s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
