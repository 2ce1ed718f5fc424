// Package aws is the Amazon EC2 adapter: one AWS account, every enabled
// region, through aws-sdk-go-v2 (service/ec2, service/sts, config).
//
// # What it does
//
// Check calls STS GetCallerIdentity (the account id is the identity; with a
// role, the role's account) and DescribeRegions. List calls DescribeRegions,
// then pages DescribeInstances (MaxResults 1000) in every region, up to 8
// regions at once; vCPUs and memory come from DescribeInstanceTypes, asked
// once per region and type and cached. Power calls StartInstances,
// StopInstances or RebootInstances and returns when EC2 accepted the action.
// An instance id does not carry its region: Power uses the region the last
// List saw, else asks every region for the id (DescribeInstances
// InstanceIds=[id]) and remembers the answer.
//
// VM fields: ID is the instance id, Name the Name tag (else the id), Zone
// the availability zone, Host the dedicated host if any, Type the instance
// type, OS the platformDetails ("Linux/UNIX", "Windows"…), Image the AMI id,
// PrivateIPs the private addresses of every interface, PublicIPs the public
// IPv4 and the IPv6 addresses, CreatedAt the launchTime (EC2's last start,
// not the creation), ConsoleURL the instance's page in the EC2 console. State
// codes are masked to their low byte (the high byte is internal) and mapped
// to pending, running, stopping (shutting-down and stopping), terminated and
// stopped; anything else is unknown. A record without an instanceId is
// skipped and reported through providers.PartialError.
//
// # Exec
//
// The provider is a providers.Executor through AWS Systems Manager Run
// Command, spoken directly (AWS JSON 1.1, SigV4 for service "ssm", the
// endpoint override or https://ssm.<region>.amazonaws.com): SendCommand with
// the AWS-RunShellScript document, then GetCommandInvocation polled (100 ms
// doubling to 2 s) until Success, Failed, Cancelled or TimedOut; ResponseCode
// is the exit code. SSM has no stdin, so argv becomes one line of sh with
// every word single-quoted and stdin (48 KiB at most) is piped in from
// base64: printf '%s' '<base64>' | base64 -d | 'argv0' 'argv1' …. The
// command runs as root in / with a 600 s executionTimeout; when ctx ends,
// CancelCommand is sent, best effort. SSM returns only the first 24,000
// characters of stdout and 8,000 of stderr, as text (invalid UTF-8 is
// replaced). The instance must run the SSM agent with an instance profile
// holding AmazonSSMManagedInstanceCore; SSM's InvalidInstanceId is told
// apart with DescribeInstances: unknown is ErrNotFound, not running or not
// managed is ErrInvalidState.
//
// # Config (JSON)
//
//	accessKeyId      access key id (with secretAccessKey)
//	secretAccessKey  secret; env:NAME and file:PATH references work
//	sessionToken     secret; for temporary keys
//	profile          shared config profile (~/.aws/config and credentials);
//	                 not with keys
//	roleArn          role assumed through STS AssumeRole on top of the base
//	                 credentials, arn:aws:iam::<12 digits>:role/<name>
//	externalId       the external id the role's trust policy asks for
//	regions          optional list narrowing the enabled regions; Check fails
//	                 on one that is not enabled, List skips it
//	defaultRegion    where DescribeRegions and STS are called (us-east-1)
//	endpoint         URL replacing every EC2 and STS endpoint (tests, private
//	                 gateways)
//
// With neither keys nor profile the SDK's default chain is used: AWS_*
// environment variables, shared files, web identity (Kubernetes IRSA:
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE), container credentials, the
// instance role. With static keys the instance metadata service is never
// asked. AWS_CA_BUNDLE is honoured.
//
// # Permissions
//
// The credentials (or the role) need ec2:DescribeRegions,
// ec2:DescribeInstances, ec2:DescribeInstanceTypes, and for power actions
// ec2:StartInstances, ec2:StopInstances, ec2:RebootInstances, for Exec
// ssm:SendCommand (on the instances and on the AWS-RunShellScript
// document), ssm:GetCommandInvocation and ssm:CancelCommand; the base
// credentials of a role need sts:AssumeRole on it. GetCallerIdentity needs
// no permission. Without ec2:DescribeInstanceTypes, vCPUs and memory stay 0.
//
// # Errors and limits
//
// AuthFailure, UnauthorizedOperation, InvalidClientTokenId,
// SignatureDoesNotMatch, ExpiredToken, AccessDenied and missing credentials
// are providers.ErrAuth, and so are SSM's AccessDeniedException,
// UnrecognizedClientException and InvalidSignatureException;
// InvalidInstanceID.NotFound and .Malformed are ErrNotFound;
// IncorrectInstanceState is ErrInvalidState; failures to connect are
// ErrUnreachable. Throttling (RequestLimitExceeded, Throttling) and 5xx
// answers are retried by the SDK's standard retryer: 5 attempts, full-jitter
// backoff from 200 ms capped at 4 s; throttling that outlasts that is
// ErrThrottled. SSM's ThrottlingException is retried the same way (5
// attempts) by the adapter itself. A region that fails does not stop the
// others (List returns its error after emitting the rest), except for
// credential failures, which stop the listing. Disk sizes are not filled
// (EBS volume sizes would need DescribeVolumes). Only the aws partition's
// console URLs are produced.
package aws
