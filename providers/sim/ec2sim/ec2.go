package ec2sim

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/neogenesys/console/providers/sim"
)

// ec2Version is the only EC2 API version the simulator speaks.
const ec2Version = "2016-11-15"

func (s *Server) serveEC2(w http.ResponseWriter, c call) {
	switch v := c.params.Get("Version"); {
	case v == "":
		writeError(w, "ec2", errBadRequest("MissingParameter", "The request must contain the parameter Version"))
		return
	case v != ec2Version:
		writeError(w, "ec2", errBadRequest("NoSuchVersion", fmt.Sprintf("The requested version (%s) of service AmazonEC2 does not exist", v)))
		return
	}
	for k := range c.params {
		if strings.HasPrefix(k, "Filter.") {
			writeError(w, "ec2", errBadRequest("InvalidParameterValue", "Filter parameters are not supported by this simulator"))
			return
		}
	}
	var doc any
	var err *apiError
	switch a := c.params.Get("Action"); a {
	case "DescribeRegions":
		doc, err = s.describeRegions(c)
	case "DescribeInstances":
		doc, err = s.describeInstances(c)
	case "DescribeInstanceTypes":
		doc, err = s.describeInstanceTypes(c)
	case "StartInstances":
		doc, err = s.power(c, sim.Start, "StartInstancesResponse", "started")
	case "StopInstances":
		doc, err = s.power(c, sim.Stop, "StopInstancesResponse", "stopped")
	case "RebootInstances":
		doc, err = s.power(c, sim.Reboot, "RebootInstancesResponse", "rebooted")
	case "":
		err = errBadRequest("MissingAction", "The request must contain the parameter Action")
	default:
		err = errBadRequest("InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", a))
	}
	if err != nil {
		writeError(w, "ec2", err)
		return
	}
	writeXML(w, doc)
}

// numbered collects a list argument: Name.1, Name.2, … up to the first gap.
func numbered(p url.Values, name string) []string {
	var out []string
	for i := 1; i <= len(p); i++ {
		v, ok := p[name+"."+strconv.Itoa(i)]
		if !ok {
			break
		}
		out = append(out, v[0])
	}
	return out
}

// maxResults reads MaxResults within [lo, hi]; ok is false when absent.
func maxResults(p url.Values, lo, hi int) (n int, ok bool, err *apiError) {
	v := p.Get("MaxResults")
	if v == "" {
		return 0, false, nil
	}
	n, convErr := strconv.Atoi(v)
	if convErr != nil || n < lo || n > hi {
		return 0, false, errBadRequest("InvalidParameterValue",
			fmt.Sprintf("Value ( %s ) for parameter maxResults is invalid. Expecting a value between %d and %d.", v, lo, hi))
	}
	return n, true, nil
}

// Page tokens are opaque to clients; here they name the list, the region and
// the offset, so a token is refused anywhere else.
func pageToken(list, region string, offset int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s|%s|%d", list, region, offset))
}

func parsePageToken(tok, list, region string) (int, *apiError) {
	if tok == "" {
		return 0, nil
	}
	bad := errBadRequest("InvalidPaginationToken", "The specified pagination token is not valid or is expired.")
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || parts[0] != list || parts[1] != region {
		return 0, bad
	}
	off, err := strconv.Atoi(parts[2])
	if err != nil || off < 0 {
		return 0, bad
	}
	return off, nil
}

// --- DescribeRegions ---

type regionsXML struct {
	XMLName   xml.Name    `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeRegionsResponse"`
	RequestID string      `xml:"requestId"`
	Regions   []regionXML `xml:"regionInfo>item"`
}

type regionXML struct {
	Name     string `xml:"regionName"`
	Endpoint string `xml:"regionEndpoint"`
	OptIn    string `xml:"optInStatus"`
}

// notOptedIn is a region an account sees only with AllRegions=true.
const notOptedIn = "af-south-1"

func (s *Server) describeRegions(c call) (any, *apiError) {
	names := s.regions()
	if c.params.Get("AllRegions") == "true" && !slices.Contains(names, notOptedIn) {
		names = append(names, notOptedIn)
	}
	if want := numbered(c.params, "RegionName"); len(want) > 0 {
		for _, n := range want {
			if !slices.Contains(names, n) {
				return nil, errBadRequest("InvalidParameterValue", fmt.Sprintf("Invalid region: %s", n))
			}
		}
		names = want
	}
	doc := regionsXML{RequestID: requestID()}
	for _, n := range names {
		status := "opt-in-not-required"
		if n == notOptedIn {
			status = "not-opted-in"
		}
		doc.Regions = append(doc.Regions, regionXML{Name: n, Endpoint: "ec2." + n + ".amazonaws.com", OptIn: status})
	}
	return doc, nil
}

// --- DescribeInstances ---

type instancesXML struct {
	XMLName      xml.Name         `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ DescribeInstancesResponse"`
	RequestID    string           `xml:"requestId"`
	Reservations []reservationXML `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type reservationXML struct {
	ID        string        `xml:"reservationId"`
	OwnerID   string        `xml:"ownerId"`
	Groups    []struct{}    `xml:"groupSet>item"`
	Instances []instanceXML `xml:"instancesSet>item"`
}

type stateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type tagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type instanceXML struct {
	ID             string   `xml:"instanceId,omitempty"`
	ImageID        string   `xml:"imageId,omitempty"`
	State          stateXML `xml:"instanceState"`
	PrivateDNSName string   `xml:"privateDnsName"`
	DNSName        string   `xml:"dnsName"`
	LaunchIndex    int      `xml:"amiLaunchIndex"`
	Type           string   `xml:"instanceType"`
	LaunchTime     string   `xml:"launchTime,omitempty"`
	Placement      struct {
		Zone    string `xml:"availabilityZone"`
		Tenancy string `xml:"tenancy"`
	} `xml:"placement"`
	Platform   string `xml:"platform,omitempty"`
	Monitoring struct {
		State string `xml:"state"`
	} `xml:"monitoring"`
	PrivateIP          string   `xml:"privateIpAddress,omitempty"`
	PublicIP           string   `xml:"ipAddress,omitempty"`
	Architecture       string   `xml:"architecture"`
	RootDeviceType     string   `xml:"rootDeviceType"`
	Tags               []tagXML `xml:"tagSet>item,omitempty"`
	VirtualizationType string   `xml:"virtualizationType"`
	CPUOptions         struct {
		CoreCount      int `xml:"coreCount"`
		ThreadsPerCore int `xml:"threadsPerCore"`
	} `xml:"cpuOptions"`
	IPv6Address     string `xml:"ipv6Address,omitempty"`
	PlatformDetails string `xml:"platformDetails,omitempty"`
}

var instanceIDRE = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// instancesByID returns the VMs of ids in region, or the error EC2 gives for
// ids that are malformed or not there.
func (s *Server) instancesByID(ids []string, region string) ([]sim.VM, *apiError) {
	var vms []sim.VM
	var missing []string
	for _, id := range ids {
		if !instanceIDRE.MatchString(id) {
			return nil, errBadRequest("InvalidInstanceID.Malformed", fmt.Sprintf("Invalid id: %q", id))
		}
		vm, err := s.Fleet.Get(id)
		if err != nil || vm.Region != region {
			missing = append(missing, id)
			continue
		}
		vms = append(vms, vm)
	}
	switch len(missing) {
	case 0:
		return vms, nil
	case 1:
		return nil, errBadRequest("InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", missing[0]))
	}
	return nil, errBadRequest("InvalidInstanceID.NotFound", fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", ")))
}

func (s *Server) describeInstances(c call) (any, *apiError) {
	region := c.scope.Region
	ids := numbered(c.params, "InstanceId")
	max, hasMax, err := maxResults(c.params, 5, 1000)
	if err != nil {
		return nil, err
	}
	doc := instancesXML{RequestID: requestID()}
	var page []sim.VM
	if len(ids) > 0 {
		if hasMax {
			return nil, errBadRequest("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults")
		}
		if page, err = s.instancesByID(ids, region); err != nil {
			return nil, err
		}
	} else {
		offset, err := parsePageToken(c.params.Get("NextToken"), "instances", region)
		if err != nil {
			return nil, err
		}
		all := s.Fleet.List(func(vm *sim.VM) bool { return vm.Region == region })
		limit := s.opts.PageSize
		if hasMax && max < limit {
			limit = max
		}
		offset = min(offset, len(all))
		end := min(offset+limit, len(all))
		page = all[offset:end]
		if end < len(all) {
			doc.NextToken = pageToken("instances", region, end)
		}
	}
	for _, vm := range page {
		res := reservationID(vm)
		if n := len(doc.Reservations); n == 0 || doc.Reservations[n-1].ID != res {
			doc.Reservations = append(doc.Reservations, reservationXML{ID: res, OwnerID: c.who.Account})
		}
		r := &doc.Reservations[len(doc.Reservations)-1]
		inst := s.instanceXML(vm)
		inst.LaunchIndex = len(r.Instances)
		r.Instances = append(r.Instances, inst)
	}
	return doc, nil
}

// reservationID is the VM's reservation: Populate keeps it in Group; other
// fleets get one reservation per VM.
func reservationID(vm sim.VM) string {
	if strings.HasPrefix(vm.Group, "r-") {
		return vm.Group
	}
	return "r-0" + hex16(hashString(vm.ID))
}

// stateCodes are EC2's instance state codes by fleet state. A rebooting
// instance stays "running" in EC2.
var stateCodes = map[sim.State]stateXML{
	sim.Pending:    {0, "pending"},
	sim.Running:    {16, "running"},
	sim.Rebooting:  {16, "running"},
	sim.Terminated: {48, "terminated"},
	sim.Stopping:   {64, "stopping"},
	sim.Stopped:    {80, "stopped"},
}

// stateOf is vm's instanceState. EC2 documents the high byte of the code as
// internal; one VM in ten gets it set so clients must mask it. A state the
// table lacks is sent as an undefined code with the fleet's word.
func stateOf(vm sim.VM) stateXML {
	st, ok := stateCodes[vm.State]
	if !ok {
		return stateXML{Code: 99, Name: string(vm.State)}
	}
	if hashString(vm.ID)%10 == 3 {
		st.Code |= 0x100
	}
	return st
}

func (s *Server) instanceXML(vm sim.VM) instanceXML {
	x := instanceXML{
		ID:                 vm.ID,
		ImageID:            vm.Image,
		State:              stateOf(vm),
		Type:               vm.Type,
		LaunchTime:         vm.Created.UTC().Format("2006-01-02T15:04:05.000Z"),
		PrivateIP:          vm.PrivateIP,
		PublicIP:           vm.PublicIP,
		Architecture:       "x86_64",
		RootDeviceType:     "ebs",
		VirtualizationType: "hvm",
		PlatformDetails:    vm.OS,
	}
	x.Placement.Zone, x.Placement.Tenancy = vm.Zone, "default"
	x.Monitoring.State = "disabled"
	if strings.Contains(vm.OS, "Windows") {
		x.Platform = "windows"
	}
	x.CPUOptions.CoreCount, x.CPUOptions.ThreadsPerCore = max(vm.VCPUs/2, 1), min(vm.VCPUs, 2)
	if vm.PrivateIP != "" {
		x.PrivateDNSName = "ip-" + strings.ReplaceAll(vm.PrivateIP, ".", "-") + internalDomain(vm.Region)
	}
	if vm.PublicIP != "" {
		x.DNSName = "ec2-" + strings.ReplaceAll(vm.PublicIP, ".", "-") + publicDomain(vm.Region)
		if h := hashString(vm.ID); h%2 == 0 {
			x.IPv6Address = fmt.Sprintf("2600:1f18:%x:%x::%x", h>>48&0xffff, h>>32&0xffff, h&0xffff)
		}
	}
	if vm.Name != "" {
		x.Tags = append(x.Tags, tagXML{"Name", vm.Name})
	}
	keys := make([]string, 0, len(vm.Tags))
	for k := range vm.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		x.Tags = append(x.Tags, tagXML{k, vm.Tags[k]})
	}
	if s.isCorrupt(vm.ID) {
		x.ID = ""
		x.State = stateXML{Code: 99, Name: "exploding"}
	}
	return x
}

func internalDomain(region string) string {
	if region == "us-east-1" {
		return ".ec2.internal"
	}
	return "." + region + ".compute.internal"
}

func publicDomain(region string) string {
	if region == "us-east-1" {
		return ".compute-1.amazonaws.com"
	}
	return "." + region + ".compute.amazonaws.com"
}

// --- Start, Stop, RebootInstances ---

type stateChangesXML struct {
	XMLName   xml.Name
	RequestID string           `xml:"requestId"`
	Changes   []stateChangeXML `xml:"instancesSet>item"`
}

type stateChangeXML struct {
	ID       string   `xml:"instanceId"`
	Current  stateXML `xml:"currentState"`
	Previous stateXML `xml:"previousState"`
}

type rebootXML struct {
	XMLName   xml.Name `xml:"http://ec2.amazonaws.com/doc/2016-11-15/ RebootInstancesResponse"`
	RequestID string   `xml:"requestId"`
	Return    bool     `xml:"return"`
}

func (s *Server) power(c call, a sim.Action, response, verb string) (any, *apiError) {
	ids := numbered(c.params, "InstanceId")
	if len(ids) == 0 {
		return nil, errBadRequest("MissingParameter", "The request must contain the parameter InstanceId")
	}
	if _, err := s.instancesByID(ids, c.scope.Region); err != nil {
		return nil, err
	}
	doc := stateChangesXML{XMLName: xml.Name{Space: ec2NS, Local: response}, RequestID: requestID()}
	for _, id := range ids {
		prev, cur, err := s.Fleet.Power(id, a)
		switch {
		case errors.Is(err, sim.ErrNotFound):
			return nil, errBadRequest("InvalidInstanceID.NotFound", fmt.Sprintf("The instance ID '%s' does not exist", id))
		case errors.Is(err, sim.ErrInvalidState):
			return nil, errBadRequest("IncorrectInstanceState",
				fmt.Sprintf("The instance '%s' is not in a state from which it can be %s.", id, verb))
		case err != nil:
			return nil, &apiError{Status: http.StatusInternalServerError, Code: "InternalError", Message: err.Error()}
		}
		doc.Changes = append(doc.Changes, stateChangeXML{ID: id,
			Current: stateOf(sim.VM{ID: id, State: cur}), Previous: stateOf(sim.VM{ID: id, State: prev})})
	}
	if a == sim.Reboot {
		return rebootXML{RequestID: doc.RequestID, Return: true}, nil
	}
	return doc, nil
}
