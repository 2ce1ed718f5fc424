package ec2sim

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strconv"
)

// DescribeInstances pages are the simulator's one large answer (a thousand
// instances make a megabyte), and encoding/xml's reflection spent most of a
// page's time; instancesXML writes itself instead. The struct tags on the
// types stay the reference: a test checks both encodings give the same bytes.

// xmlAppender is a response that encodes itself.
type xmlAppender interface {
	appendXML(b []byte) []byte
}

func (d instancesXML) appendXML(b []byte) []byte {
	n := 0
	for _, r := range d.Reservations {
		n += len(r.Instances)
	}
	b = slices.Grow(b, 256+1100*n) // an instance takes about a kilobyte
	b = append(b, `<DescribeInstancesResponse xmlns="`+ec2NS+`">`...)
	b = elem(b, "requestId", d.RequestID)
	b = append(b, "<reservationSet>"...)
	for _, r := range d.Reservations {
		b = append(b, "<item>"...)
		b = elem(b, "reservationId", r.ID)
		b = elem(b, "ownerId", r.OwnerID)
		b = append(b, "<groupSet></groupSet><instancesSet>"...)
		for i := range r.Instances {
			b = r.Instances[i].appendXML(b)
		}
		b = append(b, "</instancesSet></item>"...)
	}
	b = append(b, "</reservationSet>"...)
	b = elemOmit(b, "nextToken", d.NextToken)
	return append(b, "</DescribeInstancesResponse>"...)
}

func (x *instanceXML) appendXML(b []byte) []byte {
	b = append(b, "<item>"...)
	b = elemOmit(b, "instanceId", x.ID)
	b = elemOmit(b, "imageId", x.ImageID)
	b = append(b, "<instanceState>"...)
	b = elemInt(b, "code", x.State.Code)
	b = elem(b, "name", x.State.Name)
	b = append(b, "</instanceState>"...)
	b = elem(b, "privateDnsName", x.PrivateDNSName)
	b = elem(b, "dnsName", x.DNSName)
	b = elemInt(b, "amiLaunchIndex", x.LaunchIndex)
	b = elem(b, "instanceType", x.Type)
	b = elemOmit(b, "launchTime", x.LaunchTime)
	b = append(b, "<placement>"...)
	b = elem(b, "availabilityZone", x.Placement.Zone)
	b = elem(b, "tenancy", x.Placement.Tenancy)
	b = append(b, "</placement>"...)
	b = elemOmit(b, "platform", x.Platform)
	b = append(b, "<monitoring>"...)
	b = elem(b, "state", x.Monitoring.State)
	b = append(b, "</monitoring>"...)
	b = elemOmit(b, "privateIpAddress", x.PrivateIP)
	b = elemOmit(b, "ipAddress", x.PublicIP)
	b = elem(b, "architecture", x.Architecture)
	b = elem(b, "rootDeviceType", x.RootDeviceType)
	if len(x.Tags) > 0 {
		b = append(b, "<tagSet>"...)
		for _, t := range x.Tags {
			b = append(b, "<item>"...)
			b = elem(b, "key", t.Key)
			b = elem(b, "value", t.Value)
			b = append(b, "</item>"...)
		}
		b = append(b, "</tagSet>"...)
	}
	b = elem(b, "virtualizationType", x.VirtualizationType)
	b = append(b, "<cpuOptions>"...)
	b = elemInt(b, "coreCount", x.CPUOptions.CoreCount)
	b = elemInt(b, "threadsPerCore", x.CPUOptions.ThreadsPerCore)
	b = append(b, "</cpuOptions>"...)
	b = elemOmit(b, "ipv6Address", x.IPv6Address)
	b = elemOmit(b, "platformDetails", x.PlatformDetails)
	return append(b, "</item>"...)
}

func elem(b []byte, tag, v string) []byte {
	b = append(append(append(b, '<'), tag...), '>')
	b = appendEscaped(b, v)
	return append(append(append(b, "</"...), tag...), '>')
}

// elemOmit leaves an empty value out, as `xml:",omitempty"` does.
func elemOmit(b []byte, tag, v string) []byte {
	if v == "" {
		return b
	}
	return elem(b, tag, v)
}

func elemInt(b []byte, tag string, v int) []byte {
	b = append(append(append(b, '<'), tag...), '>')
	b = strconv.AppendInt(b, int64(v), 10)
	return append(append(append(b, "</"...), tag...), '>')
}

// appendEscaped escapes text as encoding/xml's EscapeText does.
func appendEscaped(b []byte, s string) []byte {
	if !needsEscape(s) {
		return append(b, s...)
	}
	var buf bytes.Buffer
	// EscapeText is the reference for the rarer characters (control
	// characters, invalid UTF-8); it cannot fail on a bytes.Buffer.
	_ = xml.EscapeText(&buf, []byte(s))
	return append(b, buf.Bytes()...)
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&', c == '<', c == '>', c == '"', c == '\'', c < 0x20, c >= 0x80:
			return true
		}
	}
	return false
}
