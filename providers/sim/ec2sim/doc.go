// Package ec2sim simulates the parts of the AWS EC2 Query API and of STS that
// the aws adapter uses, over a *sim.Fleet, so the real aws-sdk-go-v2 clients
// can be pointed at it through their endpoint override.
//
// Wire format, as in the public API references: every call is a form-encoded
// POST / with Action and Version (2016-11-15 for EC2, 2011-06-15 for STS);
// list arguments are numbered (InstanceId.1, InstanceId.2…). One address
// serves every region and both services: the region and the service are read
// from the SigV4 Authorization header's credential scope
// (Credential=AKID/20260101/us-east-1/ec2/aws4_request), and the signature is
// verified against the one access key the simulator knows, or against
// temporary credentials it issued through AssumeRole.
//
// EC2 actions: DescribeRegions, DescribeInstances (MaxResults 5–1000 and
// NextToken paging, InstanceId.N, several instances per reservation),
// DescribeInstanceTypes, StartInstances, StopInstances, RebootInstances.
// STS actions: GetCallerIdentity, AssumeRole. Errors have each service's own
// XML shape (EC2's <Response><Errors><Error>…, STS's <ErrorResponse>…), and
// throttling is EC2's RequestLimitExceeded with HTTP 503 (STS: Throttling,
// HTTP 400).
//
// Deliberate simplifications: Filter.N parameters are refused rather than
// evaluated, DescribeRegions ignores its arguments, and instance state codes
// carry a non-zero high byte for about one VM in ten, as EC2 allows, so
// clients that forget to mask it are caught.
package ec2sim
