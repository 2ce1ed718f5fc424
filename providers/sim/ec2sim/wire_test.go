package ec2sim

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neogenesys/console/providers/sim"
)

type instancesPage struct {
	Reservations []struct {
		ID        string `xml:"reservationId"`
		Owner     string `xml:"ownerId"`
		Instances []struct {
			ID    string `xml:"instanceId"`
			Code  int    `xml:"instanceState>code"`
			State string `xml:"instanceState>name"`
			Zone  string `xml:"placement>availabilityZone"`
			Type  string `xml:"instanceType"`
		} `xml:"instancesSet>item"`
	} `xml:"reservationSet>item"`
	NextToken string `xml:"nextToken"`
}

func TestDescribeInstancesPaging(t *testing.T) {
	s := newTestServer(60, Options{})
	want := map[string]bool{}
	for _, vm := range s.Fleet.List(nil) {
		if vm.Region == "eu-west-1" {
			want[vm.ID] = true
		}
	}
	seen := map[string]bool{}
	token, pages, shared := "", 0, false
	for pages < 10 {
		args := []string{"MaxResults", "5"}
		if token != "" {
			args = append(args, "NextToken", token)
		}
		w := serve(s, ec2Call(t, "eu-west-1", "DescribeInstances", args...))
		if w.Code != 200 || !strings.Contains(w.Body.String(), `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`) {
			t.Fatalf("page %d: %d %s", pages, w.Code, w.Body)
		}
		var page instancesPage
		decode(t, w, &page)
		pages++
		n := 0
		for _, r := range page.Reservations {
			shared = shared || len(r.Instances) > 1
			if !strings.HasPrefix(r.ID, "r-0") || r.Owner != DefaultAccountID {
				t.Errorf("reservation %q owner %q", r.ID, r.Owner)
			}
			for _, in := range r.Instances {
				n++
				if seen[in.ID] || !want[in.ID] {
					t.Errorf("page %d: instance %s repeated or not in eu-west-1", pages, in.ID)
				}
				seen[in.ID] = true
				if !strings.HasPrefix(in.Zone, "eu-west-1") || len(in.Zone) != len("eu-west-1a") {
					t.Errorf("%s: zone %q", in.ID, in.Zone)
				}
			}
		}
		if n > 5 {
			t.Errorf("page %d holds %d instances, MaxResults was 5", pages, n)
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	if len(seen) != len(want) || pages != 4 {
		t.Errorf("%d pages listed %d instances, want 4 pages and %d", pages, len(seen), len(want))
	}
	if !shared {
		t.Error("no reservation holds several instances")
	}
}

func TestPageSizeCapsPages(t *testing.T) {
	s := newTestServer(30, Options{PageSize: 3})
	var page instancesPage
	decode(t, serve(s, ec2Call(t, "us-east-1", "DescribeInstances", "MaxResults", "1000")), &page)
	n := 0
	for _, r := range page.Reservations {
		n += len(r.Instances)
	}
	if n != 3 || page.NextToken == "" {
		t.Errorf("page of %d instances, token %q; want 3 and a token", n, page.NextToken)
	}
}

func TestEC2Errors(t *testing.T) {
	s := newTestServer(9, Options{})
	var east, west string
	for _, vm := range s.Fleet.List(nil) {
		switch vm.Region {
		case "us-east-1":
			east = vm.ID
		case "eu-west-1":
			west = vm.ID
		}
	}
	for _, tc := range []struct {
		name   string
		action string
		args   []string
		code   string
		msg    string
	}{
		{"MaxResults too small", "DescribeInstances", []string{"MaxResults", "4"}, "InvalidParameterValue", "maxResults"},
		{"MaxResults too large", "DescribeInstances", []string{"MaxResults", "1001"}, "InvalidParameterValue", "maxResults"},
		{"MaxResults with ids", "DescribeInstances", []string{"MaxResults", "5", "InstanceId.1", east}, "InvalidParameterCombination", ""},
		{"unknown id", "DescribeInstances", []string{"InstanceId.1", "i-0123456789abcdef0"}, "InvalidInstanceID.NotFound",
			"The instance ID 'i-0123456789abcdef0' does not exist"},
		{"id of another region", "DescribeInstances", []string{"InstanceId.1", west}, "InvalidInstanceID.NotFound", west},
		{"malformed id", "DescribeInstances", []string{"InstanceId.1", "vm-1"}, "InvalidInstanceID.Malformed", `Invalid id: "vm-1"`},
		{"bad token", "DescribeInstances", []string{"NextToken", "garbage"}, "InvalidPaginationToken", ""},
		{"filters", "DescribeInstances", []string{"Filter.1.Name", "instance-state-name"}, "InvalidParameterValue", ""},
		{"unknown type", "DescribeInstanceTypes", []string{"InstanceType.1", "m5.large", "InstanceType.2", "z9.huge"},
			"InvalidInstanceType", "z9.huge"},
		{"start nothing", "StartInstances", nil, "MissingParameter", ""},
		{"unknown action", "RunInstances", nil, "InvalidAction", "RunInstances"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := serve(s, ec2Call(t, "us-east-1", tc.action, tc.args...))
			var e ec2Err
			decode(t, w, &e)
			if w.Code != 400 || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) || e.RequestID == "" {
				t.Errorf("%d %s %q (request %q), want 400 %s %q", w.Code, e.Code, e.Message, e.RequestID, tc.code, tc.msg)
			}
		})
	}
}

func TestPowerActions(t *testing.T) {
	s := newTestServer(12, Options{})
	s.Fleet.Transition = 1 << 40 // transitions last for the whole test
	var id string
	for _, vm := range s.Fleet.List(nil) {
		if vm.State == sim.Running && vm.Region == "us-east-1" {
			id = vm.ID
			break
		}
	}
	w := serve(s, ec2Call(t, "us-east-1", "StopInstances", "InstanceId.1", id))
	var out struct {
		ID       string `xml:"instancesSet>item>instanceId"`
		Current  int    `xml:"instancesSet>item>currentState>code"`
		CurName  string `xml:"instancesSet>item>currentState>name"`
		Previous int    `xml:"instancesSet>item>previousState>code"`
		PrevName string `xml:"instancesSet>item>previousState>name"`
	}
	decode(t, w, &out)
	if w.Code != 200 || out.ID != id || out.Current&0xff != 64 || out.CurName != "stopping" ||
		out.Previous&0xff != 16 || out.PrevName != "running" || !strings.Contains(w.Body.String(), "<StopInstancesResponse") {
		t.Errorf("StopInstances: %d %+v", w.Code, out)
	}
	w = serve(s, ec2Call(t, "us-east-1", "StartInstances", "InstanceId.1", id))
	var e ec2Err
	decode(t, w, &e)
	if w.Code != 400 || e.Code != "IncorrectInstanceState" || !strings.Contains(e.Message, "started") {
		t.Errorf("StartInstances while stopping: %d %s %q", w.Code, e.Code, e.Message)
	}
	if w := serve(s, ec2Call(t, "us-east-1", "RebootInstances", "InstanceId.1", id)); w.Code != 400 {
		t.Errorf("RebootInstances while stopping: %d", w.Code)
	}
}

func TestReboot(t *testing.T) {
	s := newTestServer(12, Options{})
	var id string
	for _, vm := range s.Fleet.List(nil) {
		if vm.State == sim.Running && vm.Region == "ap-southeast-2" {
			id = vm.ID
		}
	}
	w := serve(s, ec2Call(t, "ap-southeast-2", "RebootInstances", "InstanceId.1", id))
	var out struct {
		Return bool `xml:"return"`
	}
	decode(t, w, &out)
	if w.Code != 200 || !out.Return {
		t.Errorf("RebootInstances: %d %s", w.Code, w.Body)
	}
}

func TestDescribeInstanceTypes(t *testing.T) {
	s := newTestServer(3, Options{})
	w := serve(s, ec2Call(t, "eu-west-1", "DescribeInstanceTypes", "InstanceType.1", "c6i.xlarge", "InstanceType.2", "t3.micro"))
	var out struct {
		Types []struct {
			Name  string `xml:"instanceType"`
			VCPUs int    `xml:"vCpuInfo>defaultVCpus"`
			MiB   int64  `xml:"memoryInfo>sizeInMiB"`
		} `xml:"instanceTypeSet>item"`
	}
	decode(t, w, &out)
	got := map[string][2]int64{}
	for _, it := range out.Types {
		got[it.Name] = [2]int64{int64(it.VCPUs), it.MiB}
	}
	if got["c6i.xlarge"] != [2]int64{4, 8192} || got["t3.micro"] != [2]int64{2, 1024} || len(got) != 2 {
		t.Errorf("DescribeInstanceTypes = %v", got)
	}
	// Unfiltered, the catalog pages.
	w = serve(s, ec2Call(t, "eu-west-1", "DescribeInstanceTypes", "MaxResults", "5"))
	var page struct {
		Types     []struct{} `xml:"instanceTypeSet>item"`
		NextToken string     `xml:"nextToken"`
	}
	decode(t, w, &page)
	if len(page.Types) != 5 || page.NextToken == "" {
		t.Errorf("first page of types: %d and token %q", len(page.Types), page.NextToken)
	}
}

func TestDescribeRegions(t *testing.T) {
	s := newTestServer(6, Options{})
	var out struct {
		Regions []struct {
			Name  string `xml:"regionName"`
			OptIn string `xml:"optInStatus"`
		} `xml:"regionInfo>item"`
	}
	decode(t, serve(s, ec2Call(t, "us-east-1", "DescribeRegions")), &out)
	var names []string
	for _, r := range out.Regions {
		names = append(names, r.Name)
	}
	if !slices.Equal(names, []string{"ap-southeast-2", "eu-west-1", "us-east-1", "us-west-2"}) {
		t.Errorf("regions %v", names)
	}
	out.Regions = nil
	decode(t, serve(s, ec2Call(t, "us-east-1", "DescribeRegions", "AllRegions", "true")), &out)
	if last := out.Regions[len(out.Regions)-1]; last.Name != "af-south-1" || last.OptIn != "not-opted-in" {
		t.Errorf("AllRegions adds %+v, want af-south-1 not-opted-in", last)
	}
}

func TestThrottledAndFailedShapes(t *testing.T) {
	s := newTestServer(3, Options{})
	s.Faults.Throttle(1)
	w := serve(s, ec2Call(t, "us-east-1", "DescribeRegions"))
	var e ec2Err
	decode(t, w, &e)
	if w.Code != http.StatusServiceUnavailable || e.Code != "RequestLimitExceeded" ||
		!strings.HasPrefix(w.Body.String(), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response><Errors><Error><Code>") {
		t.Errorf("throttled: %d %s", w.Code, w.Body)
	}
	s.Faults.Fail(1)
	w = serve(s, ec2Call(t, "us-east-1", "DescribeRegions"))
	decode(t, w, &e)
	if w.Code != 500 || e.Code != "InternalError" {
		t.Errorf("failed: %d %s", w.Code, w.Body)
	}
}

func TestInstanceRecord(t *testing.T) {
	s := newTestServer(0, Options{})
	s.Fleet.Add(sim.VM{ID: "i-0aaaaaaaaaaaaaaaa", Name: "web <1>", Region: "us-east-1", Zone: "us-east-1c", Type: "m5.large",
		VCPUs: 2, MemoryMB: 8192, PrivateIP: "172.31.0.9", PublicIP: "3.4.5.6", Image: "ami-0bbbbbbbbbbbbbbbb", OS: "Windows",
		Tags: map[string]string{"cost-center": "R&D <ml>"}, State: sim.Stopped})
	body := serve(s, ec2Call(t, "us-east-1", "DescribeInstances")).Body.String()
	for _, want := range []string{
		"<instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>",
		"<key>Name</key><value>web &lt;1&gt;</value>",
		"<value>R&amp;D &lt;ml&gt;</value>",
		"<placement><availabilityZone>us-east-1c</availabilityZone>",
		"<privateDnsName>ip-172-31-0-9.ec2.internal</privateDnsName>",
		"<ipAddress>3.4.5.6</ipAddress>",
		"<platform>windows</platform>",
		"<platformDetails>Windows</platformDetails>",
		"<launchTime>0001-01-01T00:00:00.000Z</launchTime>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("record lacks %s:\n%s", want, body)
		}
	}
	if !regexp.MustCompile(`<instanceState><code>(80|336)</code><name>stopped</name>`).MatchString(body) {
		t.Errorf("state of a stopped instance:\n%s", body)
	}
	s.Corrupt("i-0aaaaaaaaaaaaaaaa")
	body = serve(s, ec2Call(t, "us-east-1", "DescribeInstances")).Body.String()
	if strings.Contains(body, "<instanceId>") || !strings.Contains(body, "<code>99</code><name>exploding</name>") {
		t.Errorf("corrupted record:\n%s", body)
	}
}

func TestPopulate(t *testing.T) {
	a, b := sim.NewFleet(), sim.NewFleet()
	Populate(a, 300, 42)
	Populate(b, 300, 42)
	idRE := regexp.MustCompile(`^i-0[0-9a-f]{16}$`)
	regions, zones, types, highByte := map[string]int{}, map[string]bool{}, map[string]bool{}, 0
	ids := map[string]bool{}
	bvms := b.List(nil)
	for i, vm := range a.List(nil) {
		if vm.ID != bvms[i].ID || vm.Name != bvms[i].Name {
			t.Fatalf("same seed, different fleets: %s %s", vm.ID, bvms[i].ID)
		}
		if !idRE.MatchString(vm.ID) || ids[vm.ID] {
			t.Errorf("id %q malformed or repeated", vm.ID)
		}
		ids[vm.ID] = true
		regions[vm.Region]++
		zones[vm.Zone] = true
		types[vm.Type+"/"+strconv.Itoa(vm.VCPUs)] = true
		if !strings.HasPrefix(vm.Zone, vm.Region) || len(vm.Zone) != len(vm.Region)+1 {
			t.Errorf("zone %q of region %q", vm.Zone, vm.Region)
		}
		if stateOf(vm).Code > 0xff {
			highByte++
		}
	}
	if len(regions) != 3 || regions["us-east-1"] != 100 || len(types) != 3 || len(zones) < 8 || highByte == 0 {
		t.Errorf("regions %v, zones %d, types %v, %d codes with a high byte", regions, len(zones), types, highByte)
	}
}

// TestInstancesEncoding: the hand-written DescribeInstances encoder gives
// the bytes encoding/xml gives for the same (tagged) types.
func TestInstancesEncoding(t *testing.T) {
	s := newTestServer(40, Options{})
	s.Fleet.Add(sim.VM{ID: "i-0aaaaaaaaaaaaaaaa", Name: "odd \x01 \"name\" é", Region: "us-east-1",
		Tags: map[string]string{"k&<>": "v'\n\t"}})
	s.Corrupt(s.Fleet.List(nil)[0].ID)
	doc, err := s.describeInstances(call{params: map[string][]string{"MaxResults": {"1000"}}, scope: scope{Region: "us-east-1"}, who: s.rootPrincipal()})
	if err != nil {
		t.Fatal(err)
	}
	want, merr := xml.Marshal(doc)
	if merr != nil {
		t.Fatal(merr)
	}
	if got := doc.(instancesXML).appendXML(nil); string(got) != string(want) {
		t.Errorf("hand-written encoding differs:\n got %s\nwant %s", got, want)
	}
}
